"""The files of a Polis export, column by column: writing them from plain values.

The layout is that of Polis's legacy Clojure exporter, which produced the public open-data
sets (spec §12.1), plus `comment-groups.csv` as Polis's newer node server writes it (§12.2).
Votes use the CSV sign (agree = 1, disagree = -1, pass = 0), times are milliseconds.

Text cells that a spreadsheet would run as a formula are neutralised; numbers never are.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Mapping, Sequence
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
class Summary:
    topic: str
    url: str
    views: int  # participants who joined
    voters: int
    voters_in_conv: int  # all voters, as the Clojure exporter writes it (spec §12.1)
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


def neutralise(text: str) -> str:
    """A text cell that no spreadsheet will evaluate: formula starts get a leading quote."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def java_datetime(ms: int) -> str:
    """`Tue Jun 30 08:49:52 UTC 2015`: Java's Date.toString in UTC, as in Polis's exports."""
    t = time.gmtime(ms // 1000)  # faster than datetime, and no locale in the names
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC {t.tm_year}"
    )


def summary_csv(summary: Summary) -> str:
    """key,value rows without a header, in Polis's order."""
    values = (
        neutralise(summary.topic),
        neutralise(summary.url),
        summary.views,
        summary.voters,
        summary.voters_in_conv,
        summary.commenters,
        summary.comments,
        summary.groups,
        neutralise(summary.description),
    )
    return _csv(None, zip(SUMMARY_KEYS, values, strict=True))


def comments_csv(comments: Iterable[CommentRow]) -> str:
    return _csv(
        COMMENTS_HEADER,
        (
            (
                row.created_ms,
                java_datetime(row.created_ms),
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


def votes_csv(history: VoteRecords) -> str:
    """Every cast vote in the given order (Polis: by statement, participant, time)."""
    columns = (history.timestamps, history.statement_ids, history.participant_ids, history.votes)
    return _csv(
        VOTES_HEADER,
        (
            (created, java_datetime(created), tid, pid, vote)
            for created, tid, pid, vote in zip(*(c.tolist() for c in columns), strict=True)
        ),
    )


def participants_votes_csv(
    history: VoteRecords,
    latest: VoteRecords,
    authored: Mapping[int, int],
    groups: Mapping[int, int | None],
) -> str:
    """One row per voter with the vote that stands on each statement (blank: none).

    Rows come in order of first appearance in `history` (ordered as in `votes_csv`); the
    columns are the statements with at least one vote, ascending (spec §12.1).
    """
    tids = np.unique(latest.statement_ids)
    pids = _first_appearance(history.participant_ids)
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
