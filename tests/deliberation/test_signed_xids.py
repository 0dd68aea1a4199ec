"""An xid counts only with the embedding site's signature (issue 13, point 1).

Before, anyone who knew (or guessed) a participant's xid could join as them: they got the
participant's pid and a fresh token, which retired the real person's.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from deliberation import services
from deliberation.db import db as database
from deliberation.errors import Forbidden
from deliberation.models import AuditEntry, Conversation, Participant
from deliberation.services.embedding import MAX_AGE_KEY, require_proven_xid
from tests.deliberation.conftest import join, make_facilitator, signed_xid


def participants() -> list[tuple[int, str | None, str]]:
    return list(
        database.session.execute(
            sa.select(Participant.pid, Participant.xid, Participant.token_digest).order_by(
                Participant.pid
            )
        )
    )


def refusal(conversation, **admission) -> str:
    with pytest.raises(Forbidden) as refused:
        join(conversation, **admission)
    return refused.value.code


def test_an_xid_without_the_sites_signature_takes_over_nobody(conversation):
    maria = join(conversation, **signed_xid(conversation.public_id, "maria.lopez@example.org"))
    before = participants()

    assert refusal(conversation, xid="maria.lopez@example.org") == "xid_unsigned"
    assert participants() == before
    # Her device still works: nothing was retired.
    assert services.identify_participant(conversation.public_id, maria.token).pid == maria.pid


def test_forged_foreign_and_stretched_signatures_are_refused(owner, conversation):
    cid = conversation.public_id
    genuine = signed_xid(cid, "ana")
    other = services.create_conversation(owner.id, "Otra mesa")
    cases = {
        "xid_signature_invalid": [
            {**genuine, "xid": "beto"},  # ana's signature, beto's xid
            {**genuine, "xid_expires": genuine["xid_expires"] + 60},  # a later expiry
            {**genuine, "xid_signature": "f" * 64},
            {**genuine, "xid_signature": "not hex"},
            {**genuine, "xid_expires": "soon"},
            {**signed_xid(other.public_id, "ana"), "xid": "ana"},  # another conversation's
        ],
        "xid_unsigned": [
            {"xid": "ana", "xid_expires": genuine["xid_expires"]},
            {"xid": "ana", "xid_signature": genuine["xid_signature"]},
        ],
        "xid_signature_expired": [signed_xid(cid, "ana", expires_in=-1)],
        # Valid for longer than the deployment allows (a day by default): a leaked link would
        # admit its holder for as long as the site chose.
        "xid_signature_too_long": [signed_xid(cid, "ana", expires_in=30 * 24 * 3600)],
    }
    for code, admissions in cases.items():
        for admission in admissions:
            assert refusal(conversation, **admission) == code, admission
    assert participants() == []
    assert join(conversation, **genuine).pid == 0


def test_the_maximum_lifetime_of_a_signature_is_a_setting(app, conversation):
    app.config[MAX_AGE_KEY] = 60
    assert refusal(conversation, **signed_xid(conversation.public_id, "ana", expires_in=600)) == (
        "xid_signature_too_long"
    )
    assert join(conversation, **signed_xid(conversation.public_id, "ana", expires_in=30)).pid == 0


def test_refusals_do_not_tell_whether_an_xid_took_part(owner, conversation):
    """No join reveals whether an xid is on the allow-list or has joined: the signature is
    checked first, and its refusal is the same for every xid."""
    cid = conversation.public_id
    services.update_conversation(owner.id, cid, {"access_mode": "xid"})
    services.allow_xids(owner.id, cid, ["ana", "beto"])
    join(conversation, **signed_xid(cid, "ana"))
    before = participants()
    for attempt in ({}, {"xid_signature": "0" * 64, "xid_expires": int(time.time()) + 60}):
        seen = set()
        for xid in ("ana", "beto", "nobody"):
            with pytest.raises(Forbidden) as refused:
                join(conversation, xid=xid, **attempt)
            seen.add((refused.value.code, str(refused.value).replace(xid, "?")))
        assert len(seen) == 1, seen
    assert participants() == before


def test_a_second_device_of_a_proven_person_takes_over_and_signs_out_the_first(conversation):
    """One device at a time: the site vouches again, the person continues on the new device,
    and the old one is refused (it then asks to start again, so a leaked link shows)."""
    cid = conversation.public_id
    phone = join(conversation, **signed_xid(cid, "ana"))
    laptop = join(conversation, **signed_xid(cid, "ana"))
    assert (laptop.pid, laptop.is_returning) == (phone.pid, True)
    assert services.identify_participant(cid, laptop.token).pid == phone.pid
    with pytest.raises(Forbidden):
        services.identify_participant(cid, phone.token)
    assert [(pid, xid) for pid, xid, _ in participants()] == [(0, "ana")]


def test_only_the_owner_sees_and_rotates_the_embedding_secret(owner, conversation):
    cid = conversation.public_id
    moderator = make_facilitator("moderadora@example.org")
    services.grant_role(owner.id, cid, moderator.email, "moderator")
    secret = services.embedding_secret(owner.id, cid)
    assert len(secret) >= 43  # 256 random bits
    for forbidden in (services.embedding_secret, services.rotate_embedding_secret):
        with pytest.raises(Forbidden):
            forbidden(moderator.id, cid)

    ana = join(conversation, **signed_xid(cid, "ana"))
    old_signature = signed_xid(cid, "ana")
    rotated = services.rotate_embedding_secret(owner.id, cid)
    assert rotated != secret and services.embedding_secret(owner.id, cid) == rotated
    assert refusal(conversation, **old_signature) == "xid_signature_invalid"
    assert services.identify_participant(cid, ana.token).pid == ana.pid  # already joined: kept
    assert join(conversation, **signed_xid(cid, "ana")).pid == ana.pid
    actions = database.session.scalars(sa.select(AuditEntry.action)).all()
    assert "embed_secret.rotate" in actions
    assert rotated not in str(database.session.scalars(sa.select(AuditEntry.detail)).all())


def test_each_conversation_has_its_own_secret_and_the_migration_gives_old_ones_one(app, owner):
    first = services.create_conversation(owner.id, "Primera")
    second = services.create_conversation(owner.id, "Segunda")
    assert first.embed_secret and second.embed_secret and first.embed_secret != second.embed_secret
    database.session.commit()
    database.session.remove()
    downgrade(revision="0006")  # conversations from before signed xids
    upgrade()
    secrets = database.session.scalars(sa.select(Conversation.embed_secret)).all()
    assert len(secrets) == 2 and len(set(secrets)) == 2 and all(len(s) >= 43 for s in secrets)


def test_a_signature_is_checked_against_the_documented_message(conversation):
    """The README's recipe, written out: HMAC-SHA256 over "<id>\\n<expires>\\n<xid>", hex."""
    import hashlib
    import hmac

    expires = int(time.time()) + 300
    message = f"{conversation.public_id}\n{expires}\nana".encode()
    signature = hmac.new(conversation.embed_secret.encode(), message, hashlib.sha256).hexdigest()
    require_proven_xid(conversation, "ana", str(expires), signature.upper())  # no refusal
