"""Topics and subcommittees in the domain: computed by the worker when statements change,
assigned and mapped by facilitators, every change audited."""

import pytest
import sqlalchemy as sa

from clustering.topic_document import TopicInputs, topic_document
from deliberation import services
from deliberation.db import db
from deliberation.errors import Forbidden, Invalid, NotFound
from deliberation.models import AuditEntry, StatementSubcommittee, TopicResult
from deliberation.recompute import Runner
from deliberation.recompute.child import run_in_child
from deliberation.recompute.runner import run_here
from deliberation.recompute.worker import TopicsScan, run_once
from deliberation.services.agenda import promote_statement
from deliberation.services.subcommittees import (
    StatementPlacement,
    assign_statement,
    create_subcommittee,
    list_subcommittees,
    map_topic,
    statement_placements,
    suggested_subcommittee_name,
)
from deliberation.services.topics import (
    latest_topics,
    refresh_stale_topics,
    refresh_topics,
    stale_topic_conversations,
    topic_inputs,
)
from tests.deliberation.conftest import join, make_facilitator

POLICE = [
    "Más policías en las calles de la colonia.",
    "La policía municipal necesita mejor sueldo.",
    "Los policías deben patrullar las calles de noche.",
    "Sueldo digno para la policía municipal.",
]
JUSTICE = [
    "Más fiscales para que las denuncias lleguen a un juez.",
    "Los jueces deben resolver las denuncias en meses, no en años.",
    "Cada fiscal debe investigar las denuncias que recibe.",
    "Las denuncias sin investigar nunca llegan a un juez.",
]


@pytest.fixture
def table(owner, conversation):
    """The conversation with two subcommittees and eight seed statements (tids 0-7)."""
    police = create_subcommittee(
        owner.id, conversation.public_id, "Respuesta inmediata", "Policía, patrullas y calles."
    )
    justice = create_subcommittee(
        owner.id, conversation.public_id, "Acceso a la justicia", "Fiscales, jueces y denuncias."
    )
    for text in POLICE + JUSTICE:
        services.add_seed_statement(owner.id, conversation.public_id, text)
    return police.id, justice.id


def test_the_worker_computes_topics_when_statements_change_and_not_on_votes(
    owner, conversation, table
):
    assert latest_topics(conversation.public_id) is None
    run_once("slow", runner=Runner(topics=run_here))  # not in a child: a unit test
    topics = latest_topics(conversation.public_id)
    assert topics is not None and topics.version == 1 and topics.view == "text"
    assert sorted({tid for topic in topics.topics for tid in topic.tids}) == list(range(8))
    assert stale_topic_conversations() == []

    for _ in range(3):  # co-votes count from three shared voters
        participant = join(conversation)
        services.cast_vote(conversation.public_id, participant.pid, 0, 1)
        services.cast_vote(conversation.public_id, participant.pid, 4, 1)
    assert stale_topic_conversations() == []  # votes change no statement
    assert refresh_stale_topics() == 0

    create_subcommittee(owner.id, conversation.public_id, "Derechos humanos", "Abusos, tortura.")
    assert stale_topic_conversations() == [conversation.id]  # suggestions use the charters
    assert refresh_stale_topics() == 1 and stale_topic_conversations() == []

    services.add_seed_statement(owner.id, conversation.public_id, "Patrullas de policía.")
    assert stale_topic_conversations() == [conversation.id]
    assert refresh_stale_topics() == 1
    updated = latest_topics(conversation.public_id)
    assert updated.version == 3 and updated.view == "both"
    assert 8 in updated.shares


def test_statements_are_suggested_the_subcommittee_whose_charter_they_share(conversation, table):
    police, justice = table
    refresh_stale_topics()
    placements = statement_placements(conversation.public_id)
    assert [placements[tid].subcommittee_id for tid in range(8)] == [police] * 4 + [justice] * 4
    assert {placements[tid].source for tid in range(8)} == {"suggested"}
    assert suggested_subcommittee_name(conversation.public_id, 5) == "Acceso a la justicia"


