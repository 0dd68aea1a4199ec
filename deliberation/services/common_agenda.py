"""The common agenda of a conversation: what all sides support, how sure we are, what each
sector thinks, and where the groups part.

Everything comes from ONE stored math result, so every figure agrees with the others: the
newest slow result when it carries the agenda analyses (`ResultView.agenda`, computed by the
slow stage, see `deliberation.recompute.analyses`), else the newest fast result, whose
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

from collections.abc import Callable

import numpy as np

from clustering.common_ground import rank_by_consensus
from clustering.divisive import rank_divisive
from clustering.groups import group_label
from clustering.result_view import ResultView
from clustering.sectors import RED_LINE_DISAGREE
from clustering.spread import agree_spread
from clustering.uncertainty import group_informed_consensus, jeffreys_interval, plain_share
from deliberation.services.agenda_model import (
    AgendaStatement,
    CommonAgenda,
    DivisiveStatement,
    GroupShare,
    GroupStability,
    Interval,
    SectorShare,
    Stability,
    UncertainStatement,
)
from deliberation.services.agenda_source import newest_source, statement_texts
from deliberation.services.authorization import (
    MODERATION_ROLES,
    Caller,
    require_role_or_operator,
)
from deliberation.services.lookup import find_conversation
from deliberation.services.sector_privacy import is_suppressed, min_sector_cell

__all__ = [
    "AgendaStatement",
    "CommonAgenda",
    "DivisiveStatement",
    "GroupShare",
    "GroupStability",
    "SectorShare",
    "Stability",
    "UncertainStatement",
    "common_agenda",
]

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
    reader = _Reader(source.view, minimum, lambda name: conversation.sector_name(name, lang))
    tids = reader.votes.tids
    shown = np.array([int(t) in texts for t in tids], dtype=bool)
    ranked = rank_by_consensus(reader.consensus, shown)
    statements = tuple(reader.statement(i, texts[int(tids[i])]) for i in ranked)
    divisive_ranking = tuple(
        DivisiveStatement(
            tid=int(tids[i]),
            text=texts[int(tids[i])][0],
            language=texts[int(tids[i])][1],
            spread=float(reader.spread[i]),
            groups=reader.group_shares(i),
        )
        for i in rank_divisive(reader.votes.agree, reader.votes.seen, ~shown)
        if len(reader.votes.group_ids) > 1
    )
    agenda = source.view.agenda
    params = agenda.params if agenda is not None else {}
    return CommonAgenda(
        conversation_id=conversation.public_id,
        language=lang,
        result_version=source.stamp.version,
        computed_ms=source.stamp.created_ms,
        slow_stage_ran=agenda is not None,
        min_sector_cell=minimum,
        seed=params.get("seed"),
        resamples=params.get("resamples"),
        sectors=reader.sector_names,
        statements=statements,
        divisive=divisive_ranking[:DIVISIVE_LENGTH],
        uncertain=reader.uncertain(statements),
        stability=reader.stability(),
        divisive_ranking=divisive_ranking,
    )


def _interval(low, high) -> Interval | None:
    if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
        return None
    return (float(low), float(high))


class _Reader:
    """Turns one result's view into the agenda's values, applying the sector-cell rule."""

    def __init__(
        self, view: ResultView, minimum: int, sector_name: Callable[[str], str] = str
    ) -> None:
        self.view = view
        self.minimum = minimum
        self.votes = votes = view.agenda_votes
        m = len(votes.tids)
        agenda = view.agenda
        self.labels = [group_label(int(g)) for g in votes.group_ids]
        self.shares = plain_share(votes.agree, votes.seen)
        self.low, self.high = jeffreys_interval(votes.agree, votes.seen)
        self.spread = agree_spread(votes.agree, votes.seen)
        self.consensus = (
            group_informed_consensus(votes.agree, votes.seen)
            if len(votes.group_ids)
            else np.full(m, np.nan)
        )
        nothing = np.full(m, np.nan)
        if agenda is not None:
            self.consensus_low, self.consensus_high = agenda.consensus_low, agenda.consensus_high
            self.voters = agenda.overall_seen
            self.overall_agree = agenda.overall_agree
            self.overall_disagree = agenda.overall_disagree
            self.majority = plain_share(self.overall_agree, self.voters)
            self.bridging = agenda.bridging
            self.bridging_low, self.bridging_high = agenda.bridging_low, agenda.bridging_high
            # In the reader's language (Conversation.sector_name); stored names stay the keys.
            self.sector_names = tuple(sector_name(name) for name in agenda.sectors.names)
            self.sector = agenda.sectors
        else:  # before the slow stage: the grouped participants' votes only
            self.consensus_low = self.consensus_high = nothing
            self.voters = votes.seen.sum(axis=0)
            self.overall_agree = votes.agree.sum(axis=0)
            self.overall_disagree = votes.disagree.sum(axis=0)
            self.majority = nothing
            self.bridging = self.bridging_low = self.bridging_high = nothing
            self.sector_names = ()
            self.sector = None

    def group_shares(self, i: int) -> tuple[GroupShare, ...]:
        v = self.votes
        return tuple(
            GroupShare(
                group_id=int(gid),
                label=self.labels[g],
                n=int(v.seen[g, i]),
                agree=int(v.agree[g, i]),
                disagree=int(v.disagree[g, i]),
                agree_share=_finite(self.shares[g, i]),
                interval=_interval(self.low[g, i], self.high[g, i]),
            )
            for g, gid in enumerate(v.group_ids)
        )

    def sector_shares(self, i: int) -> tuple[SectorShare, ...]:
        cells = []
        sector = self.sector
        for k, name in enumerate(self.sector_names):
            n = int(sector.seen[k, i]) if np.isfinite(sector.seen[k, i]) else 0
            if is_suppressed(n, self.minimum):
                cells.append(SectorShare(sector=name, suppressed=True))
                continue
            disagree_low = sector.disagree_low[k, i]
            cells.append(
                SectorShare(
                    sector=name,
                    suppressed=False,
                    n=n,
                    agree_share=_finite(plain_share(sector.agree[k, i], n)),
                    agree_interval=_interval(sector.agree_low[k, i], sector.agree_high[k, i]),
                    disagree_share=_finite(plain_share(sector.disagree[k, i], n)),
                    disagree_interval=_interval(disagree_low, sector.disagree_high[k, i]),
                    red_line=bool(n > 0 and disagree_low > RED_LINE_DISAGREE),
                )
            )
        return tuple(cells)

    def statement(self, i: int, text: tuple[str, str | None]) -> AgendaStatement:
        sectors = self.sector_shares(i)
        red = tuple(cell.sector for cell in sectors if cell.red_line)
        return AgendaStatement(
            tid=int(self.votes.tids[i]),
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
        column = {int(t): i for i, t in enumerate(self.votes.tids)}
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
        agenda = self.view.agenda
        if agenda is None or agenda.stability.ari is None:
            return None
        jaccard = agenda.stability.jaccard
        groups = tuple(
            GroupStability(
                group_id=int(gid),
                label=group_label(int(gid)),
                size=self.view.group_votes.size_of(int(gid)),
                jaccard=jaccard[int(gid)],
            )
            for gid in self.votes.group_ids
            if int(gid) in jaccard
        )
        return Stability(float(agenda.stability.ari), groups, agenda.stability.resamples)


def _finite(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
