"""Assembling the plenary report from the services, for one conversation and one language.

Nothing is computed here that a service already computes: participation counts come from
`services.participation`, groups and representative statements from the newest stored result
(`services.findings`), the common agenda, divisive statements, stability and uncertainty from
`services.common_agenda`, agenda items from `services.agenda`, the snapshot from
`services.snapshots`. This module only reads them at one moment and puts them in one shape.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from clustering.groups import group_label
from deliberation.db import db, now_ms
from deliberation.errors import Invalid
from deliberation.models import Conversation, LatestVote, Statement
from deliberation.report import sources
from deliberation.report.figures import map_points, participation_timeline
from deliberation.report.model import (
    AgendaEntry,
    AgendaNote,
    GroupReport,
    MapPoints,
    Participation,
    PlenaryReport,
    ReportStatement,
    Stance,
    SubcommitteeSection,
)
from deliberation.services.agenda import list_agenda_items
from deliberation.services.authorization import (
    MODERATION_ROLES,
    Caller,
    require_role,
    require_role_or_operator,
)
from deliberation.services.coordination import coordination_counts
from deliberation.services.findings import result_findings
from deliberation.services.lookup import find_conversation
from deliberation.services.math_results import latest_math_stamp
from deliberation.services.participation import participation
from deliberation.services.subcommittees import placements_of, subcommittees_of
from deliberation.services.topics import topics_of

LANGUAGES = ("es", "en")
# A plenary reads the top of the ranking; the rest is in the console's agenda page.
AGENDA_LENGTH = 12
# A subcommittee's section shows its first few statements by group-informed consensus, and
# its first few by divisiveness (ranked among its own, not only the report's top ten).
SUBCOMMITTEE_CONSENSUS_LENGTH = 3
SUBCOMMITTEE_DIVISIVE_LENGTH = 3


def plenary_report(
    facilitator_id: Caller, conversation_id: str, language: str | None = None
) -> PlenaryReport:
    """The report of a conversation as it stands, for its owners and moderators, and for the
    operator's `report` command (`OPERATOR`). Every part comes from a service that checks the
    same caller.

    `language` ("es" or "en") picks the statements' translations; by default the
    conversation's first language, else Spanish.
    """
    conversation = find_conversation(conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    language = _language(conversation, language)
    texts = _Texts(conversation, language)
    counts = participation(facilitator_id, conversation_id)
    findings = result_findings(facilitator_id, conversation_id)
    stamp = latest_math_stamp(conversation)
    agenda = sources.common_agenda_parts(facilitator_id, conversation_id, language)
    agenda_items = _agenda_items(facilitator_id, conversation_id, texts)
    return PlenaryReport(
        conversation_id=conversation.public_id,
        topic=conversation.topic_in(language),
        description=conversation.description_in(language) or "",
        language=language,
        generated_ms=now_ms(),
        math_version=stamp.version if stamp else None,
        math_computed_ms=stamp.created_ms if stamp else None,
        slow_stage_ran=agenda.slow_stage_ran,
        min_sector_cell=agenda.min_sector_cell,
        attribution=(conversation.attribution or "").strip() or None,
        participation=_participation(conversation, counts, language),
        common_agenda=agenda.statements[:AGENDA_LENGTH],
        agenda_ranked=len(agenda.statements),
        groups=_groups(findings, texts, agenda.group_stability),
        stability=agenda.stability,
        divisive=agenda.divisive,
        uncertain=agenda.uncertain,
        agenda_items=agenda_items,
        snapshot=sources.snapshot_stamp(facilitator_id, conversation_id),
        opinion_map=map_points(conversation, stamp) if stamp else None,
        time_zone=conversation.time_zone,
        subcommittees=_subcommittee_sections(conversation, agenda, agenda_items),
    )


def _subcommittee_sections(
    conversation: Conversation, agenda: sources.AgendaParts, items: tuple[AgendaEntry, ...]
) -> tuple[SubcommitteeSection, ...]:
    """The report's parts cut by subcommittee: nothing here is computed anew, each statement is
    only placed (see `SubcommitteeSection`)."""
    subcommittees = subcommittees_of(conversation)
    if not subcommittees:
        return ()
    placements = placements_of(conversation, topics_of(conversation))

    def place(tid: int) -> int | None:
        placement = placements.get(tid)
        return placement.subcommittee_id if placement else None

    sections = [
        SubcommitteeSection(
            id=sub.id,
            name=sub.name,
            agenda_items=tuple(item for item in items if item.subcommittee_id == sub.id),
            consensus=tuple(
                entry
                for entry in agenda.statements
                if entry.consensus is not None and place(entry.tid) == sub.id
            )[:SUBCOMMITTEE_CONSENSUS_LENGTH],
            divisive=tuple(d for d in agenda.divisive_ranking if place(d.statement.tid) == sub.id)[
                :SUBCOMMITTEE_DIVISIVE_LENGTH
            ],
        )
        for sub in subcommittees
    ]
    unplaced = tuple(item for item in items if item.subcommittee_id is None)
    if unplaced:
        sections.append(SubcommitteeSection(None, "", unplaced, (), ()))
    return tuple(sections)


def opinion_map_points(facilitator_id: Caller, conversation_id: str) -> MapPoints | None:
    """The report's still opinion map alone, for the console's map page without JavaScript
    (owners and moderators); None before the first result."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    stamp = latest_math_stamp(conversation)
    return map_points(conversation, stamp) if stamp else None


