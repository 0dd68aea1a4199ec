"""The report's parts that other services compute, put in the report's shape: the common agenda
with divisive statements, uncertainty and stability (`services.common_agenda`), and the newest
snapshot (`services.snapshots`). Only the shape changes here; every figure is theirs.

Suppressed sector cells (`SectorShare.suppressed`) are dropped, not carried
(`AgendaStatement.shown_shares`): the report model holds only sector figures that may be shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deliberation.report.model import (
    AgendaStatement,
    Divisive,
    ReportStatement,
    Share,
    SnapshotStamp,
    Uncertain,
)
from deliberation.services.authorization import Caller
from deliberation.services.common_agenda import common_agenda
from deliberation.services.sector_privacy import min_sector_cell
from deliberation.services.snapshots import latest_snapshot


@dataclass(frozen=True)
class AgendaParts:
    statements: tuple[AgendaStatement, ...] = ()
    divisive: tuple[Divisive, ...] = ()
    divisive_ranking: tuple[Divisive, ...] = ()  # every shown statement; `divisive` its top
    uncertain: tuple[Uncertain, ...] = ()
    stability: float | None = None
    group_stability: dict[int, float] = field(default_factory=dict)
    slow_stage_ran: bool = False
    min_sector_cell: int = field(default_factory=min_sector_cell)


def common_agenda_parts(facilitator_id: Caller, conversation_id: str, language: str) -> AgendaParts:
    agenda = common_agenda(facilitator_id, conversation_id, lang=language)
    stability = agenda.stability
    ranking = tuple(
        Divisive(_statement(entry), entry.spread, _group_shares(entry.groups))
        for entry in agenda.divisive_ranking
    )
    return AgendaParts(
        statements=tuple(entry.shown_shares() for entry in agenda.statements),
        divisive=ranking[: len(agenda.divisive)],
        divisive_ranking=ranking,
        uncertain=tuple(
            Uncertain(_statement(entry), entry.reason, entry.value) for entry in agenda.uncertain
        ),
        stability=stability.ari if stability else None,
        group_stability={g.group_id: g.jaccard for g in stability.groups} if stability else {},
        slow_stage_ran=agenda.slow_stage_ran,
        min_sector_cell=agenda.min_sector_cell,
    )


def _statement(entry) -> ReportStatement:
    return ReportStatement(entry.tid, entry.text, entry.language)


def _group_shares(groups) -> tuple[Share, ...]:
    return tuple(
        Share(g.label, g.n, g.agree_share, g.interval) for g in groups if g.agree_share is not None
    )


def snapshot_stamp(facilitator_id: Caller, conversation_id: str) -> SnapshotStamp | None:
    latest = latest_snapshot(facilitator_id, conversation_id)
    if latest is None:
        return None
    return SnapshotStamp(
        id=latest.id,
        sha256=latest.sha256,
        created_ms=latest.created_ms,
        label=latest.label or "",
        vote_count=latest.vote_count,
    )
