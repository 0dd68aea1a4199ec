"""Participant tokens' signatures: checked once per token and signing keys, then remembered
(web.credentials), without ever accepting what the keys in force would refuse."""

from __future__ import annotations

import pytest

from deliberation.remembered import Remembered
from web import credentials

KEY_A = "key-a-" + "0123456789abcdef" * 2
KEY_B = "key-b-" + "0123456789abcdef" * 2


@pytest.fixture
def keys(app):
    """Set the app's signing keys: the newest first, as SECRET_KEY and its fallbacks."""

    def use(newest: str, *older: str) -> None:
        app.config["SECRET_KEY"] = newest
        app.config["SECRET_KEY_FALLBACKS"] = list(older)

    with app.test_request_context():
        yield use


def test_a_remembered_token_is_refused_once_its_key_is_retired(keys):
    keys(KEY_A)
    token = credentials.issue_participant_token("conv-1", 7, "secret")
    claim = credentials.read_participant_token(token)
    assert claim == credentials.ParticipantClaim("conv-1", 7, "secret")
    assert credentials.read_participant_token(token) is claim  # remembered, not checked again
    keys(KEY_B, KEY_A)  # rotated: the old key still verifies
    assert credentials.read_participant_token(token) == claim
    keys(KEY_B)  # retired: the token is refused although its claim was remembered
    assert credentials.read_participant_token(token) is None
    keys(KEY_A)
    assert credentials.read_participant_token(token) == claim


def test_forged_tokens_are_refused_and_never_remembered(keys):
    keys(KEY_A)
    token = credentials.issue_participant_token("conv-1", 7, "secret")
    kept = len(credentials._GENUINE)
    forged = [token[:-1] + ("A" if token[-1] != "A" else "B"), token + "x", "p.", "p.[]"]
    for attempt in forged:
        assert credentials.read_participant_token(attempt) is None
    keys(KEY_B)
    assert credentials.read_participant_token(token) is None
    assert len(credentials._GENUINE) == kept


def test_the_remembered_claims_are_bounded(keys, monkeypatch):
    monkeypatch.setattr(credentials, "_GENUINE", Remembered(3))
    keys(KEY_A)
    tokens = [credentials.issue_participant_token("conv-1", pid, "s") for pid in range(5)]
    claims = [credentials.read_participant_token(token) for token in tokens]
    assert [claim.pid for claim in claims] == list(range(5))
    assert len(credentials._GENUINE) == 3
    checked = []
    serializer = credentials.URLSafeSerializer
    monkeypatch.setattr(
        credentials, "URLSafeSerializer", lambda *a, **k: checked.append(1) or serializer(*a, **k)
    )
    assert credentials.read_participant_token(tokens[4]) == claims[4]
    assert checked == []  # remembered
    # The oldest was forgotten, not refused: its signature is checked again.
    assert credentials.read_participant_token(tokens[0]) == claims[0]
    assert checked == [1]
