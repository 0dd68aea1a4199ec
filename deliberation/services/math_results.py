"""Storing the math's results and reading back what the deliberation needs from them.

A stored result is read through its view (clustering.result_view.ResultView), parsed once per
process and version (`stored_result`), never by the document's keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clustering.result_view import ResultView
from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Invalid, NotFound
from deliberation.models import Conversation, MathKind, MathResult, RecomputeState
from deliberation.services.lookup import allocate_number, find_conversation
from deliberation.services.result_cache import result_view

PRIORITIES_KEY = "comment-priorities"  # as in Polis's math-pca2 document, keyed by tid as text


def record_math_result(
    conversation_id: str, kind: MathKind | str, result: Mapping[str, Any]
) -> MathResult:
    """Store one recompute's output under the conversation's next version number."""
    try:
        kind = MathKind(kind)
    except ValueError:
        raise Invalid(f"{kind!r} is not a kind of math result (fast, slow)") from None
    priorities = {
        str(int(tid)): float(priority)
        for tid, priority in dict(result.get(PRIORITIES_KEY) or {}).items()
    }
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        stored = MathResult(
            conversation_id=conversation.id,
            version=allocate_number(conversation, "next_math_version"),
            kind=kind,
            result=dict(result),
            comment_priorities=priorities,
            created_ms=now_ms(),
        )
        session.add(stored)
    return stored


def latest_math_result(
    conversation_id: str, *, kind: MathKind | str | None = None
) -> MathResult | None:
    conversation = find_conversation(conversation_id)
    query = sa.select(MathResult).where(MathResult.conversation_id == conversation.id)
    if kind is not None:
        query = query.where(MathResult.kind == MathKind(kind))
    return db.session.scalar(query.order_by(MathResult.version.desc()).limit(1))


@dataclass(frozen=True)
class MathStamp:
    """Which stored result is newest, without its (multi-megabyte) document."""

    version: int
    kind: MathKind
    created_ms: int


def latest_math_stamp(
    conversation: Conversation, *, kind: MathKind | str | None = None
) -> MathStamp | None:
    """The newest result's version, kind and time: cheap enough to poll every second."""
    query = sa.select(MathResult.version, MathResult.kind, MathResult.created_ms).where(
        MathResult.conversation_id == conversation.id
    )
    if kind is not None:
        query = query.where(MathResult.kind == MathKind(kind))
    row = db.session.execute(query.order_by(MathResult.version.desc()).limit(1)).first()
    return MathStamp(*row) if row else None


def math_result_document(conversation: Conversation, version: int) -> dict[str, Any]:
    """The stored document of one result version."""
    document = db.session.scalar(
        sa.select(MathResult.result).where(
            MathResult.conversation_id == conversation.id, MathResult.version == version
        )
    )
    if document is None:
        raise NotFound(f"no math result {version}", code="results_not_computed")
    return document


def stored_result(conversation: Conversation, stamp: MathStamp) -> ResultView:
    """The view of the result `stamp` names, read from the database once per process."""
    return result_view(
        conversation,
        stamp,
        ("result",),
        lambda: ResultView.from_document(math_result_document(conversation, stamp.version)),
    )


@dataclass(frozen=True)
class NewestResult:
    """The newest stored result of a conversation (of one kind, when asked): which it is, and
    its view."""

    stamp: MathStamp
    view: ResultView


def newest_result(
    conversation_id: str, *, kind: MathKind | str | None = None
) -> NewestResult | None:
    """The newest result's stamp and view (None before the first recompute)."""
    conversation = find_conversation(conversation_id)
    stamp = latest_math_stamp(conversation, kind=kind)
    return NewestResult(stamp, stored_result(conversation, stamp)) if stamp else None


# Built once: routing reads it after every vote.
_NEWEST_PRIORITIES = (
    sa.select(MathResult.comment_priorities)
    .where(MathResult.conversation_id == sa.bindparam("conversation_id"))
    .order_by(MathResult.version.desc())
    .limit(1)
)


def comment_priorities(conversation: Conversation) -> dict[int, float]:
    """Priority per tid from the newest result of either kind; empty before the first recompute."""
    stored = db.session.scalar(_NEWEST_PRIORITIES, {"conversation_id": conversation.id})
    return {int(tid): priority for tid, priority in (stored or {}).items()}


def results_need_recomputing(conversation: Conversation) -> None:
    """The stored results saw participation that has changed (erased, or excluded from the
    math): drop what the recompute's stages covered, so the worker computes again."""
    db.session.execute(
        sa.delete(RecomputeState).where(RecomputeState.conversation_id == conversation.id)
    )
