"""What a plenary report holds: plain frozen values, read from the services at one moment.

Every renderer (printable page, PDF, Markdown, CSV, JSON) reads this and nothing else, so the
numbers agree across formats. Shares are fractions in [0, 1]; intervals are 90% (low, high).
Sector cells with fewer participants than the conversation's minimum are never put in here:
they are absent, not hidden, so no renderer can leak them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deliberation.services.agenda_model import AgendaStatement, Interval, StatementText

__all__ = ["AgendaStatement", "Interval", "ReportStatement"]


# A statement in the report's language (its translation when there is one).
ReportStatement = StatementText


@dataclass(frozen=True)
class Share:
    """How one opinion group or one sector voted on a statement: `agree_share` of the `n` who
    saw it agreed, with its 90% interval (None when the stage that computes it has not run)."""

    label: str  # a group's letter ("A") or a sector's name
    n: int
    agree_share: float
    interval: Interval | None = None


@dataclass(frozen=True)
class Stance:
    """A statement that sets a group apart: most of its voters `agree`d (or disagreed), `count`
    of them out of the `n` who voted on it."""

    statement: ReportStatement
    agrees: bool
    count: int
    n: int

    @property
    def share(self) -> float:
        """The plain share count / n, the number the counts beside it give (web.figures); the
        math's smoothed p-success, which only ranks, is not printed."""
        return self.count / self.n if self.n else 0.0


@dataclass(frozen=True)
class GroupReport:
    id: int
    label: str
    size: int
    stability: float | None  # mean Jaccard similarity over bootstrap resamples, in [0, 1]
    stances: tuple[Stance, ...]


@dataclass(frozen=True)
class Divisive:
    statement: ReportStatement
    spread: float  # widest gap between two groups' agree shares
    groups: tuple[Share, ...]


@dataclass(frozen=True)
class Uncertain:
    statement: ReportStatement
    reason: str  # "passes": many passed; "interval": the interval is wide
    value: float  # the pass share, or the width of the interval


@dataclass(frozen=True)
class AgendaNote:
    noted_on: dt.date
    text: str


@dataclass(frozen=True)
class AgendaEntry:
    """A statement the table took up as a commitment, and where it stands."""

    statement: ReportStatement
    subcommittee: str
    responsible_body: str
    government_level: str | None
    due_date: dt.date | None
    status: str
    notes: tuple[AgendaNote, ...]
    subcommittee_id: int | None = None


@dataclass(frozen=True)
class SubcommitteeSection:
    """One subcommittee's slice of the report (issue 17): its agenda items, the statements of
    its topics the groups agree on most (its first few in the common agenda's ranking), and
    its most divisive (its first few in the ranking of every statement by divisiveness). A
    statement is a subcommittee's when a facilitator assigned it there, else when its topics
    suggest it (the topics page)."""

    id: int | None  # None: the agenda items and statements no subcommittee takes yet
    name: str
    agenda_items: tuple[AgendaEntry, ...]
    consensus: tuple[AgendaStatement, ...]
    divisive: tuple[Divisive, ...]


@dataclass(frozen=True)
class TimeBucket:
    """Participation within [start_ms, start_ms + width_ms): who joined and how many votes."""

    start_ms: int
    joined: int
    votes: int


@dataclass(frozen=True)
class Participation:
    participants: int
    voters: int
    grouped: int | None
    votes: int  # standing votes: one per participant and statement
    statements: int  # accepted, open to votes
    first_ms: int | None
    last_vote_ms: int | None
    # (sector, participants) for sectors at or above the minimum cell size; `None` is "not said".
    sectors: tuple[tuple[str | None, int], ...]
    sectors_withheld: int  # sectors left out because too few declared them
    bucket_ms: int
    timeline: tuple[TimeBucket, ...]
    # Coordinated voting (deliberation.services.coordination): flagged now, and excluded from
    # the math by an owner.
    coordinated_flagged: int = 0
    coordinated_excluded: int = 0


@dataclass(frozen=True)
class MapPoints:
    """The opinion map: participants' positions in [0, 1]² (y up), their group (-1: none), and
    each group's outline; a deterministic sample when there are many points."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    group: tuple[int, ...]
    hulls: tuple[tuple[int, tuple[tuple[float, float], ...]], ...]
    total: int  # points on the full map; len(x) may be fewer


@dataclass(frozen=True)
class SnapshotStamp:
    id: int
    sha256: str
    created_ms: int
    label: str
    vote_count: int


@dataclass(frozen=True)
class PlenaryReport:
    conversation_id: str
    topic: str
    description: str
    language: str
    generated_ms: int
    math_version: int | None
    math_computed_ms: int | None
    slow_stage_ran: bool  # False: intervals, bridging and stability are not computed yet
    min_sector_cell: int
    attribution: str | None
    participation: Participation
    # The first AGENDA_LENGTH by consensus, each with only the shares it may show
    # (`AgendaStatement.shown_shares`).
    common_agenda: tuple[AgendaStatement, ...]
    agenda_ranked: int  # statements the common agenda ranked, of which these are the first
    groups: tuple[GroupReport, ...]
    stability: float | None  # mean adjusted Rand index over bootstrap resamples
    divisive: tuple[Divisive, ...]
    uncertain: tuple[Uncertain, ...]
    agenda_items: tuple[AgendaEntry, ...]
    snapshot: SnapshotStamp | None
    opinion_map: MapPoints | None
    time_zone: str = "UTC"  # the conversation's IANA zone: the report's times are on its clock
    # One section per subcommittee of the conversation, in their order (issue 17); a last one
    # for agenda items with no subcommittee, when there are any. Empty: no subcommittees.
    subcommittees: tuple[SubcommitteeSection, ...] = ()
