"""The files of a Polis export, column by column: writing them from plain values.

The layout is that of Polis's legacy Clojure exporter, which produced the public open-data
sets (spec §12.1), with times in milliseconds; and that of Polis's newer node server's report
exports (§12.2: `participant-votes.csv`, no `views` in the summary, times in seconds), which
Polis tools fetch from `/api/v3/reportExport`. `comment-groups.csv` exists only in the latter.
Votes use the CSV sign (agree = 1, disagree = -1, pass = 0).

Text cells that a spreadsheet would run as a formula are neutralised; numbers never are.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from clustering.inputs import VoteRecords
from deliberation.models import ModerationState

# Polis's `moderated` column: 1 accepted, 0 not moderated yet, -1 moderated out.
MODERATED = {ModerationState.ACCEPTED: 1, ModerationState.TODO: 0, ModerationState.REJECTED: -1}
SUMMARY_KEYS = (
    "topic",
    "url",
    "views",
    "voters",
    "voters-in-conv",
    "commenters",
    "comments",
    "groups",
    "conversation-description",
)
# The node server's summary has no views row (spec §12.2).
REPORT_SUMMARY_KEYS = tuple(key for key in SUMMARY_KEYS if key != "views")
COMMENTS_HEADER = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
VOTES_HEADER = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANTS_VOTES_HEADER = (
    "participant",
    "group-id",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
)  # then one column per statement that has a vote, ascending
COMMENT_GROUPS_HEADER = (
    "comment-id",
    "comment",
    "total-votes",
    "total-agrees",
    "total-disagrees",
    "total-passes",
)  # then group-<letter>-votes, -agrees, -disagrees, -passes for each group

_GROUP_COUNTS = ("votes", "agrees", "disagrees", "passes")
# OWASP's list of first characters that make a spreadsheet cell a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Java's Date.toString, which the Clojure exporter used; English whatever the locale.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class TimeFormat:
    """How an export writes a time: the `timestamp` number and the `datetime` text."""

    timestamp: Callable[[int], int]
    datetime: Callable[[int], str]


@dataclass(frozen=True)
class Summary:
    topic: str
    url: str
    views: int | None  # participants who joined; the node server's summary has no such row
    voters: int
    # All voters, as the Clojure exporter writes it (§12.1); the node server writes the size
    # of in-conv (§12.2).
    voters_in_conv: int
    commenters: int
    comments: int  # statements with at least one vote: the math's n-cmts
    groups: int
    description: str


@dataclass(frozen=True)
class CommentRow:
    created_ms: int
    tid: int
    author_pid: int | None
    agrees: int  # history rows, re-votes included, as Polis counts them
    disagrees: int
    moderated: int  # 1 accepted, 0 unmoderated, -1 moderated out
    text: str


@dataclass(frozen=True)
class CommentTopicRow:
    """One row of Mesa's `comment-topics.csv`: a statement and one of its topics (or none)."""

    tid: int
    subcommittee: str  # "" when it has none
    subcommittee_source: str  # "assigned" (a facilitator), "suggested" (the model) or ""
    topic: int | str  # the topic's index in the export's topics, "" for a statement with none
    topic_name: str
    weight: float | str  # the share of the statement the topic holds, 0..1


COMMENT_TOPICS_HEADER = (
    "comment-id",
    "subcommittee",
    "subcommittee-source",
    "topic-id",
    "topic",
    "weight",
)


def comment_topics_csv(rows: Iterable[CommentTopicRow]) -> str:
    """Each statement's topics and subcommittee, one row per statement and topic it belongs
    to (a statement without topics: one row, topic columns empty); names neutralised."""
    return _csv(
        COMMENT_TOPICS_HEADER,
        (
            (
                r.tid,
                neutralise(r.subcommittee),
                r.subcommittee_source,
                r.topic,
                neutralise(r.topic_name),
                f"{r.weight:.4f}" if isinstance(r.weight, float) else r.weight,
            )
            for r in rows
        ),
    )


