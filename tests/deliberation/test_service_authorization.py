"""Services check their callers: every service of the facade that reads or changes what only a
conversation's team may see takes the caller first and checks the role itself, whatever page or
command calls it. A facilitator with no role in the conversation is refused and changes nothing;
a moderator is served what moderators may see and refused what is for owners; the command
line's `OPERATOR` is admitted only where a command needs it.

The tables below list every such service; `test_every_service_taking_a_facilitator_is_listed`
fails when a new one is added without a row, as the web's authorization matrix does for routes.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db
from deliberation.errors import Forbidden
from deliberation.models import AuditEntry, Facilitator, Role
from deliberation.polis_io import json_export, polis_csv_export
from deliberation.recompute import run_once
from tests.deliberation.conftest import join, make_facilitator

REPOSITORY = Path(__file__).resolve().parents[2]
MODERATORS = (Role.OWNER, Role.MODERATOR)
OWNERS = (Role.OWNER,)


@dataclass(frozen=True)
class Session:
    """A conversation with votes, a fast result, an agenda item, a follow-up round and a
    snapshot, so that every read has something to return."""

    conversation_id: str
    owner: Facilitator
    moderator: Facilitator
    stranger: Facilitator  # owns another conversation, holds no role in this one
    round_id: int
    snapshot_id: int


@pytest.fixture
def session(owner, conversation, seeds) -> Session:
    cid = conversation.public_id
    moderator = make_facilitator("moderadora@example.org")
    services.grant_role(owner.id, cid, moderator.email, "moderator")
    stranger = make_facilitator("ajeno@example.org")
    services.create_conversation(stranger.id, "Otra mesa")
    for index in range(4):
        pid = join(conversation).pid
        for tid in seeds:
            services.cast_vote(cid, pid, tid, (index + tid) % 3 - 1)
    run_once("fast")
    justice = services.create_subcommittee(owner.id, cid, "Acceso a la justicia")
    services.promote_statement(owner.id, cid, seeds[0], subcommittee_id=justice.id)
    round_ = services.open_follow_up_round(owner.id, cid, "seis meses después")
    snapshot = services.create_snapshot(owner.id, cid, "plenaria")
    return Session(cid, owner, moderator, stranger, round_.id, snapshot.id)


Call = Callable[[Any, Session], Any]

# What each read needs, and who may call it: (service, call with the caller, allowed roles).
READS: dict[str, tuple[Call, tuple[Role, ...]]] = {
    "agenda_candidates": (
        lambda f, s: services.agenda_candidates(f, s.conversation_id),
        MODERATORS,
    ),
    "allowed_xids": (lambda f, s: services.allowed_xids(f, s.conversation_id), OWNERS),
    "audit_log": (lambda f, s: services.audit_log(f, s.conversation_id), OWNERS),
    "embedding_secret": (lambda f, s: services.embedding_secret(f, s.conversation_id), OWNERS),
    "audit_trail": (lambda f, s: services.audit_trail(f, s.conversation_id), MODERATORS),
    "common_agenda": (lambda f, s: services.common_agenda(f, s.conversation_id), MODERATORS),
    "conversation_for": (lambda f, s: services.conversation_for(f, s.conversation_id), MODERATORS),
    "conversation_roles": (
        lambda f, s: services.conversation_roles(f, s.conversation_id),
        MODERATORS,
    ),
    "follow_up_comparison": (
        lambda f, s: services.follow_up_comparison(f, s.conversation_id, s.round_id),
        MODERATORS,
    ),
    "follow_up_rounds": (lambda f, s: services.follow_up_rounds(f, s.conversation_id), MODERATORS),
    "invite_codes": (lambda f, s: services.invite_codes(f, s.conversation_id), OWNERS),
    "latest_snapshot": (lambda f, s: services.latest_snapshot(f, s.conversation_id), MODERATORS),
    "list_agenda_items": (
        lambda f, s: services.list_agenda_items(f, s.conversation_id),
        MODERATORS,
    ),
    "list_snapshots": (lambda f, s: services.list_snapshots(f, s.conversation_id), MODERATORS),
    "list_statements": (lambda f, s: services.list_statements(f, s.conversation_id), MODERATORS),
    "live_stamp": (lambda f, s: services.live_stamp(f, s.conversation_id), MODERATORS),
    "moderation_counts": (
        lambda f, s: services.moderation_counts(f, s.conversation_id),
        MODERATORS,
    ),
    "moderation_queue": (lambda f, s: services.moderation_queue(f, s.conversation_id), MODERATORS),
    "opinion_map": (lambda f, s: services.opinion_map(f, s.conversation_id), MODERATORS),
    "participation": (lambda f, s: services.participation(f, s.conversation_id), MODERATORS),
    "report_ids": (lambda f, s: services.report_ids(f, s.conversation_id), MODERATORS),
    "result_findings": (lambda f, s: services.result_findings(f, s.conversation_id), MODERATORS),
    "statement_for": (lambda f, s: services.statement_for(f, s.conversation_id, 0), MODERATORS),
    "similar_in_queue": (
        lambda f, s: services.similar_in_queue(f, s.conversation_id, []),
        MODERATORS,
    ),
    "topics_page": (lambda f, s: services.topics_page(f, s.conversation_id), MODERATORS),
    "topic_filter": (lambda f, s: services.topic_filter(f, s.conversation_id, None), MODERATORS),
    "subcommittee_choices": (
        lambda f, s: services.subcommittee_choices(f, s.conversation_id),
        MODERATORS,
    ),
    "review_coordination": (
        lambda f, s: services.review_coordination(f, s.conversation_id),
        MODERATORS,
    ),
    "statement_vote_counts": (
        lambda f, s: services.statement_vote_counts(f, s.conversation_id),
        MODERATORS,
    ),
    "statement_on_map": (
        lambda f, s: services.statement_on_map(f, s.conversation_id, 0),
        MODERATORS,
    ),
    "verify_snapshot": (lambda f, s: services.verify_snapshot(f, s.snapshot_id), MODERATORS),
}

# Every write, as a facilitator with no role would try it; each must be refused before it
# writes anything (the role tests of each module cover who may make it).
WRITES: dict[str, Call] = {
    "add_agenda_note": lambda f, s: services.add_agenda_note(f, s.conversation_id, 0, "nota"),
    "add_seed_statement": lambda f, s: services.add_seed_statement(f, s.conversation_id, "Otra."),
    "allow_xids": lambda f, s: services.allow_xids(f, s.conversation_id, ["vecina-7"]),
    "change_agenda_status": lambda f, s: services.change_agenda_status(
        f, s.conversation_id, 0, "agreed"
    ),
    "close_follow_up_round": lambda f, s: services.close_follow_up_round(
        f, s.conversation_id, s.round_id
    ),
    "create_invite_code": lambda f, s: services.create_invite_code(f, s.conversation_id),
    "create_report_id": lambda f, s: services.create_report_id(f, s.conversation_id),
    "create_snapshot": lambda f, s: services.create_snapshot(f, s.conversation_id),
    "delete_conversation": lambda f, s: services.delete_conversation(
        f, s.conversation_id, confirmation=s.conversation_id
    ),
    "disallow_xid": lambda f, s: services.disallow_xid(f, s.conversation_id, "vecina-7"),
    "rotate_embedding_secret": lambda f, s: services.rotate_embedding_secret(f, s.conversation_id),
    "create_subcommittee": lambda f, s: services.create_subcommittee(
        f, s.conversation_id, "Justicia"
    ),
    "assign_statement": lambda f, s: services.assign_statement(f, s.conversation_id, 0, None),
    "map_topic": lambda f, s: services.map_topic(f, s.conversation_id, 0, 1),
    "rename_topic": lambda f, s: services.rename_topic(f, s.conversation_id, 0, "Policía"),
    "exclude_from_math": lambda f, s: services.exclude_from_math(f, s.conversation_id, [0]),
    "include_in_math": lambda f, s: services.include_in_math(f, s.conversation_id, [0]),
    "grant_role": lambda f, s: services.grant_role(
        f, s.conversation_id, f"{f}@example.org", "owner"
    ),
    "moderate_statement": lambda f, s: services.moderate_statement(
        f, s.conversation_id, 0, "rejected"
    ),
    "moderate_statements": lambda f, s: services.moderate_statements(
        f, s.conversation_id, [0, 1], "rejected"
    ),
    "open_follow_up_round": lambda f, s: services.open_follow_up_round(
        f, s.conversation_id, "otra"
    ),
    "promote_statement": lambda f, s: services.promote_statement(f, s.conversation_id, 1),
    "revoke_role": lambda f, s: services.revoke_role(
        f, s.conversation_id, "moderadora@example.org"
    ),
    "seed_statements": lambda f, s: services.seed_statements(f, s.conversation_id, ["Una más."]),
    "set_data_open": lambda f, s: services.set_data_open(f, s.conversation_id, True),
    "set_statement_meta": lambda f, s: services.set_statement_meta(f, s.conversation_id, 0, True),
    "set_statements_meta": lambda f, s: services.set_statements_meta(
        f, s.conversation_id, [0], True
    ),
    "translate_conversation": lambda f, s: services.translate_conversation(
        f, s.conversation_id, "en", description="Security round-table, March session"
    ),
    "translate_statement": lambda f, s: services.translate_statement(
        f, s.conversation_id, 0, "en", "More prosecutors."
    ),
    "update_agenda_item": lambda f, s: services.update_agenda_item(
        f, s.conversation_id, 0, subcommittee_id=None
    ),
    "withdraw_agenda_item": lambda f, s: services.withdraw_agenda_item(
        f, s.conversation_id, 0, "duplicado"
    ),
    "update_conversation": lambda f, s: services.update_conversation(
        f, s.conversation_id, {"topic": "Otro tema"}
    ),
}

# The services that admit `OPERATOR`: those the commands call, and the statement list (an
# operator checking an import from `flask shell`).
OPERATOR_READS = (
    "common_agenda",
    "latest_snapshot",
    "list_agenda_items",
    "list_statements",
    "moderation_counts",
    "participation",
    "result_findings",
    "verify_snapshot",
)
# Services of one facilitator's own account, not of a conversation.
OWN_ACCOUNT = {
    "change_password",
    "conversations_of",
    "create_conversation",
    "end_facilitator_sessions",
    "get_facilitator",
    "issue_api_token",
    "revoke_api_token",
    "set_facilitator_language",
}


def test_every_service_taking_a_facilitator_is_listed():
    takes_a_caller = {
        name
        for name in services.__all__
        if inspect.isfunction(getattr(services, name))
        and next(iter(inspect.signature(getattr(services, name)).parameters), None)
        == "facilitator_id"
    }
    assert takes_a_caller - OWN_ACCOUNT == set(READS) | set(WRITES)


def _state() -> tuple:
    """Everything a refused write could have changed: every table's row count, the audit."""
    db.session.rollback()
    counts = tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    )
    audit = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    return counts, tuple(audit)


