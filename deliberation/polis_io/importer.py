"""Importing a Polis export as a new conversation, keeping Polis's numbers and history.

Votes are written in bulk rather than through `cast_vote`: that service checks access and
whether the conversation is open, which do not apply to votes already cast elsewhere. The
invariants it keeps are kept here too: the history holds every row, the latest vote per
(participant, statement) is the one with the largest time, and the counters are past every
number in use. Everything happens in one unit of work, so a failed import leaves nothing.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from clustering.inputs import VoteRecords
from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Invalid, NotFound
from deliberation.identifiers import new_math_seed
from deliberation.models import (
    Conversation,
    ConversationRole,
    Facilitator,
    LatestVote,
    Participant,
    Role,
    Statement,
    VoteRecord,
)
from deliberation.models.statement import bump_statements_version
from deliberation.polis_io.csv_formats import MODERATED
from deliberation.polis_io.reading import (
    MAX_FILE_BYTES,
    PolisExport,
    PolisStatement,
    read_polis_export,
)
from deliberation.services.access import _facilitator_by_email
from deliberation.services.audit import record_audit
from deliberation.services.conversations import _claim_public_id
from deliberation.services.settings import validate_settings
from deliberation.services.statements import statement_fingerprint

# The CC BY 4.0 credit the open-data sets must carry (tests/data/LICENCE.md).
POLIS_ATTRIBUTION = (
    "Data was gathered using the Polis software (compdemocracy.org/polis) and is sub-licensed "
    "under CC BY 4.0 with Attribution to The Computational Democracy Project. The data and more "
    "information about how the data was collected can be found at the following link(s):\n"
    "https://compdemocracy.org/case-studies/2014-seattle-15-per-hour\n"
    "https://compdemocracy.org/case-studies/2015-vtaiwan-uberx\n"
    "https://compdemocracy.org/case-studies/2019-scoop-hivemind-biodiversity\n"
    "https://compdemocracy.org/case-studies/2016-canadian-electoral-reform\n"
    "https://compdemocracy.org/case-studies/2015-football-concussions"
)

_MODERATION = {value: state for state, value in MODERATED.items()}
# Votes are written, and their progress reported, this many rows at a time.
PROGRESS_ROWS = 100_000
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ImportedConversation:
    conversation_id: str
    participants: int
    statements: int
    votes: int  # history rows
    latest_votes: int


def import_polis_export(
    path: str | os.PathLike,
    *,
    title: str | None = None,
    owner_email: str | None = None,
    attribution: str | None = POLIS_ATTRIBUTION,
    math_seed: int | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    progress: Progress | None = None,
) -> ImportedConversation:
    """Create a conversation from a Polis export folder (see `reading.read_polis_export`).

    The topic is `title`, else summary.csv's topic, else the folder's name. `owner_email`
    names a facilitator who becomes its owner. `attribution` is required: Polis data is
    CC BY 4.0. A file over `max_file_bytes` is refused. Raises `InputError` for a malformed
    file (too large, not UTF-8, or broken), `Invalid`/`NotFound` for bad options.
    `progress`, when given, hears what is being written ("writing votes… 200,000 of
    1,000,000"): a large export takes minutes, and its operator should see it move. Nothing is
    said before the export has been read, so a refused file's error is the first line.
    """
    imported_ms = now_ms()
    export = read_polis_export(path, undated_ms=imported_ms, max_file_bytes=max_file_bytes)
    settings = validate_settings(
        {
            "topic": title or export.topic or export.name,
            "description": export.description or "",
            "attribution": attribution,
            "math_seed": new_math_seed() if math_seed is None else math_seed,
        }
    )
    if not settings["attribution"]:
        raise Invalid("imported Polis data needs an attribution (CC BY 4.0)")
    latest = _latest_votes(export.history)
    say = progress or (lambda _line: None)
    say(
        f"read {len(export.participant_ids):,} participants, {len(export.statements):,} "
        f"statements and {len(export.history):,} votes from {export.name}"
    )
    with unit_of_work() as session:
        owner = _owner(owner_email)
        conversation = Conversation(
            public_id=_claim_public_id(None),
            next_pid=int(export.participant_ids.max(initial=-1)) + 1,
            next_tid=max((s.tid for s in export.statements), default=-1) + 1,
            created_ms=imported_ms,
            updated_ms=imported_ms,
            **settings,
        )
        session.add(conversation)
        session.flush()
        _insert_participants(conversation.id, export, imported_ms)
        _insert_statements(conversation.id, export.statements)
        _refresh_statistics()
        _insert_votes(VoteRecord, conversation.id, export.history, say, "votes")
        _insert_votes(LatestVote, conversation.id, latest, say, "standing votes")
        if owner is not None:
            session.add(
                ConversationRole(
                    conversation_id=conversation.id, facilitator_id=owner.id, role=Role.OWNER
                )
            )
        counts = ImportedConversation(
            conversation.public_id,
            participants=len(export.participant_ids),
            statements=len(export.statements),
            votes=len(export.history),
            latest_votes=len(latest),
        )
        record_audit(
            conversation,
            None if owner is None else owner.id,
            "conversation.import",
            {"source": export.name, "format": "polis", **vars(counts)},
        )
        say("committing…")
    return counts


def _owner(email: str | None) -> Facilitator | None:
    if email is None:
        return None
    owner = _facilitator_by_email(email)
    if not owner.is_active:
        raise NotFound(f"facilitator {owner.email} is inactive", code="facilitator_unknown")
    return owner


def _latest_votes(history: VoteRecords) -> VoteRecords:
    """The standing vote per (participant, statement): the latest; equal times, the larger
    vote, which is the order `clustering` breaks such ties in, so both agree."""
    if not len(history):
        return history
    order = np.lexsort(
        (history.votes, history.timestamps, history.statement_ids, history.participant_ids)
    )
    pids, tids = history.participant_ids[order], history.statement_ids[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (pids[1:] != pids[:-1]) | (tids[1:] != tids[:-1])
    return history.take(order[last])


def _insert_participants(conversation_pk: int, export: PolisExport, undated_ms: int) -> None:
    """Imported participants hold no token: their digest is random bytes that no token hashes
    to, so nobody can act as them, and the unique column stays unique."""
    first_seen = _first_times(export)
    _bulk_insert(
        Participant,
        ("conversation_id", "pid", "xid", "token_digest", "created_ms"),
        [
            (
                conversation_pk,
                pid,
                export.xids.get(pid),
                secrets.token_hex(32),
                first_seen.get(pid, undated_ms),
            )
            for pid in export.participant_ids.tolist()
        ],
    )


def _first_times(export: PolisExport) -> dict[int, int]:
    """When each participant first shows: their first vote or first statement."""
    first: dict[int, int] = {}
    history = export.history
    if len(history):
        order = np.argsort(history.timestamps, kind="stable")[::-1]  # earliest written last
        first = dict(
            zip(
                history.participant_ids[order].tolist(),
                history.timestamps[order].tolist(),
                strict=True,
            )
        )
    for statement in export.statements:
        if statement.author_pid is not None:
            earlier = first.get(statement.author_pid, statement.created_ms)
            first[statement.author_pid] = min(earlier, statement.created_ms)
    return first


def _insert_statements(conversation_pk: int, statements: tuple[PolisStatement, ...]) -> None:
    rows = []
    fingerprints: set[str] = set()
    for statement in statements:
        fingerprint = statement_fingerprint(statement.text)
        if fingerprint in fingerprints:
            # Polis let duplicates through; keep them, while the first still blocks new ones.
            fingerprint = statement_fingerprint(f"{statement.text}\x00polis tid {statement.tid}")
        fingerprints.add(fingerprint)
        rows.append(
            (
                conversation_pk,
                statement.tid,
                statement.text,
                fingerprint,
                statement.author_pid,
                statement.is_seed,
                statement.is_meta,
                _MODERATION[statement.moderated].value,
                statement.created_ms,
                statement.created_ms,
            )
        )
    columns = ("conversation_id", "tid", "text", "text_fingerprint", "author_pid", "is_seed")
    columns += ("is_meta", "moderation", "created_ms", "updated_ms")
    _bulk_insert(Statement, columns, rows)
    bump_statements_version(db.session.connection(), [conversation_pk])


def _insert_votes(
    model: type[VoteRecord | LatestVote], conversation_pk: int, votes, say: Progress, what: str
) -> None:
    """The votes in slices of PROGRESS_ROWS rows, saying how far along after each."""
    columns = (votes.participant_ids, votes.statement_ids, votes.votes, votes.timestamps)
    total = len(votes.votes)
    for start in range(0, total, PROGRESS_ROWS):
        stop = min(start + PROGRESS_ROWS, total)
        say(f"writing {what}… {start:,} of {total:,}")
        _bulk_insert(
            model,
            ("conversation_id", "pid", "tid", "vote", "created_ms"),
            [
                (conversation_pk, *row)
                for row in zip(*(c[start:stop].tolist() for c in columns), strict=True)
            ],
        )
    say(f"writing {what}… {total:,} of {total:,}")


def _refresh_statistics() -> None:
    """Let PostgreSQL see the new participants and statements before the votes arrive.

    Each vote's foreign-key check is a query planned from the tables' statistics; planned on
    a near-empty table it scans instead of using the index, once per vote.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE participants, statements"))


def _bulk_insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows in one go, past SQLAlchemy's per-row parameter handling: COPY on PostgreSQL
    (one statement instead of one per row), one executemany on SQLite."""
    if not rows:
        return
    connection = db.session.connection()
    table, names = model.__table__.name, ", ".join(columns)
    if connection.dialect.name == "postgresql":
        with connection.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        placeholders = ", ".join("?" * len(columns))
        connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
