"""Follow-up rounds: at a milestone, the same participants re-vote the agenda statements and say
whether each was carried out well; the change shows per opinion group and per sector.

Re-votes are kept apart from the conversation's vote history (deliberation.models.follow_up):
they never enter the live clustering, so the groups stay the ones the original session formed,
and "before" (the standing votes of the session) and "after" (the round's answers) are two
clean, separate measurements of the same statements.

Who may answer: participants of the conversation recognised by their existing identity (the
token their device holds; an xid site re-admits the same pid) who had joined before the round
opened. While a round is open it takes answers even if the conversation is closed to new votes
(the usual case months later); an archived conversation takes none.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work, upsert_statement
from deliberation.errors import Closed, Conflict, Forbidden, Invalid, NotFound
from deliberation.models import (
    CarriedOut,
    Conversation,
    FollowUpAnswer,
    FollowUpRound,
    LatestVote,
    MathKind,
    Participant,
    Statement,
)
from deliberation.services.agenda import agenda_tids, list_agenda_items
from deliberation.services.audit import record_audit
from deliberation.services.authorization import MODERATION_ROLES, require_role
from deliberation.services.lookup import find_conversation, find_participant
from deliberation.services.math_results import newest_result
from deliberation.services.sector_privacy import is_suppressed

MAX_LABEL_LENGTH = 200
VOTES = (1, -1, 0)


@dataclass(frozen=True)
class Shares:
    """Votes on one statement within one cell (everyone, a group or a sector)."""

    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def n(self) -> int:
        return self.agree + self.disagree + self.passed

    @property
    def agree_share(self) -> float | None:
        return self.agree / self.n if self.n else None

    @property
    def disagree_share(self) -> float | None:
        return self.disagree / self.n if self.n else None


@dataclass(frozen=True)
class Change:
    """Before (the session's standing votes) and after (the round's answers) in one cell.

    A side is None when it is suppressed: a sector cell with fewer participants than
    MESA_MIN_SECTOR_CELL, which could point at the people in it.
    """

    before: Shares | None
    after: Shares | None

    @property
    def agree_change(self) -> float | None:
        """Percentage points of agreement gained (negative: lost); None if a side is unknown."""
        if self.before is None or self.after is None:
            return None
        if self.before.agree_share is None or self.after.agree_share is None:
            return None
        return 100.0 * (self.after.agree_share - self.before.agree_share)


@dataclass(frozen=True)
class StatementChange:
    tid: int
    text: str
    translations: dict[str, str]
    agenda_item_id: int | None
    status: str | None
    overall: Change
    groups: list[tuple[int, Change]]
    sectors: list[tuple[str, Change]]
    carried_out: dict[str, int]  # answers to "was it carried out well?", by CarriedOut value
    subcommittee_id: int | None = None  # the agenda item's subcommittee (issue 17)
    subcommittee: str = ""

    def text_in(self, language: str | None) -> str:
        return self.translations.get(language or "", self.text)


@dataclass(frozen=True)
class RoundView:
    id: int
    label: str
    tids: list[int]
    opened_ms: int
    closed_ms: int | None

    @property
    def is_open(self) -> bool:
        return self.closed_ms is None


@dataclass(frozen=True)
class FollowUpComparison:
    """The before/after of one round. Groups are those of `math_version`, the newest fast
    result: a participant's group is the one the session placed them in."""

    round: RoundView
    math_version: int | None
    respondents: int
    statements: list[StatementChange]


@dataclass(frozen=True)
class FollowUpQuestion:
    tid: int
    text: str
    translations: dict[str, str]
    previous_vote: int | None  # the participant's standing vote from the session
    answer_vote: int | None  # their answer in this round so far
    answer_carried_out: str | None

    def text_in(self, language: str | None) -> str:
        return self.translations.get(language or "", self.text)


@dataclass(frozen=True)
class FollowUpQuestions:
    round: RoundView
    questions: list[FollowUpQuestion] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(q.answer_vote is not None for q in self.questions)