def neutralise(text: str) -> str:
    """A text cell that no spreadsheet will evaluate: formula starts get a leading quote
    (OWASP's advice for CSV injection).

    A text that already starts with quotes before a formula start gets one more, so that
    `restore_neutralised` can take exactly one off and an export imports back unchanged.
    """
    return "'" + text if _needs_quote(text) else text


def restore_neutralised(text: str) -> str:
    """The text `neutralise` was given: drops the one quote it added, and nothing else.

    Polis's own exports do not neutralise, so a Polis statement that itself starts with a
    quote before a formula start (`'=x`) loses that quote on import; none of the open-data
    sets has one.
    """
    return text[1:] if text.startswith("'") and _needs_quote(text[1:]) else text


def _needs_quote(text: str) -> bool:
    return text.lstrip("'").startswith(_FORMULA_STARTS)


def java_datetime(ms: int) -> str:
    """`Tue Jun 30 08:49:52 UTC 2015`: Java's Date.toString in UTC, as in Polis's exports."""
    t = time.gmtime(ms // 1000)  # faster than datetime, and no locale in the names
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC {t.tm_year}"
    )


def js_datetime(ms: int) -> str:
    """`Tue Jun 30 2015 08:49:52 GMT+0000 (Coordinated Universal Time)`: JavaScript's
    Date.toString on a server in UTC, as in the node server's report exports."""
    t = time.gmtime(ms // 1000)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT+0000 (Coordinated Universal Time)"
    )


