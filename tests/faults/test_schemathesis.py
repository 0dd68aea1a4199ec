"""Schemathesis against /api/v1/openapi.json, in process (the WSGI app, no server).

Every operation of the document gets generated requests, valid ones (positive) and ones that
break the schema (negative), sent with the credentials its security names: a participant token
of a seeded conversation, a facilitator token of its owner, the wrong kind, another
conversation's, or none. Path arguments are mostly the seeded conversation and its statements,
so requests reach the services and the database rather than stopping at a 404.

Each response must not be a server error, and its status, content type, headers and body must
be the ones the document declares. The run is bounded by a case count and a time budget; the
figure printed at the end is the number of cases sent.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deliberation import services
from deliberation.db import db
from deliberation.models import Conversation
from deliberation.recompute import run_once
from tests.web.conftest import API, facilitator_with_token, join

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Per operation and generation mode; about 20 operations x 2 modes x 30 >= 1,000 cases.
CASES_PER_OPERATION_AND_MODE = 30
MINIMUM_CASES = 1_000
# The whole run, both backends, stays near three minutes on a busy 2-core machine.
TIME_BUDGET_S = 110
# Signed by nobody: well-formed, but its signature cannot check out.
FORGED_TOKEN = "p.eyJmb3JnZWQiOnRydWV9.bm90LWEtc2lnbmF0dXJl"


@pytest.fixture
def seeded(app, client):
    """A conversation with statements, voters and a computed result; the callers' tokens."""
    owner, owner_token = facilitator_with_token("owner@example.org")
    _, stranger_token = facilitator_with_token("stranger@example.org")
    conversation = services.create_conversation(
        owner.id, "Seguridad", languages=["es", "en"], stakeholder_sectors=["comercio"]
    )
    other = services.create_conversation(owner.id, "Otra conversación")
    cid = conversation.public_id
    for text in ("Más fiscales.", "Mejores salarios.", "Registro público.", "=1+1"):
        services.add_seed_statement(owner.id, cid, text)
    voters = [join(client, cid) for _ in range(8)]
    for index, voter in enumerate(voters):
        for tid in range(4):
            services.cast_vote(cid, voter["pid"], tid, (index + tid) % 3 - 1)
    run_once("fast")

    def rejoin() -> str:
        """A new participant's token, after a generated DELETE .../participants/me."""
        return join(client, cid)["token"]

    return {
        "rejoin": rejoin,
        "conversation_id": cid,
        "other_id": other.public_id,
        "participant": voters[0]["token"],
        "other_participant": join(client, other.public_id)["token"],
        "owner": owner_token,
        "stranger": stranger_token,
    }


def credentials_for(operation, seeded) -> st.SearchStrategy[str | None]:
    """Mostly the credential the operation asks for; sometimes a wrong one, or none."""
    schemes = {name for option in operation.definition.raw.get("security", []) for name in option}
    if "participantToken" in schemes:
        right = ["participant"] * 6
    elif "facilitatorToken" in schemes:
        right = ["owner"] * 6
    else:
        right = [None] * 6
    wrong = [None, "stranger", "other_participant", "participant", "owner", "forged"]
    return st.sampled_from(right + wrong)


def path_values(seeded) -> dict[str, st.SearchStrategy]:
    return {
        "conversation_id": st.sampled_from(
            [seeded["conversation_id"]] * 8 + [seeded["other_id"], "0aaaaaaaaa"]
        ),
        "tid": st.sampled_from([0, 1, 2, 3, 4, 99, 2**31 - 1]),
    }


def reopen(conversation_id: str) -> None:
    """Undo settings a generated PATCH may have made, so later cases still reach deep code."""
    db.session.rollback()
    db.session.execute(
        sa.update(Conversation)
        .where(Conversation.public_id == conversation_id)
        .values(is_open=True, is_archived=False, access_mode="link", participants_can_add=True)
    )
    db.session.commit()


def exercise(operation, mode, seeded, statuses: Counter, failures: dict) -> None:
    """Send one operation's generated cases in one mode; count statuses, collect failures."""
    paths = path_values(seeded)
    tokens = {**seeded, "forged": FORGED_TOKEN, None: None}

    @settings(
        max_examples=CASES_PER_OPERATION_AND_MODE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def send(data):
        case = data.draw(operation.as_strategy(generation_mode=mode))
        for name, values in paths.items():
            if name in (case.path_parameters or {}) and data.draw(st.integers(0, 9)) < 9:
                case.path_parameters[name] = data.draw(values)
        credential = tokens[data.draw(credentials_for(operation, seeded))]
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as failure:  # noqa: BLE001  (every kind is reported below)
            failures.setdefault(f"{operation.label} [{mode.value}]", str(failure)[:3000])
        if operation.method.upper() == "PATCH" and response.status_code == 200:
            reopen(seeded["conversation_id"])
        if operation.method.upper() == "DELETE" and response.status_code == 200:
            if credential == tokens["participant"]:  # that participant left: another joins
                seeded["participant"] = tokens["participant"] = seeded["rejoin"]()

    send()


def test_generated_requests_get_documented_answers(app, seeded):
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}
    started = time.monotonic()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() - started < TIME_BUDGET_S:
                exercise(operation, mode, seeded, statuses, failures)

    sent = sum(statuses.values())
    elapsed = time.monotonic() - started
    print(
        f"\nschemathesis: {sent} cases in {elapsed:.0f}s, statuses {dict(sorted(statuses.items()))}"
    )
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
    assert sent >= MINIMUM_CASES, f"only {sent} cases within {TIME_BUDGET_S}s"
    # The run reached the services, not only the authentication in front of them.
    assert statuses[200] + statuses[201] >= 100
