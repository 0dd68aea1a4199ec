"""Renaming topics (issue 17): audited, and the name outlives a topic refresh when the new topic
has mostly the named one's statements. The topics page reads its sources once and shows each
opinion group's agreement per topic."""

import numpy as np
import pytest
import sqlalchemy as sa

from clustering.result_view import GroupVotes
from deliberation import services
from deliberation.db import db
from deliberation.errors import Invalid, NotFound
from deliberation.models import TopicName
from deliberation.recompute.worker import run_once
from deliberation.services.topic_names import KEPT_AT, _matches, rename_topic
from deliberation.services.topics import Topic, TopicsView, latest_topics, refresh_stale_topics
from deliberation.services.topics_page import group_agreement, topics_page
from tests.deliberation.conftest import join
from tests.deliberation.test_subcommittees_and_topics import POLICE, table  # noqa: F401


def _topic_with(conversation_id: str, tid: int) -> Topic:
    return next(t for t in latest_topics(conversation_id).topics if tid in t.tids)


def test_a_renamed_topic_keeps_its_name_after_a_refresh(owner, conversation, table):  # noqa: F811
    cid = conversation.public_id
    refresh_stale_topics()
    police = _topic_with(cid, 0)
    automatic = police.name
    assert (
        rename_topic(owner.id, cid, police.index, "  Policía   municipal ") == "Policía municipal"
    )
    renamed = _topic_with(cid, 0)
    assert (renamed.name, renamed.automatic_name) == ("Policía municipal", automatic)
    entry = services.audit_trail(owner.id, cid)[-1]
    assert entry.action == "topic.rename"
    assert (entry.detail["before"], entry.detail["after"]) == (automatic, "Policía municipal")

    # A new statement: the worker computes version 2, the police topic is matched and named.
    services.add_seed_statement(owner.id, cid, "Más patrullas de policía en la colonia.")
    refresh_stale_topics()
    topics = latest_topics(cid)
    assert topics.version == 2
    assert _topic_with(cid, 0).name == "Policía municipal"
    assert [t.name for t in topics.topics].count("Policía municipal") == 1

    # An empty name gives the topic back its automatic name.
    assert rename_topic(owner.id, cid, _topic_with(cid, 0).index, "") == _topic_with(cid, 0).name
    assert _topic_with(cid, 0).automatic_name is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TopicName)) == 0


def test_bad_renames_are_refused_and_change_nothing(owner, conversation, table):  # noqa: F811
    cid = conversation.public_id
    refresh_stale_topics()
    before = len(services.audit_trail(owner.id, cid))
    with pytest.raises(Invalid):
        rename_topic(owner.id, cid, 0, "x" * 201)
    with pytest.raises(NotFound):
        rename_topic(owner.id, cid, 99, "Otro")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TopicName)) == 0
    assert len(services.audit_trail(owner.id, cid)) == before


def _view(*members: tuple[int, ...]) -> TopicsView:
    topics = tuple(Topic(k, f"t{k}", (), 0.0, tuple(tids), None) for k, tids in enumerate(members))
    return TopicsView(1, "text", topics, {}, {}, 0)


def test_a_name_goes_to_the_closest_topic_above_the_threshold_once():
    named = [
        TopicName(id=2, name="Policía", tids=[0, 1, 2, 3]),
        TopicName(id=1, name="Justicia", tids=[4, 5, 6, 7]),
    ]
    # Topic 0 shares 3 of 5 statements with "Policía" (0.6); topic 1 shares 2 of 6 with
    # "Justicia" (0.33, below KEPT_AT): it keeps its automatic name.
    taken = _matches(_view((0, 1, 2, 9), (4, 5, 10, 11)), named)
    assert KEPT_AT == 0.5
    assert {k: row.name for k, row in taken.items()} == {0: "Policía"}
    # Two topics close to one name: the closer takes it, the other does not.
    taken = _matches(_view((0, 1, 2), (0, 1, 2, 3)), named)
    assert {k: row.name for k, row in taken.items()} == {1: "Policía"}


def test_group_agreement_sums_each_groups_votes_over_the_topics_statements():
    votes = GroupVotes(
        tids=np.array([0, 1, 2]),
        group_ids=np.array([0, 1]),
        sizes=np.array([5, 5]),
        agree=np.array([[4.0, 1.0, 5.0], [0.0, 2.0, 1.0]]),
        disagree=np.array([[1.0, 3.0, 0.0], [5.0, 2.0, 3.0]]),
        seen=np.array([[5.0, 5.0, 5.0], [5.0, 5.0, 5.0]]),
    )
    a, b = group_agreement(votes, (0, 1, 7))  # 7: nobody voted on it, not in the tallies
    assert (a.label, a.agrees, a.disagrees, a.seen, a.agree_share) == ("A", 5, 4, 10, 0.5)
    assert (b.label, b.agrees, b.disagrees, b.seen, b.agree_share) == ("B", 2, 7, 10, 0.2)
    assert group_agreement(None, (0,)) == ()


def test_the_topics_page_reads_conversation_topics_and_result_once(
    owner,
    conversation,
    table,  # noqa: F811
):
    cid, owner_id = conversation.public_id, owner.id
    for camp in (1, -1):
        for _ in range(5):
            pid = join(conversation).pid
            for tid in range(8):
                services.cast_vote(cid, pid, tid, camp if tid < 4 else 1)
    run_once("fast")
    refresh_stale_topics()
    db.session.expunge_all()

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = topics_page(owner_id, cid)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    reads = lambda table: sum(  # noqa: E731
        1 for s in statements if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s
    )
    assert reads("conversations") == 1
    assert reads("topic_results") == 1
    # The newest result's stamp, then its document (none when this process has it cached).
    assert reads("math_results") <= 2

    police = next(row for row in page.topics if 0 in {s.tid for s in row.statements})
    police_tids = {s.tid for s in police.statements}
    by_group = {g.label: g for g in police.groups}
    assert set(by_group) == {"A", "B"} and page.math_version is not None
    # Every vote of the ten participants on the topic's statements is counted once.
    assert sum(g.seen for g in police.groups) == 10 * len(police_tids)
    assert POLICE[0] in {s.text for s in police.statements}
