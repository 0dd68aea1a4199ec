"""Which stored result the common agenda is read from, and the statements it may show.

The newest slow result when it carries the agenda analyses (`ResultView.agenda`, computed by
the slow stage, see deliberation.recompute.analyses); before the slow stage has run, the newest
result of either kind, whose Polis group counts still rank the statements. Either way the
result is read through its cached view (`math_results.stored_result`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from clustering.result_view import ResultView
from deliberation.db import db
from deliberation.models import Conversation, MathKind, ModerationState, Statement
from deliberation.services.math_results import MathStamp, latest_math_stamp, stored_result


@dataclass(frozen=True)
class AgendaSource:
    """The stored result the agenda is read from: which one (`stamp`) and its view."""

    stamp: MathStamp
    view: ResultView


def newest_source(conversation: Conversation) -> AgendaSource | None:
    """The newest slow result when it carries the agenda analyses, else the newest result."""
    for kind in (MathKind.SLOW, None):
        stamp = latest_math_stamp(conversation, kind=kind)
        if stamp is None:
            continue
        view = stored_result(conversation, stamp)
        if view.agenda is not None or kind is None:
            return AgendaSource(stamp, view)
    return None


def statement_texts(
    conversation: Conversation, lang: str | None
) -> dict[int, tuple[str, str | None]]:
    """tid → (text in `lang` or the original, its language) of the statements an agenda may
    show: not rejected and not meta (what Polis leaves out of consensus too), read afresh."""
    statements = db.session.scalars(
        sa.select(Statement).where(
            Statement.conversation_id == conversation.id,
            Statement.moderation != ModerationState.REJECTED,
            Statement.is_meta.is_(False),
        )
    ).all()
    return {statement.tid: shown_text(statement, lang) for statement in statements}


def shown_text(statement: Statement, lang: str | None) -> tuple[str, str | None]:
    """The statement's text in `lang` (its translation, else its own text) and the language that
    text is in."""
    text = statement.text_in(lang)
    return text, (lang if text != statement.text else statement.language)