CLASSIC_TIME = TimeFormat(timestamp=lambda ms: ms, datetime=java_datetime)
REPORT_TIME = TimeFormat(timestamp=lambda ms: ms // 1000, datetime=js_datetime)  # seconds


def summary_csv(summary: Summary, keys: Sequence[str] = SUMMARY_KEYS) -> str:
    """key,value rows without a header, in Polis's order (`REPORT_SUMMARY_KEYS`: the node
    server's rows)."""
    values = {
        "topic": neutralise(summary.topic),
        "url": neutralise(summary.url),
        "views": summary.views,
        "voters": summary.voters,
        "voters-in-conv": summary.voters_in_conv,
        "commenters": summary.commenters,
        "comments": summary.comments,
        "groups": summary.groups,
        "conversation-description": neutralise(summary.description),
    }
    return _csv(None, ((key, values[key]) for key in keys))


def comments_csv(comments: Iterable[CommentRow], time_format: TimeFormat = CLASSIC_TIME) -> str:
    return _csv(
        COMMENTS_HEADER,
        (
            (
                time_format.timestamp(row.created_ms),
                time_format.datetime(row.created_ms),
                row.tid,
                "" if row.author_pid is None else row.author_pid,
                row.agrees,
                row.disagrees,
                row.moderated,
                neutralise(row.text),
            )
            for row in comments
        ),
    )


def votes_csv(history: VoteRecords, time_format: TimeFormat = CLASSIC_TIME) -> str:
    """Every cast vote in the given order (Polis: by statement, participant, time)."""
    columns = (history.timestamps, history.statement_ids, history.participant_ids, history.votes)
    stamp, text = time_format.timestamp, time_format.datetime
    return _csv(
        VOTES_HEADER,
        (
            (stamp(created), text(created), tid, pid, vote)
            for created, tid, pid, vote in zip(*(c.tolist() for c in columns), strict=True)
        ),
    )


def participants_votes_csv(
    history: VoteRecords,
    latest: VoteRecords,
    authored: Mapping[int, int],
    groups: Mapping[int, int | None],
    xids: Mapping[int, str] | None = None,
) -> str:
    """One row per voter with the vote that stands on each statement (blank: none).

    Rows come in order of first appearance in `history` (ordered as in `votes_csv`); the
    columns are the statements with at least one vote, ascending (spec §12.1). With `xids`
    (only when the owner asks: an xid may name a person) an `xid` column follows `participant`.
    """
    pids = _first_appearance(history.participant_ids)
    table = _vote_table(pids, np.unique(latest.statement_ids), latest, authored, groups)
    return table if xids is None else _with_xid_column(table, xids)


def _with_xid_column(table: str, xids: Mapping[int, str]) -> str:
    rows = list(csv.reader(io.StringIO(table)))
    header, body = rows[0], rows[1:]
    return _csv(
        [header[0], "xid", *header[1:]],
        ([row[0], neutralise(xids.get(int(row[0])) or ""), *row[1:]] for row in body),
    )


def participant_votes_csv(
    latest: VoteRecords,
    statement_ids: Sequence[int],
    authored: Mapping[int, int],
    groups: Mapping[int, int | None],
) -> str:
    """The node server's `participant-votes.csv`: as `participants_votes_csv`, but one row per
    voter by ascending pid, and a column for every statement of the conversation (spec §12.2)."""
    tids = np.asarray(sorted(statement_ids), dtype=np.int64)
    return _vote_table(np.unique(latest.participant_ids), tids, latest, authored, groups)


def _vote_table(
    pids: np.ndarray,
    tids: np.ndarray,
    latest: VoteRecords,
    authored: Mapping[int, int],
    groups: Mapping[int, int | None],
) -> str:
    """Rows `pids` (every voter of `latest`), columns `tids` (every statement voted on)."""
    by_pid = np.argsort(pids)
    rows = by_pid[np.searchsorted(pids, latest.participant_ids, sorter=by_pid)]
    columns = np.searchsorted(tids, latest.statement_ids)
    order = np.argsort(rows, kind="stable")  # each row's votes together, never a dense matrix
    ends = np.searchsorted(rows[order], np.arange(len(pids) + 1)).tolist()
    cell_columns, cell_votes = columns[order].tolist(), latest.votes[order].tolist()
    counts = [np.bincount(rows, latest.votes == v, len(pids)).astype(int).tolist() for v in (1, -1)]
    header = [*PARTICIPANTS_VOTES_HEADER, *tids.tolist()]

    def lines():
        for i, pid in enumerate(pids.tolist()):
            cells = [""] * len(tids)
            for k in range(ends[i], ends[i + 1]):
                cells[cell_columns[k]] = str(cell_votes[k])
            group = groups.get(pid)
            yield (
                pid,
                "" if group is None else group,
                authored.get(pid, 0),
                ends[i + 1] - ends[i],
                counts[0][i],
                counts[1][i],
                *cells,
            )

    return _csv(header, lines())


def comment_groups_csv(
    group_votes: Mapping[str, Mapping], group_ids: Sequence[int], texts: Mapping[int, str]
) -> str:
    """Agree, disagree and pass counts per statement and opinion group, from the math.

    `group_votes` is math-pca2's `group-votes`; counts cover in-conv, grouped participants
    only, and the totals are sums over the groups (spec §12.2). Passes are S - A - D.
    """
    header = list(COMMENT_GROUPS_HEADER)
    for gid in group_ids:
        letter = chr(97 + gid)
        header += [
            f"group-{letter}-{count}" for count in ("votes", "agrees", "disagrees", "passes")
        ]
    per_group = [group_votes[str(gid)]["votes"] for gid in group_ids]
    tids = sorted({int(tid) for votes in per_group for tid in votes})

    def lines():
        for tid in tids:
            counts = []
            for votes in per_group:
                cell = votes.get(str(tid), {"A": 0, "D": 0, "S": 0})
                counts.append((cell["S"], cell["A"], cell["D"], cell["S"] - cell["A"] - cell["D"]))
            totals = [sum(column) for column in zip(*counts, strict=True)] or [0, 0, 0, 0]
            yield (
                tid,
                neutralise(texts.get(tid, "")),
                *totals,
                *(value for group in counts for value in group),
            )

    return _csv(header, lines())


def _first_appearance(ids: np.ndarray) -> np.ndarray:
    unique, first = np.unique(ids, return_index=True)
    return unique[np.argsort(first, kind="stable")]


def _csv(header: Sequence | None, rows: Iterable[Sequence]) -> str:
    """Comma separated, quoted only where needed, LF line ends: as the open-data files."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