def test_an_assignment_wins_over_the_suggestion_is_audited_and_can_be_withdrawn(
    owner, conversation, table
):
    police, justice = table
    refresh_stale_topics()
    moderator = make_facilitator("mod@example.org")
    services.grant_role(owner.id, conversation.public_id, moderator.email, "moderator")

    placed = assign_statement(moderator.id, conversation.public_id, 0, justice, reason="fiscalía")
    assert placed.subcommittee_id == justice
    assert statement_placements(conversation.public_id)[0].source == "assigned"
    assign_statement(moderator.id, conversation.public_id, 0, None)
    assert statement_placements(conversation.public_id)[0].subcommittee_id == police

    entries = services.audit_trail(owner.id, conversation.public_id)
    assigned, withdrawn = [e for e in entries if e.action == "statement.subcommittee"]
    assert (assigned.detail, assigned.reason, assigned.facilitator_id) == (
        {"tid": 0, "before": None, "after": justice},
        "fiscalía",
        moderator.id,
    )
    assert withdrawn.detail == {"tid": 0, "before": justice, "after": None}


def test_mapping_a_topic_assigns_all_its_statements_in_one_audited_change(
    owner, conversation, table
):
    police, justice = table
    refresh_stale_topics()
    topics = latest_topics(conversation.public_id)
    topic = next(t for t in topics.topics if 0 in t.tids)
    tids = map_topic(owner.id, conversation.public_id, topic.index, justice)
    assert tids == list(topic.tids)
    placements = statement_placements(conversation.public_id)
    assert all(placements[tid] == StatementPlacement(justice, "assigned") for tid in tids)
    [entry] = [
        e for e in services.audit_trail(owner.id, conversation.public_id) if e.action == "topic.map"
    ]
    assert entry.detail["tids"] == tids and entry.detail["subcommittee_id"] == justice
    assert entry.detail["topics_version"] == topics.version


def test_bad_requests_change_nothing(owner, conversation, table):
    police, _ = table
    refresh_stale_topics()
    other_owner = make_facilitator("other@example.org")
    elsewhere = services.create_conversation(other_owner.id, "Otra mesa")
    foreign = create_subcommittee(other_owner.id, elsewhere.public_id, "Ajena")
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))

    with pytest.raises(Forbidden):
        assign_statement(other_owner.id, conversation.public_id, 0, police)
    with pytest.raises(NotFound):
        assign_statement(owner.id, conversation.public_id, 0, foreign.id)
    with pytest.raises(NotFound):
        assign_statement(owner.id, conversation.public_id, 99, police)
    with pytest.raises(NotFound):
        map_topic(owner.id, conversation.public_id, 99, police)
    with pytest.raises(Forbidden):
        create_subcommittee(other_owner.id, conversation.public_id, "Intrusa")
    with pytest.raises(Invalid):
        create_subcommittee(owner.id, conversation.public_id, "respuesta INMEDIATA")
    with pytest.raises(Invalid):
        create_subcommittee(owner.id, conversation.public_id, "   ")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(StatementSubcommittee)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_before
    assert [s.name for s in list_subcommittees(conversation.public_id)] == [
        "Respuesta inmediata",
        "Acceso a la justicia",
    ]


def test_a_conversation_with_too_few_statements_gets_no_topics(owner, conversation):
    services.add_seed_statement(owner.id, conversation.public_id, "Una sola idea.")
    assert refresh_stale_topics() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TopicResult)) == 0


def test_a_conversation_without_subcommittees_gets_topics_and_no_suggestions(owner, conversation):
    """Found twice (the evening browser test, the topics benchmark): with no subcommittee to
    compare, topics failed on every pass."""
    for text in POLICE + JUSTICE:
        services.add_seed_statement(owner.id, conversation.public_id, text)
    assert refresh_stale_topics() == 1
    topics = latest_topics(conversation.public_id)
    assert len(topics.topics) >= 2
    assert sorted({tid for topic in topics.topics for tid in topic.tids}) == list(range(8))
    assert {t.suggested_subcommittee_id for t in topics.topics} == {None}
    assert set(topics.suggested_subcommittee.values()) == {None}
    assert {p.source for p in statement_placements(conversation.public_id).values()} == {"none"}


