"""What the newest result says about the statements, for the facilitator's console: where the
groups meet (group-informed consensus, majority), where they part (divisive statements), what
people are unsure of, and what represents each group, with every group's votes on each.

All lists come from one stored result, so they agree with the map drawn from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa

from clustering.result_view import ResultView
from clustering.spread import MIN_SEEN_PER_GROUP, agree_spread, pass_shares
from deliberation.db import db
from deliberation.models import Conversation, Statement, StatementTranslation
from deliberation.services.authorization import (
    MODERATION_ROLES,
    Caller,
    require_role_or_operator,
)
from deliberation.services.lookup import find_conversation
from deliberation.services.math_results import MathStamp, latest_math_stamp, stored_result
from deliberation.services.result_cache import result_view

LIST_LENGTH = 10
UNCERTAIN_PASS_SHARE = 0.30  # "areas of uncertainty": more than this share of votes passed
MIN_VOTES_FOR_UNCERTAINTY = 5  # a statement seen by fewer says nothing yet


def build_findings(view: ResultView, stamp: MathStamp) -> dict[str, Any]:
    """The lists of one stored result, by tid, without texts.

    `statements[tid]` gives, per group, [group id, agrees, disagrees, votes seen] for every
    statement a list mentions, so each can be drawn with its agree/disagree/pass bars.
    """
    votes = view.group_votes
    excluded = view.mod_out | view.meta_tids
    tids = votes.tids.tolist()
    counts = np.stack([votes.agree, votes.disagree, votes.seen])  # (3, n_groups, n_tids)
    group_ids = votes.group_ids.tolist()

    groups = [
        {
            "id": gid,
            "size": int(size),
            "representative": [
                {
                    "tid": entry.tid,
                    "repful_for": entry.repful_for,
                    "p_success": entry.p_success,
                    "n_success": entry.n_success,
                    "n_trials": entry.n_trials,
                }
                for entry in view.repness.get(gid, ())
            ],
        }
        for gid, size in zip(group_ids, votes.sizes.tolist(), strict=True)
    ]
    consensus = sorted(view.group_aware_consensus.items(), key=lambda item: (-item[1], item[0]))
    # Group-informed consensus is 1/4 for a statement no group has seen: claim common ground
    # only where every group voted on it enough to say.
    enough = (counts[2] >= MIN_SEEN_PER_GROUP).all(axis=0) if group_ids else []
    seen_by_every_group = {tid for tid, ok in zip(tids, enough, strict=False) if ok}
    findings = {
        "version": stamp.version,
        "kind": stamp.kind.value,
        "computed_ms": stamp.created_ms,
        "groups": groups,
        "group_aware_consensus": [
            {"tid": tid, "value": value}
            for tid, value in consensus
            if tid not in excluded and tid in seen_by_every_group
        ][:LIST_LENGTH],
        "majority": {
            side: [
                {
                    "tid": e.tid,
                    "p_success": e.p_success,
                    "n_success": e.n_success,
                    "n_trials": e.n_trials,
                }
                for e in view.majority[side]
            ]
            for side in ("agree", "disagree")
        },
        "divisive": _divisive(tids, counts, excluded),
        "uncertain": _uncertain(tids, counts, excluded),
    }
    mentioned = _mentioned(findings)
    column = {tid: i for i, tid in enumerate(tids)}
    findings["statements"] = {
        str(tid): {
            "groups": [
                [gid, *(int(counts[k, g, column[tid]]) for k in range(3))]
                for g, gid in enumerate(group_ids)
            ]
            if tid in column
            else []
        }
        for tid in sorted(mentioned)
    }
    return findings


def _divisive(tids: list[int], counts: np.ndarray, excluded: set[int]) -> list[dict]:
    if not tids or counts.shape[1] < 2:
        return []
    spread = agree_spread(counts[0], counts[2])
    ranked = [
        (float(spread[t]), tid)
        for t, tid in enumerate(tids)
        if tid not in excluded and not np.isnan(spread[t])
    ]
    ranked.sort(key=lambda item: (-item[0], item[1]))
    return [{"tid": tid, "spread": round(value, 4)} for value, tid in ranked[:LIST_LENGTH]]


def _uncertain(tids: list[int], counts: np.ndarray, excluded: set[int]) -> list[dict]:
    if not tids or not counts.shape[1]:
        return []
    shares = pass_shares(counts[0], counts[1], counts[2])
    seen = counts[2].sum(axis=0)
    ranked = [
        (float(shares[t]), tid)
        for t, tid in enumerate(tids)
        if tid not in excluded
        and seen[t] >= MIN_VOTES_FOR_UNCERTAINTY
        and shares[t] > UNCERTAIN_PASS_SHARE
    ]
    ranked.sort(key=lambda item: (-item[0], item[1]))
    return [{"tid": tid, "pass_share": round(value, 4)} for value, tid in ranked[:LIST_LENGTH]]


def _mentioned(findings: dict[str, Any]) -> set[int]:
    tids = {entry["tid"] for group in findings["groups"] for entry in group["representative"]}
    for name in ("group_aware_consensus", "divisive", "uncertain"):
        tids.update(entry["tid"] for entry in findings[name])
    for side in findings["majority"].values():
        tids.update(entry["tid"] for entry in side)
    return tids


def result_findings(
    facilitator_id: Caller, conversation_id: str, lang: str | None = None
) -> dict[str, Any] | None:
    """The findings of the newest result with each statement's text (its translation into
    `lang` where there is one), for a conversation's owners and moderators; None before the
    first recompute."""
    conversation = find_conversation(conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    stamp = latest_math_stamp(conversation)
    if stamp is None:
        return None
    findings = result_view(
        conversation,
        stamp,
        ("findings",),
        lambda: build_findings(stored_result(conversation, stamp), stamp),
    )
    return _with_texts(conversation, findings, lang)


def _with_texts(
    conversation: Conversation, findings: dict[str, Any], lang: str | None
) -> dict[str, Any]:
    """Texts are read afresh (a translation or a moderation may be newer than the result)."""
    tids = [int(tid) for tid in findings["statements"]]
    rows = db.session.execute(
        sa.select(Statement.tid, Statement.text, Statement.moderation, Statement.is_meta).where(
            Statement.conversation_id == conversation.id, Statement.tid.in_(tids)
        )
    )
    statements = {str(tid): dict(entry) for tid, entry in findings["statements"].items()}
    for tid, text, moderation, is_meta in rows:
        statements[str(tid)].update(text=text, moderation=moderation.value, is_meta=is_meta)
    if lang is not None:
        translated = db.session.execute(
            sa.select(Statement.tid, StatementTranslation.text)
            .join(StatementTranslation, StatementTranslation.statement_id == Statement.id)
            .where(
                Statement.conversation_id == conversation.id,
                Statement.tid.in_(tids),
                StatementTranslation.language == lang,
            )
        )
        for tid, text in translated:
            statements[str(tid)]["text"] = text
    return {**findings, "statements": statements}
