"""The common agenda of a conversation: what all sides support, how sure we are, what each
sector thinks, and where the groups part.

Everything comes from ONE stored math result, so every figure agrees with the others: the
newest slow result when it carries the agenda analyses (`document["mesa"]["agenda"]`, computed
by the slow stage, see `deliberation.recompute.analyses`), else the newest fast result, whose
Polis figures (group-informed consensus, group shares) are shown with every figure only the
slow stage computes (majority share over all voters, consensus and bridging intervals, bridging
scores, sectors, stability) left as None.

Shares are fractions in [0, 1]; every interval is a 90% interval `(low, high)`:
* a group's or sector's agree share is the plain share of its voters (passes count as votes)
  who agreed, with a Jeffreys interval (the 5% and 95% quantiles of Beta(a + ½, n − a + ½);
  Brown, Cai & DasGupta 2001);
* group-informed consensus and the bridging score get percentile intervals from a bootstrap
  over participants (seeded with the conversation's math seed, 200 resamples by default;
  the bridging interval re-centred on the estimate, see clustering.uncertainty).
Sector cells below the minimum cell size are suppressed through `sector_privacy`, the one place
that rule lives: such a cell carries `suppressed=True` and no number at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from clustering.divisive import rank_divisive
from clustering.groups import group_label
from clustering.sectors import RED_LINE_DISAGREE
from clustering.spread import agree_spread
from clustering.uncertainty import group_informed_consensus, jeffreys_interval, plain_share
from deliberation.services.agenda_source import (
    AgendaSource,
    column,
    matrix,
    newest_source,
    statement_texts,
)
from deliberation.services.authorization import (
    MODERATION_ROLES,
    Caller,
    require_role_or_operator,
)
from deliberation.services.lookup import find_conversation
from deliberation.services.sector_privacy import is_suppressed, min_sector_cell

Interval = tuple[float, float]  # (low, high) of a 90% interval


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


@dataclass(frozen=True)
class AgendaStatement:
    """One statement of the common agenda (ranked by group-informed consensus, highest first).

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
    consensus: float
    consensus_interval: Interval | None
    majority_share: float | None
    voters: int
    bridging: float | None
    bridging_interval: Interval | None
    groups: tuple[GroupShare, ...]
    sectors: tuple[SectorShare, ...]
    red_line: bool
    red_line_sectors: tuple[str, ...]


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
        document = asdict(self)
        document["computed_at"] = self.computed_at.isoformat() if self.computed_at else None
        for statement in document["statements"]:
            statement["sectors"] = [
                {"sector": cell["sector"], "suppressed": True} if cell["suppressed"] else cell
                for cell in statement["sectors"]
            ]
        return _lists(document)


# ------------------------------------------------------------------------------------------
# Reading the agenda from the stored result

DIVISIVE_LENGTH = 10
FEW_VOTES = 10  # fewer voters than this on a statement: too few to say much
WIDE_INTERVAL = 0.25  # a consensus interval wider than this is an area of uncertainty
UNCERTAIN_PASS_SHARE = 0.30  # as the console's findings and Polis's report


