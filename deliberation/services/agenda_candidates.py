"""Which statements the facilitator may promote to the agenda, best-supported first.

The ranking is the common agenda's (deliberation.services.common_agenda: group-informed
consensus with its interval, majority share, bridging score and sector red lines, from one
stored result), followed by the accepted statements it does not rank yet. Until that service's
reader is installed, the ranking falls back to the newest fast result's group-informed
consensus (Polis's "group-aware-consensus") and its overall agree share, without intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.db import db
from deliberation.models import AgendaItem, MathKind, ModerationState, Statement
from deliberation.services.authorization import MODERATION_ROLES, require_role
from deliberation.services.lookup import find_conversation
from deliberation.services.math_results import latest_math_result

Interval = tuple[float, float]


@dataclass(frozen=True)
class AgendaCandidate:
    """One statement as the promotion list shows it; figures None when not computed yet."""

    tid: int
    text: str
    on_agenda: bool
    consensus: float | None = None
    consensus_interval: Interval | None = None
    majority_share: float | None = None
    voters: int = 0
    bridging: float | None = None
    bridging_interval: Interval | None = None
    red_line_sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgendaCandidates:
    result_version: int | None
    slow_stage_ran: bool
    candidates: list[AgendaCandidate]


def agenda_candidates(
    facilitator_id: int, conversation_id: str, language: str | None = None
) -> AgendaCandidates:
    """Every accepted, non-meta statement: the ranked ones first, then the rest by tid; for the
    conversation's owners and moderators, who choose what to promote."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    on_agenda = set(
        db.session.scalars(
            sa.select(AgendaItem.tid).where(AgendaItem.conversation_id == conversation.id)
        )
    )
    statements = {
        s.tid: s
        for s in db.session.scalars(
            sa.select(Statement).where(
                Statement.conversation_id == conversation.id,
                Statement.moderation == ModerationState.ACCEPTED,
                Statement.is_meta.is_(False),
            )
        )
    }
    ranked = _common_agenda(facilitator_id, conversation_id, language, on_agenda)
    if ranked is None:
        ranked = _fast_result_ranking(conversation_id, statements, language, on_agenda)
    listed = {c.tid for c in ranked.candidates}
    rest = [
        AgendaCandidate(tid=tid, text=s.text_in(language), on_agenda=tid in on_agenda)
        for tid, s in sorted(statements.items())
        if tid not in listed
    ]
    return AgendaCandidates(ranked.result_version, ranked.slow_stage_ran, ranked.candidates + rest)


def _common_agenda(
    facilitator_id: int, conversation_id: str, language: str | None, on_agenda: set[int]
) -> AgendaCandidates | None:
    try:
        from deliberation.services.common_agenda import common_agenda

        agenda = common_agenda(facilitator_id, conversation_id, lang=language)
    except ImportError:  # the slow stage's reader of stored results is not installed yet
        return None
    return AgendaCandidates(
        agenda.result_version,
        agenda.slow_stage_ran,
        [
            AgendaCandidate(
                tid=s.tid,
                text=s.text,
                on_agenda=s.tid in on_agenda,
                consensus=s.consensus,
                consensus_interval=s.consensus_interval,
                majority_share=s.majority_share,
                voters=s.voters,
                bridging=s.bridging,
                bridging_interval=s.bridging_interval,
                red_line_sectors=tuple(s.red_line_sectors),
            )
            for s in agenda.statements
        ],
    )


def _fast_result_ranking(
    conversation_id: str,
    statements: dict[int, Statement],
    language: str | None,
    on_agenda: set[int],
) -> AgendaCandidates:
    result = latest_math_result(conversation_id, kind=MathKind.FAST)
    document = result.result if result else {}
    consensus = {int(t): float(v) for t, v in (document.get("group-aware-consensus") or {}).items()}
    agree: dict[int, int] = {}
    seen: dict[int, int] = {}
    for votes in (document.get("group-votes") or {}).values():
        for tid, counts in (votes.get("votes") or {}).items():
            agree[int(tid)] = agree.get(int(tid), 0) + int(counts.get("A", 0))
            seen[int(tid)] = seen.get(int(tid), 0) + int(counts.get("S", 0))
    ranked = sorted((t for t in consensus if t in statements), key=lambda t: (-consensus[t], t))
    return AgendaCandidates(
        result.version if result else None,
        False,
        [
            AgendaCandidate(
                tid=tid,
                text=statements[tid].text_in(language),
                on_agenda=tid in on_agenda,
                consensus=consensus[tid],
                majority_share=agree.get(tid, 0) / seen[tid] if seen.get(tid) else None,
                voters=seen.get(tid, 0),
            )
            for tid in ranked
        ],
    )