def test_a_facilitator_without_a_role_is_refused_every_read_and_write(session):
    before = _state()
    for name, (call, _roles) in READS.items():
        with pytest.raises(Forbidden) as refusal:
            call(session.stranger.id, session)
        assert refusal.value.code == "role_required", name
    for name, call in WRITES.items():
        with pytest.raises(Forbidden) as refusal:
            call(session.stranger.id, session)
        assert refusal.value.code == "role_required", name
    assert _state() == before


def test_an_unknown_facilitator_is_refused(session):
    for name, (call, _roles) in READS.items():
        with pytest.raises(Forbidden) as refusal:
            call(10_000, session)
        assert refusal.value.code == "facilitator_unknown", name


def test_a_moderator_is_served_what_moderators_may_see_and_refused_the_rest(session):
    served = []
    for name, (call, roles) in READS.items():
        if Role.MODERATOR in roles:
            served.append((name, call(session.moderator.id, session)))
        else:
            with pytest.raises(Forbidden):
                call(session.moderator.id, session)
    results = dict(served)
    assert [item.tid for item in results["list_agenda_items"]] == [0]
    assert [r.id for r in results["follow_up_rounds"]] == [session.round_id]
    assert results["latest_snapshot"].id == session.snapshot_id
    assert [s.id for s in results["list_snapshots"]] == [session.snapshot_id]
    assert results["verify_snapshot"].ok
    assert results["follow_up_comparison"].round.id == session.round_id
    assert results["common_agenda"].result_version is not None
    # Four voters are too few in a group for a candidate (issue 14 point 3): all held back.
    ranking = results["agenda_candidates"]
    assert sorted(c.tid for c in ranking.candidates + [h.statement for h in ranking.held_back]) == [
        0,
        1,
        2,
    ]
    assert [s.tid for s in results["list_statements"]] == [0, 1, 2]
    assert results["statement_for"].tid == 0


