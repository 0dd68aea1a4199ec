"""Exporting a conversation: Polis's classic CSV files, its node server's report files (served
by the Polis-compatible API), or one JSON document.

These functions return text and dicts (and `write_*` put them in files), so the CLI and the
API hand out the same bytes. Opinion groups come from the newest stored math result when it
covers the votes as they stand, and are computed afresh with the conversation's seed otherwise.

A whole conversation's export (its vote history, every statement in any moderation state) is
for its owners, and for the operator's `export` command (`OPERATOR`): `polis_csv_export` and
`json_export` take the caller and check. The report files are what anyone may read once the
owner publishes them (`/api/v3`), so `report_csv_export` takes no caller.

Mesa's own additions, beside Polis's files: each statement's topics (name and weight) and its
subcommittee, in `comment-topics.csv` (written when the conversation has topics or
subcommittees) and in the JSON document's statements; the columns are in the README
("Topics and subcommittees in the exports"). The public report files carry neither.

Privacy (SECURITY.md): exports never hold an xid (an embedding site's id, which may name a
person) unless the owner asks with `include_xids`; `coarsen_timestamps` rounds every time down
to its UTC day, so that a vote cannot be matched to the moment someone was seen at a phone.
Coarsened, a cell's re-votes of one day collapse to the last of that day, so an import of
the export still finds the vote that stands.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from clustering.inputs import Moderation, VoteRecords
from clustering.pipeline import PolisParams, update
from deliberation.db import db
from deliberation.errors import NotFound
from deliberation.math_inputs import math_inputs
from deliberation.models import Participant, Statement, VoteRecord
from deliberation.polis_io import csv_formats
from deliberation.services.authorization import OWNER_ONLY, Caller, require_role_or_operator
from deliberation.services.lookup import find_conversation
from deliberation.services.math_results import latest_math_result
from deliberation.services.subcommittees import (
    StatementPlacement,
    placements_of,
    subcommittees_of,
)
from deliberation.services.topics import TopicsView, topics_of

POLIS_CSV_FILES = (
    "summary.csv",
    "comments.csv",
    "votes.csv",
    "participants-votes.csv",
    "comment-groups.csv",
)
# The node server's report exports (spec §12.2), as `/api/v3/reportExport/<report_id>/` serves them.
REPORT_CSV_FILES = (
    "summary.csv",
    "comments.csv",
    "votes.csv",
    "participant-votes.csv",
    "comment-groups.csv",
)
# The author of a statement no participant wrote (a facilitator's seed) in the report files:
# Polis tools need a number there (Polis seeds carry the owner's pid), and no participant of a
# Mesa conversation has this one, so nobody is credited with what a facilitator wrote.
NO_AUTHOR_PID = 2**31 - 1
ATTRIBUTION_FILE = "attribution.txt"  # CC BY credit, written beside the files when there is one
# Each statement's topics and subcommittee, beside Polis's files when the conversation has any.
TOPICS_FILE = "comment-topics.csv"
JSON_FORMAT = "mesa-conversation-export"
JSON_VERSION = 1
DAY_MS = 24 * 60 * 60 * 1000


def polis_csv_export(
    facilitator_id: Caller,
    conversation_id: str,
    *,
    base_url: str = "",
    names: Iterable[str] = POLIS_CSV_FILES,
    coarsen_timestamps: bool = False,
    include_xids: bool = False,
) -> dict[str, str]:
    """File name → text of the requested files of Polis's classic export (spec §12.1).

    The summary's url is `base_url` followed by the conversation id. With the default `names`
    the attribution file is included when the conversation carries one. See the module's
    docstring for `coarsen_timestamps` and `include_xids`.
    """
    _require_owner(facilitator_id, conversation_id)
    snapshot = _Snapshot(
        conversation_id, coarsen_timestamps=coarsen_timestamps, include_xids=include_xids
    )
    writers = {
        "summary.csv": lambda: snapshot.summary_csv(base_url),
        "comments.csv": snapshot.comments_csv,
        "votes.csv": lambda: csv_formats.votes_csv(snapshot.history),
        "participants-votes.csv": snapshot.participants_votes_csv,
        "comment-groups.csv": snapshot.comment_groups_csv,
        TOPICS_FILE: snapshot.comment_topics_csv,
    }
    names = tuple(names)
    files = _write(writers, names)
    if names == POLIS_CSV_FILES and snapshot.conversation.attribution:
        files[ATTRIBUTION_FILE] = snapshot.conversation.attribution.rstrip("\n") + "\n"
    if names == POLIS_CSV_FILES and (snapshot.topics is not None or snapshot.subcommittees):
        files[TOPICS_FILE] = snapshot.comment_topics_csv()
    return files


def report_csv_export(
    conversation_id: str,
    *,
    math: dict[str, Any],
    base_url: str = "",
    names: Iterable[str] = REPORT_CSV_FILES,
) -> dict[str, str]:
    """File name → text of the requested report files of Polis's node server (spec §12.2):
    times in seconds, `participant-votes.csv`, the summary's counts from the math.

    `math` is the math-pca2 document the groups and counts come from, the one the API serves
    (empty before the first recompute): never computed here, since anyone may ask.
    """
    snapshot = _Snapshot(conversation_id, math=math)
    writers = {
        "summary.csv": lambda: snapshot.report_summary_csv(base_url),
        "comments.csv": lambda: snapshot.comments_csv(csv_formats.REPORT_TIME, NO_AUTHOR_PID),
        "votes.csv": lambda: csv_formats.votes_csv(
            _newest_first_per_cell(snapshot.history), csv_formats.REPORT_TIME
        ),
        "participant-votes.csv": snapshot.participant_votes_csv,
        "comment-groups.csv": snapshot.comment_groups_csv,
    }
    return _write(writers, tuple(names))


def _newest_first_per_cell(history: VoteRecords) -> VoteRecords:
    """The history (by statement, participant, time) with each cell's re-votes newest first.

    In seconds two votes of one cell often share a timestamp; tools that keep "the most
    recent" row sort stably by time (red-dwarf's Loader does), so on a tie they keep the row
    that comes first, which must then be the vote that stands. Polis leaves this order open.
    """
    cells = (history.statement_ids, history.participant_ids)
    return history.take(np.lexsort((-np.arange(len(history)), *reversed(cells))))


def _write(writers: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    unknown = sorted(set(names) - set(writers))
    if unknown:
        raise NotFound(f"no {', '.join(unknown)} in a Polis export", code="export_file_not_found")
    return {name: writers[name]() for name in names}


def write_polis_csv(
    facilitator_id: Caller,
    conversation_id: str,
    folder: str | os.PathLike,
    *,
    base_url: str = "",
    coarsen_timestamps: bool = False,
    include_xids: bool = False,
) -> list[Path]:
    """Write the classic export into `folder` (created if needed); returns the paths written."""
    files = polis_csv_export(
        facilitator_id,
        conversation_id,
        base_url=base_url,
        coarsen_timestamps=coarsen_timestamps,
        include_xids=include_xids,
    )
    # Only now: an unknown conversation leaves no empty folder behind.
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written


def json_export(
    facilitator_id: Caller,
    conversation_id: str,
    *,
    coarsen_timestamps: bool = False,
    include_xids: bool = False,
) -> dict[str, Any]:
    """The conversation, its statements, the vote history, each voter's group, representative
    and consensus statements, as one JSON-ready document (votes in the CSV sign)."""
    _require_owner(facilitator_id, conversation_id)
    snapshot = _Snapshot(
        conversation_id, coarsen_timestamps=coarsen_timestamps, include_xids=include_xids
    )
    conversation, (math, math_source) = snapshot.conversation, snapshot.math_and_source
    agrees, disagrees = snapshot.history_counts
    history = snapshot.history
    when = snapshot.time
    last_vote = math.get("lastVoteTimestamp")
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "conversation": {
            "id": conversation.public_id,
            "topic": conversation.topic,
            "description": conversation.description,
            "attribution": conversation.attribution,
            "is_open": conversation.is_open,
            "is_archived": conversation.is_archived,
            "strict_moderation": conversation.strict_moderation,
            "math_seed": conversation.math_seed,
            "created_ms": when(conversation.created_ms),
        },
        "statements": [
            {
                "tid": s.tid,
                "text": s.text,
                "author_pid": s.author_pid,
                "moderation": s.moderation.value,
                "is_meta": s.is_meta,
                "is_seed": s.is_seed,
                "created_ms": when(s.created_ms),
                "agrees": agrees.get(s.tid, 0),
                "disagrees": disagrees.get(s.tid, 0),
                "topics": [
                    {"topic": k, "name": name, "weight": weight}
                    for k, name, weight in snapshot.statement_topics(s.tid)
                ],
                "subcommittee": snapshot.subcommittee_of(s.tid),
            }
            for s in snapshot.statements
        ],
        "topics": snapshot.topics_summary(),
        "subcommittees": [
            {"id": c.id, "name": c.name, "description": c.description}
            for c in snapshot.subcommittees
        ],
        "votes": [
            {"pid": pid, "tid": tid, "vote": vote, "created_ms": created}
            for pid, tid, vote, created in zip(
                history.participant_ids.tolist(),
                history.statement_ids.tolist(),
                history.votes.tolist(),
                history.timestamps.tolist(),
                strict=True,
            )
        ],
        "groups": [{"pid": pid, "group": gid} for pid, gid in sorted(snapshot.groups.items())],
        "repness": math.get("repness", {}),
        "consensus": math.get("consensus", {}),
        "group-aware-consensus": math.get("group-aware-consensus", {}),
        "math": {
            "source": math_source,
            "lastVoteTimestamp": None if last_vote is None else when(last_vote),
        },
    }
    if include_xids:
        document["xids"] = [{"pid": pid, "xid": xid} for pid, xid in sorted(snapshot.xids.items())]
    return document


def write_json(
    facilitator_id: Caller,
    conversation_id: str,
    path: str | os.PathLike,
    *,
    coarsen_timestamps: bool = False,
    include_xids: bool = False,
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = json_export(
        facilitator_id,
        conversation_id,
        coarsen_timestamps=coarsen_timestamps,
        include_xids=include_xids,
    )
    with path.open("w", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, allow_nan=False)
    return path


def participant_groups(conversation_id: str) -> dict[int, int | None]:
    """Each voter's opinion group (None: not clustered), as the exports state them."""
    return _Snapshot(conversation_id).groups