def test_an_agenda_item_takes_its_statements_subcommittee_unless_one_is_given(
    owner, conversation, table
):
    police, justice = table
    cid = conversation.public_id
    refresh_stale_topics()
    suggested = promote_statement(owner.id, cid, 5)
    assert suggested.subcommittee_id == justice
    chosen = promote_statement(owner.id, cid, 6, subcommittee_id=police)
    assert chosen.subcommittee_id == police
    nowhere = promote_statement(owner.id, cid, 7, subcommittee_id=None)
    assert nowhere.subcommittee_id is None
    promotions = [e for e in services.audit_trail(owner.id, cid) if e.action == "agenda.promote"]
    assert [(e.detail["subcommittee"], e.detail["subcommittee_source"]) for e in promotions] == [
        ("Acceso a la justicia", "suggested"),
        ("Respuesta inmediata", "chosen"),
        (None, "chosen"),
    ]
    # The page shows each item's suggestion beside it when it differs from its own.
    choices = services.subcommittee_choices(owner.id, cid)
    views = {v.tid: v for v in services.list_agenda_items(owner.id, cid)}
    assert choices.placements[7].subcommittee_id == justice and views[7].subcommittee == ""
    # Changing it is audited with the names before and after.
    services.update_agenda_item(owner.id, cid, 7, subcommittee_id=justice)
    entry = services.audit_trail(owner.id, cid)[-1]
    assert (entry.action, entry.detail["before"], entry.detail["after"]) == (
        "agenda.edit",
        {"subcommittee_id": None, "subcommittee": None},
        {"subcommittee_id": justice, "subcommittee": "Acceso a la justicia"},
    )


def test_the_demo_brings_its_five_subcommittees_and_gets_topics(app):
    from deliberation.demo import load_demo

    conversation_id = load_demo(participants=30, report=lambda line: None)
    names = [s.name for s in list_subcommittees(conversation_id)]
    assert names == [
        "Acceso a la justicia",
        "Respuesta inmediata a amenazas",
        "Robo con violencia",
        "Derechos humanos",
        "Indicadores de desempeño",
    ]
    assert refresh_stale_topics() == 1
    topics = latest_topics(conversation_id)
    assert topics.view == "both" and len(topics.topics) >= 2
    placed = statement_placements(conversation_id)
    assert sum(p.source == "suggested" for p in placed.values()) >= 30


def test_the_worker_computes_topics_through_its_runner_and_only_when_the_scan_is_due(
    conversation, table
):
    calls = []

    def recording(function, *args):
        calls.append(function)
        return function(*args)

    runner = Runner(topics=recording)
    not_due = TopicsScan(interval_s=3600)
    assert not_due.due(computed=False)  # the first look is always due
    run_once("slow", runner=runner, topics_scan=not_due)  # stale, but the scan is not due
    assert calls == [] and latest_topics(conversation.public_id) is None
    run_once("slow", runner=runner)  # no scan given: every pass looks
    assert calls == [topic_document]
    assert latest_topics(conversation.public_id).version == 1
    run_once("slow", runner=runner)  # nothing changed: nothing computed
    assert calls == [topic_document]


def test_the_topics_scan_is_due_after_a_slow_result_or_once_per_interval():
    scan = TopicsScan(interval_s=3600)
    assert scan.due(computed=False)
    assert not scan.due(computed=False)
    assert scan.due(computed=True)  # a slow result: statements may have changed
    assert not scan.due(computed=False)
    every_time = TopicsScan(interval_s=0)
    assert every_time.due(computed=False) and every_time.due(computed=False)


def test_staleness_is_one_rule_for_the_scan_and_for_a_single_refresh(owner, conversation, table):
    other = services.create_conversation(owner.id, "Otra mesa")
    for text in POLICE:
        services.add_seed_statement(owner.id, other.public_id, text)
    assert stale_topic_conversations() == sorted([conversation.id, other.id])
    assert refresh_topics(other.id) is not None
    assert stale_topic_conversations() == [conversation.id]
    assert refresh_topics(other.id) is None  # fresh: the same rule says so
    statement = services.list_statements(owner.id, other.public_id)[0]
    services.moderate_statement(owner.id, other.public_id, statement.tid, "rejected")
    assert stale_topic_conversations() == sorted([conversation.id, other.id])


@pytest.mark.slow
def test_topics_computed_in_the_child_process_are_the_ones_computed_here(conversation, table):
    for _ in range(3):
        participant = join(conversation)
        for tid in (0, 1, 4):
            services.cast_vote(conversation.public_id, participant.pid, tid, 1)
    inputs = topic_inputs(services.get_conversation(conversation.public_id))
    assert isinstance(inputs, TopicInputs) and inputs.votes.shape == (3, 8)
    assert run_in_child(topic_document, inputs) == topic_document(inputs)