def test_an_owner_is_served_every_read(session):
    for name, (call, _roles) in READS.items():
        assert call(session.owner.id, session) is not None, name


def test_the_operator_is_admitted_only_where_a_command_needs_it(session):
    for name in OPERATOR_READS:
        call, _roles = READS[name]
        assert call(services.OPERATOR, session) is not None, name
    for name in sorted(set(READS) - set(OPERATOR_READS)):
        call, _roles = READS[name]
        with pytest.raises(TypeError):
            call(services.OPERATOR, session)


def test_the_operator_takes_a_snapshot_audited_as_no_facilitator(session):
    snapshot = services.create_snapshot(services.OPERATOR, session.conversation_id, "consola")
    [entry] = [
        e
        for e in services.audit_trail(session.owner.id, session.conversation_id)
        if e.action == "snapshot.create" and e.detail["snapshot"] == snapshot.id
    ]
    assert entry.facilitator_id is None


def test_a_whole_conversations_export_is_for_its_owners_and_the_operator(session):
    """Every vote and statement in any moderation state: owners (the console's export) and the
    operator (`flask --app web export`), no one else."""
    cid = session.conversation_id
    for export in (polis_csv_export, json_export):
        for caller in (session.stranger.id, session.moderator.id):
            with pytest.raises(Forbidden):
                export(caller, cid)
    assert len(json_export(session.owner.id, cid)["votes"]) == 12
    assert (
        json_export(services.OPERATOR, cid)["votes"] == json_export(session.owner.id, cid)["votes"]
    )
    assert polis_csv_export(session.owner.id, cid)["votes.csv"].count("\n") == 13