def common_agenda(
    facilitator_id: Caller, conversation_id: str, *, lang: str | None = None
) -> CommonAgenda:
    """The common agenda as the newest stored result has it (see the module doc), for the
    conversation's owners and moderators, and the operator at the command line.

    `lang` picks the statements' translations (their original text when there is none).
    """
    conversation = find_conversation(conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    minimum = min_sector_cell()
    source = newest_source(conversation)
    if source is None:
        return CommonAgenda(
            conversation_id=conversation.public_id,
            language=lang,
            result_version=None,
            computed_ms=None,
            slow_stage_ran=False,
            min_sector_cell=minimum,
            seed=None,
            resamples=None,
            sectors=(),
            statements=(),
            divisive=(),
            uncertain=(),
            stability=None,
        )
    texts = statement_texts(conversation, lang)
    shown = np.array([int(t) in texts for t in source.tids], dtype=bool)
    reader = _Reader(source, minimum)
    ranked = reader.ranked(shown)
    statements = tuple(reader.statement(i, texts[int(source.tids[i])]) for i in ranked)
    divisive = tuple(
        DivisiveStatement(
            tid=int(source.tids[i]),
            text=texts[int(source.tids[i])][0],
            language=texts[int(source.tids[i])][1],
            spread=float(reader.spread[i]),
            groups=reader.group_shares(i),
        )
        for i in rank_divisive(source.agree, source.seen, ~shown)[:DIVISIVE_LENGTH]
        if len(source.group_ids) > 1
    )
    agenda = source.agenda or {}
    params = agenda.get("params") or {}
    return CommonAgenda(
        conversation_id=conversation.public_id,
        language=lang,
        result_version=source.version,
        computed_ms=source.computed_ms,
        slow_stage_ran=source.agenda is not None,
        min_sector_cell=minimum,
        seed=params.get("seed"),
        resamples=params.get("resamples"),
        sectors=tuple(reader.sector_names),
        statements=statements,
        divisive=divisive,
        uncertain=reader.uncertain(statements),
        stability=reader.stability(),
    )


def _interval(low, high) -> Interval | None:
    if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
        return None
    return (float(low), float(high))


class _Reader:
    """Turns one `AgendaSource` into the agenda's values, applying the sector-cell rule."""

    def __init__(self, source: AgendaSource, minimum: int) -> None:
        self.source = source
        self.minimum = minimum
        m = len(source.tids)
        agenda = source.agenda or {}
        self.labels = [group_label(int(g)) for g in source.group_ids]
        self.shares = plain_share(source.agree, source.seen)
        self.low, self.high = jeffreys_interval(source.agree, source.seen)
        self.spread = agree_spread(source.agree, source.seen)
        self.consensus = (
            group_informed_consensus(source.agree, source.seen)
            if len(source.group_ids)
            else np.full(m, np.nan)
        )
        consensus = agenda.get("consensus") or {}
        self.consensus_low = column(consensus.get("low"), m)
        self.consensus_high = column(consensus.get("high"), m)
        overall = agenda.get("overall")
        if overall is not None:
            self.voters = np.asarray(overall["seen"], dtype=np.float64)
            self.overall_agree = np.asarray(overall["agree"], dtype=np.float64)
            self.overall_disagree = np.asarray(overall["disagree"], dtype=np.float64)
            self.majority = plain_share(self.overall_agree, self.voters)
        else:  # before the slow stage: the grouped participants' votes only
            self.voters = source.seen.sum(axis=0)
            self.overall_agree = source.agree.sum(axis=0)
            self.overall_disagree = source.disagree.sum(axis=0)
            self.majority = np.full(m, np.nan)
        bridging = agenda.get("bridging") or {}
        self.bridging = column(bridging.get("score"), m)
        self.bridging_low = column(bridging.get("low"), m)
        self.bridging_high = column(bridging.get("high"), m)
        sectors = agenda.get("sectors") or {}
        self.sector_names = list(sectors.get("names") or [])
        k = len(self.sector_names)
        self.sector = {
            key: matrix(sectors.get(key), k, m)
            for key in (
                "agree",
                "disagree",
                "seen",
                "agree_low",
                "agree_high",
                "disagree_low",
                "disagree_high",
            )
        }

    def ranked(self, shown: np.ndarray) -> np.ndarray:
        """Shown statements by group-informed consensus, highest first (ties: lower tid)."""
        candidates = np.flatnonzero(shown & np.isfinite(self.consensus))
        return candidates[np.argsort(-self.consensus[candidates], kind="stable")]

    def group_shares(self, i: int) -> tuple[GroupShare, ...]:
        s = self.source
        return tuple(
            GroupShare(
                group_id=int(gid),
                label=self.labels[g],
                n=int(s.seen[g, i]),
                agree=int(s.agree[g, i]),
                disagree=int(s.disagree[g, i]),
                agree_share=_finite(self.shares[g, i]),
                interval=_interval(self.low[g, i], self.high[g, i]),
            )
            for g, gid in enumerate(s.group_ids)
        )

    def sector_shares(self, i: int) -> tuple[SectorShare, ...]:
        cells = []
        for k, name in enumerate(self.sector_names):
            n = int(self.sector["seen"][k, i]) if np.isfinite(self.sector["seen"][k, i]) else 0
            if is_suppressed(n, self.minimum):
                cells.append(SectorShare(sector=name, suppressed=True))
                continue
            disagree_low = self.sector["disagree_low"][k, i]
            cells.append(
                SectorShare(
                    sector=name,
                    suppressed=False,
                    n=n,
                    agree_share=_finite(plain_share(self.sector["agree"][k, i], n)),
                    agree_interval=_interval(
                        self.sector["agree_low"][k, i], self.sector["agree_high"][k, i]
                    ),
                    disagree_share=_finite(plain_share(self.sector["disagree"][k, i], n)),
                    disagree_interval=_interval(disagree_low, self.sector["disagree_high"][k, i]),
                    red_line=bool(n > 0 and disagree_low > RED_LINE_DISAGREE),
                )
            )
        return tuple(cells)

    def statement(self, i: int, text: tuple[str, str | None]) -> AgendaStatement:
        sectors = self.sector_shares(i)
        red = tuple(cell.sector for cell in sectors if cell.red_line)
        return AgendaStatement(
            tid=int(self.source.tids[i]),
            text=text[0],
            language=text[1],
            consensus=float(self.consensus[i]),
            consensus_interval=_interval(self.consensus_low[i], self.consensus_high[i]),
            majority_share=_finite(self.majority[i]),
            voters=int(self.voters[i]),
            bridging=_finite(self.bridging[i]),
            bridging_interval=_interval(self.bridging_low[i], self.bridging_high[i]),
            groups=self.group_shares(i),
            sectors=sectors,
            red_line=bool(red),
            red_line_sectors=red,
        )

    def uncertain(self, statements: tuple[AgendaStatement, ...]) -> tuple[UncertainStatement, ...]:
        """Areas of uncertainty among the agenda's statements (see `UncertainStatement`):
        few votes first (fewest first), then wide intervals and many passes (largest first)."""
        column = {int(t): i for i, t in enumerate(self.source.tids)}
        found: list[tuple[int, float, UncertainStatement]] = []
        for statement in statements:
            i = column[statement.tid]
            voters = self.voters[i]
            passes = plain_share(voters - self.overall_agree[i] - self.overall_disagree[i], voters)
            interval = statement.consensus_interval
            if voters < FEW_VOTES:
                reason, value, order = "few_votes", float(voters), (0, float(voters))
            elif interval is not None and interval[1] - interval[0] > WIDE_INTERVAL:
                width = interval[1] - interval[0]
                reason, value, order = "wide_interval", width, (1, -width)
            elif np.isfinite(passes) and passes > UNCERTAIN_PASS_SHARE:
                reason, value, order = "passes", float(passes), (2, -float(passes))
            else:
                continue
            found.append(
                (
                    *order,
                    UncertainStatement(
                        statement.tid, statement.text, statement.language, reason, round(value, 6)
                    ),
                )
            )
        found.sort(key=lambda item: (item[0], item[1], item[2].tid))
        return tuple(item[2] for item in found)

    def stability(self) -> Stability | None:
        block = (self.source.agenda or {}).get("stability") or {}
        if block.get("ari") is None:
            return None
        jaccard = block.get("groups") or {}
        groups = tuple(
            GroupStability(
                group_id=int(gid),
                label=group_label(int(gid)),
                size=self.source.group_sizes.get(int(gid), 0),
                jaccard=float(jaccard[str(int(gid))]),
            )
            for gid in self.source.group_ids
            if jaccard.get(str(int(gid))) is not None
        )
        return Stability(float(block["ari"]), groups, int(block.get("resamples", 0)))


def _finite(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _lists(value: Any) -> Any:
    """Tuples (intervals, lists of cells) as JSON lists, recursively."""
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(item) for item in value]
    return value