def open_follow_up_round(facilitator_id: int, conversation_id: str, label: str) -> RoundView:
    """Open a round over the agenda statements of now; one open round at a time."""
    label = " ".join((label or "").split())
    if not label:
        raise Invalid("name the round, e.g. 'six months on'", code="round_label_empty")
    if len(label) > MAX_LABEL_LENGTH:
        raise Invalid(f"a round's name has at most {MAX_LABEL_LENGTH} characters", code="invalid")
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id, lock=True)
        require_role(facilitator_id, conversation, MODERATION_ROLES)
        if conversation.is_archived:
            raise Closed(f"conversation {conversation_id} is archived")
        if _open_round(conversation) is not None:
            raise Conflict("a follow-up round is open already", code="round_open")
        tids = agenda_tids(conversation)
        if not tids:
            raise Invalid("promote statements to the agenda first", code="agenda_empty")
        round_ = FollowUpRound(
            conversation_id=conversation.id, label=label, tids=tids, opened_ms=now_ms()
        )
        session.add(round_)
        session.flush()
        record_audit(
            conversation,
            facilitator_id,
            "follow_up.open",
            {"round": round_.id, "label": label, "tids": tids},
        )
        return _round_view(round_)


def close_follow_up_round(facilitator_id: int, conversation_id: str, round_id: int) -> RoundView:
    with unit_of_work():
        conversation = find_conversation(conversation_id, lock=True)
        require_role(facilitator_id, conversation, MODERATION_ROLES)
        round_ = _find_round(conversation, round_id)
        if not round_.is_open:
            raise Conflict("this round is closed already", code="round_closed")
        round_.closed_ms = now_ms()
        record_audit(conversation, facilitator_id, "follow_up.close", {"round": round_.id})
        return _round_view(round_)