def _require_owner(facilitator_id: Caller, conversation_id: str) -> None:
    require_role_or_operator(facilitator_id, find_conversation(conversation_id), OWNER_ONLY)


class _Snapshot:
    """What the exports read, each part loaded once and only when a file needs it."""

    def __init__(
        self,
        conversation_id: str,
        math: dict[str, Any] | None = None,
        *,
        coarsen_timestamps: bool = False,
        include_xids: bool = False,
    ):
        self.conversation = find_conversation(conversation_id)
        self.coarsen_timestamps = coarsen_timestamps
        self.include_xids = include_xids
        if math is not None:  # given by the caller: fills the cached property below
            self.__dict__["math_and_source"] = (math, "given")

    def time(self, ms: int) -> int:
        """A time as exported: to the millisecond, or the start of its UTC day."""
        return ms - ms % DAY_MS if self.coarsen_timestamps else ms

    @cached_property
    def xids(self) -> dict[int, str]:
        rows = db.session.execute(
            sa.select(Participant.pid, Participant.xid).where(
                Participant.conversation_id == self.conversation.id, Participant.xid.is_not(None)
            )
        )
        return {pid: xid for pid, xid in rows}

    @cached_property
    def statements(self) -> list[Statement]:
        return list(
            db.session.scalars(
                sa.select(Statement)
                .where(Statement.conversation_id == self.conversation.id)
                .order_by(Statement.tid)
            )
        )

    @cached_property
    def history(self) -> VoteRecords:
        """Every cast vote, in Polis's export order: by statement, participant, time."""
        rows = db.session.execute(
            sa.select(VoteRecord.pid, VoteRecord.tid, VoteRecord.vote, VoteRecord.created_ms)
            .where(VoteRecord.conversation_id == self.conversation.id)
            .order_by(VoteRecord.tid, VoteRecord.pid, VoteRecord.created_ms, VoteRecord.id)
        ).all()
        if not rows:
            return VoteRecords.empty()
        # Tuples first: numpy reads SQLAlchemy Row objects about 20 times slower.
        table = np.array([tuple(row) for row in rows], dtype=np.int64)
        if self.coarsen_timestamps:
            table = _last_vote_per_day(table)
        return VoteRecords.from_arrays(table[:, 0], table[:, 1], table[:, 2], table[:, 3])

    @cached_property
    def history_counts(self) -> tuple[dict[int, int], dict[int, int]]:
        """Agree and disagree rows of the history per tid, re-votes included, as Polis counts."""
        return tuple(
            dict(zip(*(a.tolist() for a in np.unique(tids, return_counts=True)), strict=True))
            for tids in (
                self.history.statement_ids[self.history.votes == 1],
                self.history.statement_ids[self.history.votes == -1],
            )
        )

    @cached_property
    def newest_vote_id(self) -> int | None:
        return db.session.scalar(
            sa.select(sa.func.max(VoteRecord.id)).where(
                VoteRecord.conversation_id == self.conversation.id
            )
        )

    @cached_property
    def inputs(self) -> tuple[VoteRecords, Moderation]:
        return math_inputs(self.conversation)

    @cached_property
    def math_and_source(self) -> tuple[dict[str, Any], str]:
        """The math-pca2 document the groups come from, and where it came from."""
        latest, moderation = self.inputs
        stored = latest_math_result(self.conversation.public_id)
        if stored is not None and _covers(stored.result, latest, moderation, self.newest_vote_id):
            return stored.result, f"stored version {stored.version}"
        params = PolisParams(seed=self.conversation.math_seed)
        return update(latest, moderation, params=params).to_dict(), "computed"

    @property
    def math(self) -> dict[str, Any]:
        return self.math_and_source[0]

    @cached_property
    def groups(self) -> dict[int, int | None]:
        return _groups_of(self.math)

    def summary_csv(self, base_url: str) -> str:
        latest, _ = self.inputs
        voters = len(np.unique(latest.participant_ids))
        views = db.session.scalar(
            sa.select(sa.func.count()).where(Participant.conversation_id == self.conversation.id)
        )
        public_id = self.conversation.public_id
        summary = csv_formats.Summary(
            topic=self.conversation.topic,
            url=f"{base_url.rstrip('/')}/{public_id}" if base_url else public_id,
            views=views,
            voters=voters,
            voters_in_conv=voters,
            commenters=len({s.author_pid for s in self.statements if s.author_pid is not None}),
            comments=len(np.unique(latest.statement_ids)),
            groups=len(self.math.get("group-clusters") or []),
            description=self.conversation.description,
        )
        return csv_formats.summary_csv(summary)

    def report_summary_csv(self, base_url: str) -> str:
        """The node server's summary: voters and voters-in-conv as the math counted them."""
        latest, _ = self.inputs
        math = self.math
        voters = math.get("user-vote-counts")
        public_id = self.conversation.public_id
        summary = csv_formats.Summary(
            topic=self.conversation.topic,
            url=f"{base_url.rstrip('/')}/{public_id}" if base_url else public_id,
            views=None,
            voters=len(np.unique(latest.participant_ids)) if voters is None else len(voters),
            voters_in_conv=len(math.get("in-conv") or []),
            commenters=len({s.author_pid for s in self.statements if s.author_pid is not None}),
            comments=math.get("n-cmts", len(np.unique(latest.statement_ids))),
            groups=len(math.get("group-clusters") or []),
            description=self.conversation.description,
        )
        return csv_formats.summary_csv(summary, csv_formats.REPORT_SUMMARY_KEYS)

    def comments_csv(
        self,
        time_format: csv_formats.TimeFormat = csv_formats.CLASSIC_TIME,
        no_author: int | None = None,
    ) -> str:
        agrees, disagrees = self.history_counts
        return csv_formats.comments_csv(
            (
                csv_formats.CommentRow(
                    created_ms=self.time(s.created_ms),
                    tid=s.tid,
                    author_pid=no_author if s.author_pid is None else s.author_pid,
                    agrees=agrees.get(s.tid, 0),
                    disagrees=disagrees.get(s.tid, 0),
                    moderated=csv_formats.MODERATED[s.moderation],
                    text=s.text,
                )
                for s in self.statements
            ),
            time_format,
        )

    def participants_votes_csv(self) -> str:
        latest, _ = self.inputs
        xids = self.xids if self.include_xids else None
        return csv_formats.participants_votes_csv(
            self.history, latest, self._authored(), self.groups, xids
        )

    def participant_votes_csv(self) -> str:
        latest, _ = self.inputs
        statement_ids = [s.tid for s in self.statements]
        return csv_formats.participant_votes_csv(
            latest, statement_ids, self._authored(), self.groups
        )

    def _authored(self) -> dict[int, int]:
        authored: dict[int, int] = {}
        for s in self.statements:
            if s.author_pid is not None:
                authored[s.author_pid] = authored.get(s.author_pid, 0) + 1
        return authored

    def comment_groups_csv(self) -> str:
        group_ids = [cluster["id"] for cluster in self.math.get("group-clusters") or []]
        texts = {s.tid: s.text for s in self.statements}
        return csv_formats.comment_groups_csv(self.math.get("group-votes") or {}, group_ids, texts)

    @cached_property
    def topics(self) -> TopicsView | None:
        return topics_of(self.conversation)

    @cached_property
    def subcommittees(self) -> list:
        return subcommittees_of(self.conversation)

    @cached_property
    def placements(self) -> dict[int, StatementPlacement]:
        return placements_of(self.conversation, self.topics)

    def statement_topics(self, tid: int) -> list[tuple[int, str, float]]:
        """(topic index, name, weight) of each topic the statement belongs to, heaviest first.
        The weight is the share of the statement the topic holds (0..1)."""
        if self.topics is None:
            return []
        shares = self.topics.shares.get(tid, ())
        member = [
            (topic.index, topic.name, float(shares[topic.index]))
            for topic in self.topics.topics
            if tid in topic.tids and topic.index < len(shares)
        ]
        return sorted(member, key=lambda t: (-t[2], t[0]))

    def subcommittee_of(self, tid: int) -> dict[str, Any] | None:
        """{id, name, source: "assigned" | "suggested"} of the statement's subcommittee."""
        placement = self.placements.get(tid)
        if placement is None or placement.subcommittee_id is None:
            return None
        names = {c.id: c.name for c in self.subcommittees}
        return {
            "id": placement.subcommittee_id,
            "name": names.get(placement.subcommittee_id),
            "source": placement.source,
        }

    def topics_summary(self) -> dict[str, Any] | None:
        """The topics the statements' `topics` index into (None before any were computed)."""
        if self.topics is None:
            return None
        return {
            "version": self.topics.version,
            "view": self.topics.view,
            "computed_ms": self.time(self.topics.computed_ms),
            "topics": [
                {
                    "topic": t.index,
                    "name": t.name,
                    "terms": list(t.terms),
                    "coherence": None if math.isnan(t.coherence) else t.coherence,
                }
                for t in self.topics.topics
            ],
        }

    def comment_topics_csv(self) -> str:
        rows = []
        for statement in self.statements:
            placement = self.subcommittee_of(statement.tid)
            where = (placement["name"], placement["source"]) if placement else ("", "")
            topics = self.statement_topics(statement.tid) or [("", "", "")]
            rows.extend(
                csv_formats.CommentTopicRow(statement.tid, *where, k, name, weight)
                for k, name, weight in topics
            )
        return csv_formats.comment_topics_csv(rows)