def _language(conversation: Conversation, language: str | None) -> str:
    if language is None:
        first = (conversation.languages or [LANGUAGES[0]])[0]
        return first if first in LANGUAGES else LANGUAGES[0]
    if language not in LANGUAGES:
        raise Invalid(f"language must be one of {', '.join(LANGUAGES)}", code="language")
    return language


class _Texts:
    """Every statement of the conversation, read once, in the report's language."""

    def __init__(self, conversation: Conversation, language: str):
        self.language = language
        rows = db.session.scalars(
            sa.select(Statement).where(Statement.conversation_id == conversation.id)
        )
        self._by_tid = {statement.tid: statement for statement in rows}

    def __call__(self, tid: int) -> ReportStatement:
        statement = self._by_tid.get(tid)
        if statement is None:
            return ReportStatement(tid, "", None)
        translated = any(t.language == self.language for t in statement.translations)
        return ReportStatement(
            tid,
            statement.text_in(self.language),
            self.language if translated else statement.language,
        )

    def of(self, tid: int, translations: dict[str, str], text: str) -> ReportStatement:
        if self.language in translations:
            return ReportStatement(tid, translations[self.language], self.language)
        return self(tid) if tid in self._by_tid else ReportStatement(tid, text, None)


def _participation(conversation: Conversation, counts, language: str) -> Participation:
    width, timeline = participation_timeline(conversation)
    # participation() leaves out the sectors too small to show, and names them apart.
    shown = tuple(
        (conversation.sector_name(sector, language), n)
        for sector, n in counts.sectors
        if sector is not None or n
    )
    withheld = len(counts.suppressed_sectors)
    voters = _voters(conversation)
    coordinated = coordination_counts(conversation)
    return Participation(
        participants=counts.participants,
        voters=voters,
        grouped=counts.grouped,
        votes=counts.votes,
        statements=counts.statements.get("accepted", 0),
        first_ms=timeline[0].start_ms if timeline else None,
        last_vote_ms=counts.last_vote_ms,
        sectors=shown,
        sectors_withheld=withheld,
        bucket_ms=width,
        timeline=timeline,
        coordinated_flagged=coordinated.flagged,
        coordinated_excluded=coordinated.excluded,
    )


def _voters(conversation: Conversation) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(LatestVote.pid))).where(
            LatestVote.conversation_id == conversation.id
        )
    )


def _groups(
    findings: dict[str, Any] | None, texts: _Texts, stability: dict[int, float]
) -> tuple[GroupReport, ...]:
    if not findings:
        return ()
    hidden = {
        int(tid)
        for tid, entry in findings["statements"].items()
        if entry.get("is_meta") or entry.get("moderation") == "rejected"
    }
    return tuple(
        GroupReport(
            id=group["id"],
            label=group_label(group["id"]),
            size=group["size"],
            stability=stability.get(group["id"]),
            stances=tuple(
                Stance(
                    texts(entry["tid"]),
                    entry["repful_for"] == "agree",
                    entry["n_success"],
                    entry["n_trials"],
                )
                for entry in group["representative"]
                if entry["tid"] not in hidden
            ),
        )
        for group in findings["groups"]
    )


def _agenda_items(
    facilitator_id: Caller, conversation_id: str, texts: _Texts
) -> tuple[AgendaEntry, ...]:
    return tuple(
        AgendaEntry(
            statement=texts.of(item.tid, item.translations, item.text),
            subcommittee=item.subcommittee,
            responsible_body=item.responsible_body,
            government_level=item.government_level.value if item.government_level else None,
            due_date=item.due_date,
            status=item.status.value,
            notes=tuple(AgendaNote(note.noted_on, note.text) for note in item.notes),
            subcommittee_id=item.subcommittee_id,
        )
        for item in list_agenda_items(facilitator_id, conversation_id)
    )
