"""What the common agenda holds: plain frozen values, one type per thing shown.

`deliberation.services.common_agenda` fills them from one stored result; the console's agenda
page, the plenary report and the CLI show them. Shares are fractions in [0, 1]; every interval
is a 90% interval `(low, high)` (see the common agenda's module doc for how each is computed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from clustering.result_view import Interval

__all__ = [
    "AgendaStatement",
    "CommonAgenda",
    "DivisiveStatement",
    "GroupShare",
    "GroupStability",
    "Interval",
    "SectorShare",
    "Stability",
    "StatementText",
    "UncertainStatement",
]


@dataclass(frozen=True)
class StatementText:
    """A statement as shown: its text in the reader's language (its translation when there is
    one), and that text's language (None when unknown)."""

    tid: int
    text: str
    language: str | None


@dataclass(frozen=True)
class GroupShare:
    """How one opinion group voted on a statement: `agree_share` of the `n` members who voted
    on it (passes included) agreed, with its Jeffreys interval (None when n = 0)."""

    group_id: int
    label: str  # "A", "B", ... (group id 0 is "A")
    n: int
    agree: int
    disagree: int
    agree_share: float | None  # None when no member voted on it (n = 0)
    interval: Interval | None


@dataclass(frozen=True)
class SectorShare:
    """How one declared sector voted on a statement.

    When `suppressed`, fewer than `CommonAgenda.min_sector_cell` of its members voted on the
    statement and every number is None: show "too few to show", never a figure. `red_line`: the
    lower end of the 90% interval of the disagree share is above one half.
    """

    sector: str
    suppressed: bool
    n: int | None = None
    agree_share: float | None = None
    agree_interval: Interval | None = None
    disagree_share: float | None = None
    disagree_interval: Interval | None = None
    red_line: bool = False

    @property
    def label(self) -> str:
        """The sector's name, where a share bar shows a label (as `GroupShare.label`)."""
        return self.sector

    @property
    def interval(self) -> Interval | None:
        """The agree share's interval, where a share bar shows one (as `GroupShare.interval`)."""
        return self.agree_interval


@dataclass(frozen=True)
class AgendaStatement:
    """One statement of the common agenda, as every reader shows it: the agenda and its
    promotion list in the console (`agenda_candidates`), the plenary report, the CLI.

    Ranked statements come by group-informed consensus, highest first; a statement the ranking
    has no figure for yet (nobody in a group voted on it) has `consensus` None and no shares.
    `majority_share`: agree share among everyone who voted on it (`voters`, passes included);
    None before the slow stage, when `voters` counts only the grouped participants' votes.
    `bridging`: the statement intercept of the Community Notes matrix factorisation (how much
    it is agreed beyond what the voters' leanings explain; higher bridges more), None until
    the slow stage has run or when too few voted. `red_line_sectors` lists the (unsuppressed)
    sectors for which it is a red line.
    """

    tid: int
    text: str
    language: str | None  # of `text`; None when unknown
    consensus: float | None = None
    consensus_interval: Interval | None = None
    majority_share: float | None = None
    voters: int = 0
    bridging: float | None = None
    bridging_interval: Interval | None = None
    groups: tuple[GroupShare, ...] = ()
    sectors: tuple[SectorShare, ...] = ()
    red_line: bool = False
    red_line_sectors: tuple[str, ...] = ()

    @property
    def statement(self) -> StatementText:
        return StatementText(self.tid, self.text, self.language)

    def shown_shares(self) -> AgendaStatement:
        """This statement with only the shares a report may show: groups with a figure, and
        sectors neither suppressed nor empty (a suppressed cell is dropped, not carried)."""
        return replace(
            self,
            groups=tuple(g for g in self.groups if g.agree_share is not None),
            sectors=tuple(
                s for s in self.sectors if not s.suppressed and s.n and s.agree_share is not None
            ),
        )


@dataclass(frozen=True)
class DivisiveStatement:
    """A statement the groups part on: `spread` is the widest gap between two groups' agree
    shares, Polis's (A + 1)/(S + 2) as in the console's "What divides" (near 1: one group all
    agrees, another all disagrees; groups that voted on it fewer than 3 times do not count)."""

    tid: int
    text: str
    language: str | None
    spread: float
    groups: tuple[GroupShare, ...]


@dataclass(frozen=True)
class UncertainStatement:
    """An area of uncertainty, and why (`reason`, `value`):

    * "few_votes": fewer than `FEW_VOTES` voted on it (`value` = voters);
    * "wide_interval": its consensus interval is wider than `WIDE_INTERVAL` (`value` = width);
    * "passes": more than `UNCERTAIN_PASS_SHARE` of its votes were passes (`value` = share).
    A statement appears once, under the first reason that applies, in that order.
    """

    tid: int
    text: str
    language: str | None
    reason: str
    value: float


@dataclass(frozen=True)
class GroupStability:
    """How reproducible one opinion group is: the mean Jaccard similarity of its best-matching
    group in re-clustered bootstrap resamples, in [0, 1] (above ~0.75: a real group; below
    ~0.5: it dissolves when other people had come; Hennig 2007)."""

    group_id: int
    label: str
    size: int
    jaccard: float


@dataclass(frozen=True)
class Stability:
    """Whether the groups on the map are real: `ari` is the mean adjusted Rand index between the
    groups and those found again in `resamples` bootstrap resamples (clipped to [0, 1]; 1: the
    same groups every time, 0: no better than chance)."""

    ari: float
    groups: tuple[GroupStability, ...]
    resamples: int


@dataclass(frozen=True)
class CommonAgenda:
    """The common agenda of one conversation, from one stored result (see the module doc).

    `result_version`/`computed_ms` name that result; both None (and every list empty) before
    the first recompute. `slow_stage_ran` False: intervals, bridging, sectors and stability are
    None. `sectors` lists the sectors shown per statement, in the conversation's order.
    """

    conversation_id: str
    language: str | None
    result_version: int | None
    computed_ms: int | None
    slow_stage_ran: bool
    min_sector_cell: int
    seed: int | None
    resamples: int | None
    sectors: tuple[str, ...]
    statements: tuple[AgendaStatement, ...]
    divisive: tuple[DivisiveStatement, ...]
    uncertain: tuple[UncertainStatement, ...]
    stability: Stability | None
    # Every shown statement by divisiveness, `divisive` being its first few: a subcommittee's
    # report section ranks its own statements from it. Not in `to_dict` (exports, the CLI).
    divisive_ranking: tuple[DivisiveStatement, ...] = field(default=(), repr=False)

    @property
    def computed_at(self) -> dt.datetime | None:
        if self.computed_ms is None:
            return None
        return dt.datetime.fromtimestamp(self.computed_ms / 1000, tz=dt.UTC)

    @property
    def red_lines(self) -> tuple[AgendaStatement, ...]:
        return tuple(s for s in self.statements if s.red_line)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for exports and the CLI: intervals as [low, high], and a suppressed
        sector cell as {"sector": name, "suppressed": true}, with no number keys at all."""
        document = asdict(replace(self, divisive_ranking=()))
        del document["divisive_ranking"]
        document["computed_at"] = self.computed_at.isoformat() if self.computed_at else None
        for statement in document["statements"]:
            statement["sectors"] = [
                {"sector": cell["sector"], "suppressed": True} if cell["suppressed"] else cell
                for cell in statement["sectors"]
            ]
        return _lists(document)


def _lists(value: Any) -> Any:
    """Tuples (intervals, lists of cells) as JSON lists, recursively."""
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(item) for item in value]
    return value