def _last_vote_per_day(table: np.ndarray) -> np.ndarray:
    """Rows (pid, tid, vote, ms), ordered by tid, pid, time: times rounded down to their day,
    keeping only the last vote of each day on each cell, so the vote that stands stays
    the last one (same-day ties would otherwise resolve by value on import)."""
    table = table.copy()
    table[:, 3] -= table[:, 3] % DAY_MS
    keys = table[:, [0, 1, 3]]
    last_of_day = np.ones(len(table), dtype=bool)
    last_of_day[:-1] = np.any(keys[1:] != keys[:-1], axis=1)
    return table[last_of_day]


def _covers(
    result: dict[str, Any], latest: VoteRecords, moderation: Moderation, newest_vote_id: int | None
) -> bool:
    """Whether a stored result was computed from these votes and this moderation.

    Votes are only added or replaced, so the same newest time and number of standing votes
    mean the same votes; the recompute worker also records the newest vote id it read
    (`mesa.inputs`), which catches a re-vote stamped earlier (a simulated clock). Moderation
    must match as the math saw it.
    """
    newest = int(latest.timestamps.max()) if len(latest) else None
    counted = sum((result.get("user-vote-counts") or {}).values())
    seen = ((result.get("mesa") or {}).get("inputs") or {}).get("last_vote_id", newest_vote_id)
    return (
        result.get("lastVoteTimestamp") == newest
        and counted == len(latest)
        and (seen or 0) == (newest_vote_id or 0)
        and sorted(result.get("mod-out") or []) == sorted(moderation.mod_out)
    )


def _groups_of(math: dict[str, Any]) -> dict[int, int | None]:
    """pid → group id from a math-pca2 document: Mesa's own list, else Polis's clusters
    (participant → base cluster → group cluster)."""
    people = (math.get("mesa") or {}).get("participants")
    if people is not None:
        return dict(zip(people["pid"], people["group"], strict=True))
    base = math.get("base-clusters") or {"id": [], "members": []}
    group_of_base = {
        base_id: cluster["id"] for cluster in math.get("group-clusters") or []
        for base_id in cluster["members"]
    }  # fmt: skip
    groups: dict[int, int | None] = {int(pid): None for pid in math.get("user-vote-counts") or {}}
    for base_id, members in zip(base["id"], base["members"], strict=True):
        for pid in members:
            groups[int(pid)] = group_of_base.get(base_id)
    return groups
