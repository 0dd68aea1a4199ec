"""Reading a stored math result into the arrays the common agenda is built from.

The newest slow result carries the agenda analyses under `document["mesa"]["agenda"]`
(deliberation.recompute.analyses); before the slow stage has run, the newest fast result still
gives Polis's per-group counts. Either way the arrays come out aligned with ascending tids, and
they are kept per stored result (`result_view`): a stored result never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from deliberation.db import db
from deliberation.models import Conversation, MathKind, ModerationState, Statement
from deliberation.services.math_results import MathStamp, latest_math_stamp, math_result_document
from deliberation.services.result_cache import result_view


@dataclass(frozen=True)
class AgendaSource:
    """The arrays of one stored result the agenda is read from (cached per version)."""

    version: int
    computed_ms: int
    tids: np.ndarray  # (m,)
    group_ids: np.ndarray  # (G,)
    group_sizes: dict[int, int]
    agree: np.ndarray  # (G, m) group counts
    disagree: np.ndarray
    seen: np.ndarray
    agenda: dict[str, Any] | None  # document["mesa"]["agenda"], None before the slow stage


def newest_source(conversation: Conversation) -> AgendaSource | None:
    """The newest slow result when it carries the agenda analyses, else the newest result."""
    for kind in (MathKind.SLOW, None):
        stamp = latest_math_stamp(conversation, kind=kind)
        if stamp is None:
            continue
        source = result_view(
            conversation,
            stamp,
            ("common_agenda",),
            lambda stamp=stamp: _read_source(
                math_result_document(conversation, stamp.version), stamp
            ),
        )
        if source.agenda is not None or kind is None:
            return source
    return None


def _read_source(document: dict[str, Any], stamp: MathStamp) -> AgendaSource:
    agenda = (document.get("mesa") or {}).get("agenda")
    group_votes = document.get("group-votes") or {}
    group_ids = np.array(sorted(int(g) for g in group_votes), dtype=np.int64)
    sizes = {int(g): int(v.get("n-members", 0)) for g, v in group_votes.items()}
    if agenda is not None:
        tids = np.asarray(agenda["tids"], dtype=np.int64)
        groups = agenda["groups"]
        group_ids = np.asarray(groups["ids"], dtype=np.int64)
        counts = [
            np.asarray(groups[k], dtype=np.float64).reshape(len(group_ids), len(tids))
            for k in ("agree", "disagree", "seen")
        ]
    else:
        tids = np.asarray(sorted(int(t) for t in document.get("tids") or []), dtype=np.int64)
        counts = [np.zeros((len(group_ids), len(tids))) for _ in range(3)]
        for g, gid in enumerate(group_ids):
            votes = group_votes[str(int(gid))].get("votes") or {}
            for t, tid in enumerate(tids):
                cell = votes.get(str(int(tid)))
                if cell:
                    counts[0][g, t], counts[1][g, t], counts[2][g, t] = (
                        cell["A"],
                        cell["D"],
                        cell["S"],
                    )
    return AgendaSource(
        stamp.version, stamp.created_ms, tids, group_ids, sizes, *counts, agenda=agenda
    )


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
    texts = {}
    for statement in statements:
        text = statement.text_in(lang)
        language = lang if text != statement.text else statement.language
        texts[statement.tid] = (text, language)
    return texts


def column(values, m: int) -> np.ndarray:
    """A stored list (None for missing) as a float array (NaN for missing)."""
    if values is None:
        return np.full(m, np.nan)
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def matrix(values, rows: int, m: int) -> np.ndarray:
    if values is None or rows == 0:
        return np.full((rows, m), np.nan)
    return np.array(
        [[np.nan if v is None else v for v in row] for row in values], dtype=np.float64
    ).reshape(rows, m)
