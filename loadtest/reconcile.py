"""After a run: what the server acknowledged against what the database holds, exactly.

Read straight from the database with SQLAlchemy Core (no app, no cache): the client vote ids
of the conversation's vote history. Every acknowledged id must be stored, none twice, and no
stored id may be one the generator never sent or never heard about (a vote whose answer was
lost, e.g. to a killed server, may be stored: the generator lists those as given up, and a
retry would have found it stored).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.models import Conversation, LatestVote, RecomputeState, VoteRecord
from loadtest.generator import Report

_VOTES = VoteRecord.__table__
_CONVERSATIONS = Conversation.__table__
_STATE = RecomputeState.__table__
_LATEST = LatestVote.__table__


@dataclass(frozen=True)
class Reconciliation:
    acknowledged: int
    stored_ids: int  # distinct client vote ids in the database
    stored_rows: int  # history rows carrying a client vote id
    missing: int  # acknowledged, not stored: a lost vote
    doubled: int  # rows beyond the first for one id: a vote counted twice
    unexplained: int  # stored, neither acknowledged nor given up by the generator
    stored_unacknowledged: int  # given up by the generator, yet stored (answer lost)

    @property
    def exact(self) -> bool:
        """Acknowledged = stored: nothing lost, doubled or unexplained, and (since the
        generator retries) no vote left in doubt."""
        return (
            self.missing == 0
            and self.doubled == 0
            and self.unexplained == 0
            and self.stored_unacknowledged == 0
            and self.stored_ids == self.acknowledged
        )

    def describe(self) -> str:
        verdict = "exact" if self.exact else "NOT EXACT"
        return (
            f"reconciliation {verdict}: {self.acknowledged} votes acknowledged, "
            f"{self.stored_ids} distinct vote ids in the database ({self.stored_rows} rows); "
            f"missing {self.missing}, doubled {self.doubled}, unexplained {self.unexplained}, "
            f"stored but unacknowledged {self.stored_unacknowledged}"
        )


def stored_vote_ids(database_url: str, conversation_id: str) -> dict[str, int]:
    """client vote id -> number of history rows with it, for one conversation."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(_VOTES.c.client_vote_id, sa.func.count())
                .join(_CONVERSATIONS, _CONVERSATIONS.c.id == _VOTES.c.conversation_id)
                .where(
                    _CONVERSATIONS.c.public_id == conversation_id,
                    _VOTES.c.client_vote_id.is_not(None),
                )
                .group_by(_VOTES.c.client_vote_id)
            ).all()
    finally:
        engine.dispose()
    return {vote_id: count for vote_id, count in rows}


def count_votes(database_url: str, conversation_id: str) -> int:
    """History rows of one conversation, authors' automatic votes included."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                sa.select(sa.func.count())
                .select_from(_VOTES)
                .join(_CONVERSATIONS, _CONVERSATIONS.c.id == _VOTES.c.conversation_id)
                .where(_CONVERSATIONS.c.public_id == conversation_id)
            )
    finally:
        engine.dispose()


def latest_vote_mismatches(database_url: str, conversation_id: str) -> int:
    """(participant, statement) pairs whose standing vote is not the last one in the history,
    or that have one without the other: 0 after any crash, as both change in one transaction."""
    history = _VOTES.alias("history")
    newest = (
        sa.select(history.c.pid, history.c.tid, sa.func.max(history.c.id).label("id"))
        .where(history.c.conversation_id == sa.bindparam("pk"))
        .group_by(history.c.pid, history.c.tid)
        .subquery()
    )
    last = (
        sa.select(_VOTES.c.pid, _VOTES.c.tid, _VOTES.c.vote)
        .join(newest, newest.c.id == _VOTES.c.id)
        .subquery()
    )
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            pk = connection.scalar(
                sa.select(_CONVERSATIONS.c.id).where(_CONVERSATIONS.c.public_id == conversation_id)
            )
            standing = {
                (row.pid, row.tid): row.vote
                for row in connection.execute(
                    sa.select(_LATEST.c.pid, _LATEST.c.tid, _LATEST.c.vote).where(
                        _LATEST.c.conversation_id == pk
                    )
                )
            }
            latest_in_history = {
                (row.pid, row.tid): row.vote
                for row in connection.execute(sa.select(last), {"pk": pk})
            }
    finally:
        engine.dispose()
    pairs = standing.keys() | latest_in_history.keys()
    return sum(standing.get(pair) != latest_in_history.get(pair) for pair in pairs)


def reconcile(database_url: str, conversation_id: str, report: Report) -> Reconciliation:
    stored = stored_vote_ids(database_url, conversation_id)
    acknowledged = set(report.acknowledged_ids)
    given_up = set(report.given_up_ids)
    return Reconciliation(
        acknowledged=len(acknowledged),
        stored_ids=len(stored),
        stored_rows=sum(stored.values()),
        missing=len(acknowledged - stored.keys()),
        doubled=sum(count - 1 for count in stored.values()),
        unexplained=len(stored.keys() - acknowledged - given_up),
        stored_unacknowledged=len(stored.keys() & given_up),
    )


def results_caught_up(database_url: str, conversation_id: str) -> bool:
    """The newest fast result covers the conversation's newest vote."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            pk = connection.scalar(
                sa.select(_CONVERSATIONS.c.id).where(_CONVERSATIONS.c.public_id == conversation_id)
            )
            newest_vote = connection.scalar(
                sa.select(sa.func.max(_VOTES.c.id)).where(_VOTES.c.conversation_id == pk)
            )
            covered = connection.scalar(
                sa.select(_STATE.c.last_vote_id).where(
                    _STATE.c.conversation_id == pk, _STATE.c.stage == "fast"
                )
            )
    finally:
        engine.dispose()
    return newest_vote is not None and covered is not None and covered >= newest_vote


def wait_for_results(database_url: str, conversation_id: str, timeout_s: float) -> float | None:
    """Seconds until the fast result covers the newest vote, or None if it did not in time."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if results_caught_up(database_url, conversation_id):
            return time.perf_counter() - started
        time.sleep(0.1)
    return None


def fast_results_stored(database_url: str, conversation_id: str) -> int:
    """How many fast results the conversation has (its newest fast version number)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return (
                connection.scalar(
                    sa.select(_STATE.c.result_version)
                    .join(_CONVERSATIONS, _CONVERSATIONS.c.id == _STATE.c.conversation_id)
                    .where(_CONVERSATIONS.c.public_id == conversation_id, _STATE.c.stage == "fast")
                )
                or 0
            )
    finally:
        engine.dispose()