def follow_up_rounds(facilitator_id: int, conversation_id: str) -> list[RoundView]:
    """Every round of a conversation, newest first, for its owners and moderators."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    rounds = db.session.scalars(
        sa.select(FollowUpRound)
        .where(FollowUpRound.conversation_id == conversation.id)
        .order_by(FollowUpRound.id.desc())
    )
    return [_round_view(r) for r in rounds]


def open_follow_up_round_of(conversation_id: str) -> RoundView | None:
    """The round participants may answer now, if any (for the participant pages)."""
    conversation = find_conversation(conversation_id)
    if conversation.is_archived:
        return None
    round_ = _open_round(conversation)
    return _round_view(round_) if round_ else None


def follow_up_questions(conversation_id: str, pid: int) -> FollowUpQuestions | None:
    """What the open round asks this participant, with their earlier and current answers;
    None when no round is open or the participant may not answer it."""
    conversation = find_conversation(conversation_id)
    round_ = None if conversation.is_archived else _open_round(conversation)
    if round_ is None:
        return None
    participant = find_participant(conversation, pid)
    if participant.created_ms > round_.opened_ms:
        return None
    statements = _statements(conversation, round_.tids)
    previous = dict(
        db.session.execute(
            sa.select(LatestVote.tid, LatestVote.vote).where(
                LatestVote.conversation_id == conversation.id,
                LatestVote.pid == pid,
                LatestVote.tid.in_(round_.tids),
            )
        ).all()
    )
    answers = {
        a.tid: a
        for a in db.session.scalars(
            sa.select(FollowUpAnswer).where(
                FollowUpAnswer.round_id == round_.id, FollowUpAnswer.pid == pid
            )
        )
    }
    questions = [
        FollowUpQuestion(
            tid=tid,
            text=statements[tid].text,
            translations={t.language: t.text for t in statements[tid].translations},
            previous_vote=previous.get(tid),
            answer_vote=answers[tid].vote if tid in answers else None,
            answer_carried_out=(
                answers[tid].carried_out.value
                if tid in answers and answers[tid].carried_out
                else None
            ),
        )
        for tid in round_.tids
        if tid in statements
    ]
    return FollowUpQuestions(_round_view(round_), questions)


def answer_follow_up(
    conversation_id: str,
    pid: int,
    answers: Iterable[tuple[int, int, CarriedOut | str | None]],
) -> int:
    """Record a participant's answers to the open round: (tid, vote, carried out) each.

    All or none: one bad answer refuses the lot. A second answer on a statement replaces the
    first (one answer per participant, statement and round). Returns how many were recorded.
    """
    cleaned = {}
    for tid, vote, carried_out in answers:
        cleaned[int(tid)] = (_vote(vote), _carried_out(carried_out))
    if not cleaned:
        raise Invalid("answer at least one statement", code="follow_up_empty")
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id, lock=True)
        if conversation.is_archived:
            raise Closed(f"conversation {conversation_id} is archived")
        round_ = _open_round(conversation)
        if round_ is None:
            raise Closed("no follow-up round is open", code="round_closed")
        participant = find_participant(conversation, pid)
        if participant.created_ms > round_.opened_ms:
            raise Forbidden(
                "this round is for those who took part before it opened",
                code="follow_up_not_participant",
            )
        outside = sorted(set(cleaned) - set(round_.tids))
        if outside:
            raise Invalid(f"statement {outside[0]} is not in this round", code="follow_up_tid")
        stamp = now_ms()
        session.execute(
            upsert_statement(_replace_answer),
            [
                {
                    "round_id": round_.id,
                    "conversation_id": conversation.id,
                    "pid": pid,
                    "tid": tid,
                    "vote": vote,
                    "carried_out": carried.value if carried else None,
                    "created_ms": stamp,
                }
                for tid, (vote, carried) in sorted(cleaned.items())
            ],
        )
    return len(cleaned)


def follow_up_comparison(
    facilitator_id: int, conversation_id: str, round_id: int | None = None
) -> FollowUpComparison | None:
    """Before/after of a round (the newest when `round_id` is None): overall, per opinion group
    and per sector, with "was it carried out well?" counts. None when there is no round.

    Group and sector cells below MESA_MIN_SECTOR_CELL participants are suppressed (None) here,
    so no page or export built on this can show them. For the conversation's owners and
    moderators.
    """
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    if round_id is None:
        round_ = db.session.scalar(
            sa.select(FollowUpRound)
            .where(FollowUpRound.conversation_id == conversation.id)
            .order_by(FollowUpRound.id.desc())
            .limit(1)
        )
        if round_ is None:
            return None
    else:
        round_ = _find_round(conversation, round_id)

    tids = list(round_.tids)
    before = db.session.execute(
        sa.select(LatestVote.pid, LatestVote.tid, LatestVote.vote).where(
            LatestVote.conversation_id == conversation.id, LatestVote.tid.in_(tids)
        )
    ).all()
    after_rows = db.session.execute(
        sa.select(
            FollowUpAnswer.pid, FollowUpAnswer.tid, FollowUpAnswer.vote, FollowUpAnswer.carried_out
        ).where(FollowUpAnswer.round_id == round_.id)
    ).all()
    after = [(pid, tid, vote) for pid, tid, vote, _ in after_rows]
    sectors = dict(
        db.session.execute(
            sa.select(Participant.pid, Participant.sector).where(
                Participant.conversation_id == conversation.id
            )
        ).all()
    )
    math_version, groups = _participant_groups(conversation_id)
    before_cells = _tally(before, groups, sectors)
    after_cells = _tally(after, groups, sectors)
    carried_out: dict[int, Counter] = defaultdict(Counter)
    for _, tid, _, carried in after_rows:
        if carried is not None:
            carried_out[tid][CarriedOut(carried).value] += 1

    items = {item.tid: item for item in list_agenda_items(facilitator_id, conversation_id)}
    statements = _statements(conversation, tids)
    group_ids = sorted({g for g in groups.values() if g is not None})
    sector_names = sorted({s for s in sectors.values() if s})
    changes = []
    for tid in tids:
        if tid not in statements:
            continue
        item = items.get(tid)
        changes.append(
            StatementChange(
                tid=tid,
                text=statements[tid].text,
                translations={t.language: t.text for t in statements[tid].translations},
                agenda_item_id=item.id if item else None,
                status=item.status.value if item else None,
                subcommittee_id=item.subcommittee_id if item else None,
                subcommittee=item.subcommittee if item else "",
                overall=Change(
                    before_cells.get((tid, "all", None), Shares()),
                    after_cells.get((tid, "all", None), Shares()),
                ),
                groups=[
                    (
                        gid,
                        # One small-cell rule for every breakdown: groups as sectors.
                        Change(
                            _shown(before_cells.get((tid, "group", gid), Shares())),
                            _shown(after_cells.get((tid, "group", gid), Shares())),
                        ),
                    )
                    for gid in group_ids
                ],
                sectors=[
                    (
                        sector,
                        Change(
                            _shown(before_cells.get((tid, "sector", sector), Shares())),
                            _shown(after_cells.get((tid, "sector", sector), Shares())),
                        ),
                    )
                    for sector in sector_names
                ],
                carried_out={c.value: carried_out[tid][c.value] for c in CarriedOut},
            )
        )
    respondents = len({pid for pid, _, _ in after})
    return FollowUpComparison(_round_view(round_), math_version, respondents, changes)


def _shown(shares: Shares) -> Shares | None:
    return None if is_suppressed(shares.n) else shares


def _tally(
    rows: Iterable[tuple[int, int, int]],
    groups: Mapping[int, int | None],
    sectors: Mapping[int, str | None],
) -> dict[tuple[int, str, object], Shares]:
    counts: dict[tuple[int, str, object], list[int]] = defaultdict(lambda: [0, 0, 0])
    slot = {1: 0, -1: 1, 0: 2}
    for pid, tid, vote in rows:
        cells = [(tid, "all", None)]
        if (group := groups.get(pid)) is not None:
            cells.append((tid, "group", group))
        if sector := sectors.get(pid):
            cells.append((tid, "sector", sector))
        for cell in cells:
            counts[cell][slot[int(vote)]] += 1
    return {cell: Shares(*values) for cell, values in counts.items()}


def _participant_groups(conversation_id: str) -> tuple[int | None, dict[int, int | None]]:
    """pid -> opinion group in the newest fast result (participants it left out: none)."""
    newest = newest_result(conversation_id, kind=MathKind.FAST)
    if newest is None:
        return None, {}
    people = newest.view.placements
    return newest.stamp.version, dict(
        zip(people.pid.tolist(), people.group_or_none(), strict=False)
    )


def _statements(conversation: Conversation, tids: list[int]) -> dict[int, Statement]:
    return {
        s.tid: s
        for s in db.session.scalars(
            sa.select(Statement).where(
                Statement.conversation_id == conversation.id, Statement.tid.in_(tids)
            )
        )
    }


def _open_round(conversation: Conversation) -> FollowUpRound | None:
    return db.session.scalar(
        sa.select(FollowUpRound).where(
            FollowUpRound.conversation_id == conversation.id, FollowUpRound.closed_ms.is_(None)
        )
    )


def _find_round(conversation: Conversation, round_id: int) -> FollowUpRound:
    round_ = db.session.get(FollowUpRound, round_id)
    if round_ is None or round_.conversation_id != conversation.id:
        raise NotFound(f"no follow-up round {round_id}", code="round_not_found")
    return round_


def _round_view(round_: FollowUpRound) -> RoundView:
    return RoundView(round_.id, round_.label, list(round_.tids), round_.opened_ms, round_.closed_ms)


def _replace_answer(insert):
    answers = insert(FollowUpAnswer.__table__)
    return answers.on_conflict_do_update(
        index_elements=["round_id", "pid", "tid"],
        set_={
            "vote": answers.excluded.vote,
            "carried_out": answers.excluded.carried_out,
            "created_ms": answers.excluded.created_ms,
        },
    )


def _vote(vote) -> int:
    if isinstance(vote, bool) or vote not in VOTES:
        raise Invalid(f"{vote!r} is not a vote: 1 agree, -1 disagree, 0 pass", code="vote_invalid")
    return int(vote)


def _carried_out(value) -> CarriedOut | None:
    if value is None or value == "":
        return None
    try:
        return CarriedOut(value)
    except ValueError:
        raise Invalid(
            f"{value!r} is not an answer (yes, partly, no, dont_know)", code="carried_out_invalid"
        ) from None