def test_a_forgotten_caller_is_an_error_not_a_pass(session):
    """Called the old way, with the conversation where the caller goes, a service fails."""
    with pytest.raises(TypeError):
        services.list_snapshots(session.conversation_id, session.conversation_id)
    with pytest.raises(TypeError):
        services.list_agenda_items(None, session.conversation_id)


def _service_internals(path: Path) -> set[str]:
    """What a module imports from behind the services facade: a module of the package, or a
    name the facade does not export."""
    internals = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "deliberation.services":
            internals.update(a.name for a in node.names if a.name not in services.__all__)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("deliberation.services."):
                internals.add(node.module)
        elif isinstance(node, ast.Import):
            internals.update(
                a.name for a in node.names if a.name.startswith("deliberation.services.")
            )
    return internals


def test_web_imports_the_services_facade_only():
    internals = {
        f"{path.relative_to(REPOSITORY)}: {name}"
        for path in (REPOSITORY / "web").rglob("*.py")
        for name in _service_internals(path)
    }
    assert internals == set()


def test_only_commands_act_as_the_operator():
    """Pages and API routes always pass the logged-in facilitator; `OPERATOR` is the command
    line's, so only command modules may name it."""
    naming = {
        path.relative_to(REPOSITORY)
        for path in (REPOSITORY / "web").rglob("*.py")
        if "OPERATOR" in path.read_text(encoding="utf-8")
    }
    assert naming and all(path.parent == Path("web/commands") for path in naming), naming
