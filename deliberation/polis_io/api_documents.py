"""The JSON documents of Polis's read API (`/api/v3/...`), built from Mesa's rows.

Field names, types and signs are Polis's (spec §1, §11), so Polis tools read them unchanged:
votes in Polis's raw sign (agree = -1), times as strings of milliseconds (Polis's bigint
columns reach its clients as text), and the math in the `math-pca2.json` shape. Only public
data goes out: no facilitator, no moderation reason, no participant's xid or sector, no token,
and of the math only the keys Polis serves (Mesa's own additions stay home).

Who may read which conversation is decided before these are called
(`deliberation.services.polis_reports`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from clustering.result import POLIS_MATH_KEYS
from deliberation.db import db
from deliberation.models import (
    AccessMode,
    Conversation,
    LatestVote,
    MathKind,
    ModerationState,
    Participant,
    PolisReport,
    Statement,
)
from deliberation.polis_io.csv_formats import MODERATED
from deliberation.polis_io.exporters import NO_AUTHOR_PID
from deliberation.services.embedding import require_proven_xid
from deliberation.services.math_results import latest_math_result

_REPORT_LABELS = tuple(f"label_{axis}" for axis in ("x_neg", "x_pos", "y_neg", "y_pos")) + tuple(
    f"label_group_{i}" for i in range(10)
)


def conversation_document(conversation: Conversation) -> dict[str, Any]:
    """`GET /api/v3/conversations?conversation_id=`: the settings under Polis's names. Polis
    features Mesa lacks (social logins, spam filters, colours) read as off or absent."""
    participants = db.session.scalar(
        sa.select(sa.func.count()).where(Participant.conversation_id == conversation.id)
    )
    return {
        "topic": conversation.topic,
        "description": conversation.description,
        "is_anon": True,  # participants never have accounts
        "is_active": conversation.accepts_participation,
        "is_draft": False,
        "is_public": True,
        "email_domain": None,
        "participant_count": participants,
        "created": str(conversation.created_ms),
        "modified": str(conversation.updated_ms),
        "strict_moderation": conversation.strict_moderation,
        "profanity_filter": False,
        "spam_filter": False,
        "context": None,
        "owner_sees_participation_stats": False,
        "course_id": None,
        "link_url": None,
        "parent_url": None,
        "vis_type": 1,
        "write_type": 1 if conversation.participants_can_add else 0,
        "bgcolor": None,
        "help_type": 1,
        "socialbtn_type": 0,
        "style_btn": None,
        "auth_needed_to_vote": False,
        "auth_needed_to_write": False,
        "auth_opt_fb": False,
        "auth_opt_tw": False,
        "auth_opt_allow_3rdparty": False,
        "help_bgcolor": None,
        "help_color": None,
        "is_data_open": conversation.is_data_open,
        "is_curated": False,
        "dataset_explanation": None,
        "write_hint_type": 1,
        "subscribe_type": 0,
        "need_suzinvite": conversation.access_mode is AccessMode.INVITE,
        "use_xid_whitelist": conversation.access_mode is AccessMode.XID,
        "prioritize_seed": False,
        "importance_enabled": False,
        "translations": [],
        "is_mod": False,
        "is_owner": False,
        "conversation_id": conversation.public_id,
        # Not Polis's: the CC BY credit that imported Polis data must carry wherever it goes.
        "attribution": conversation.attribution,
    }


def comments_document(
    conversation: Conversation, *, moderation: bool, voting_patterns: bool
) -> list[dict[str, Any]]:
    """`GET /api/v3/comments`, as Polis answers it.

    Without `moderation` the statements a participant may be shown (under strict moderation
    the accepted ones, else all but the rejected). With it, every statement, rejected ones
    included, with its `mod` and `active`: Polis tools need the rejected ones to zero them out
    of the math, as Polis does. `voting_patterns` (with `moderation`) adds the counts of the
    standing votes.
    """
    query = sa.select(Statement).where(Statement.conversation_id == conversation.id)
    if not moderation:
        if conversation.strict_moderation:
            query = query.where(Statement.moderation == ModerationState.ACCEPTED)
        else:
            query = query.where(Statement.moderation != ModerationState.REJECTED)
    statements = db.session.scalars(query.order_by(Statement.tid)).all()
    counts = _standing_counts(conversation) if moderation and voting_patterns else {}
    documents = []
    for statement in statements:
        document = {
            "txt": statement.text,
            "tid": statement.tid,
            "created": str(statement.created_ms),
            "tweet_id": None,
            "quote_src_url": None,
            "is_seed": statement.is_seed,
            "is_meta": statement.is_meta,
            "lang": statement.language,
            "pid": NO_AUTHOR_PID if statement.author_pid is None else statement.author_pid,
        }
        if moderation:
            document.update(velocity=1, mod=MODERATED[statement.moderation], active=True)
            if voting_patterns:
                agree, disagree, passed = (counts.get((statement.tid, v), 0) for v in (1, -1, 0))
                document.update(
                    agree_count=agree,
                    disagree_count=disagree,
                    pass_count=passed,
                    count=agree + disagree + passed,
                )
        document["conversation_id"] = conversation.public_id
        documents.append(document)
    return documents


def _standing_counts(conversation: Conversation) -> dict[tuple[int, int], int]:
    """(tid, vote in the CSV sign) → number of standing votes, as Polis counts them from
    votes_latest_unique."""
    rows = db.session.execute(
        sa.select(LatestVote.tid, LatestVote.vote, sa.func.count())
        .where(LatestVote.conversation_id == conversation.id)
        .group_by(LatestVote.tid, LatestVote.vote)
    )
    return {(tid, vote): count for tid, vote, count in rows}


def votes_document(conversation: Conversation, pid: int) -> list[dict[str, Any]]:
    """`GET /api/v3/votes?pid=`: the participant's standing votes in Polis's raw sign
    (agree = -1; Mesa stores the CSV sign). An unknown pid has none, as in Polis."""
    rows = db.session.execute(
        sa.select(LatestVote.tid, LatestVote.vote, LatestVote.created_ms)
        .where(LatestVote.conversation_id == conversation.id, LatestVote.pid == pid)
        .order_by(LatestVote.tid)
    )
    return [
        {
            "pid": pid,
            "tid": tid,
            "vote": -vote,
            "weight_x_32767": 0,
            "modified": str(created_ms),
            "conversation_id": conversation.public_id,
        }
        for tid, vote, created_ms in rows
    ]


def math_document(conversation: Conversation) -> dict[str, Any] | None:
    """`GET /api/v3/math/pca2`: the newest fast result (PCA map and groups as Polis computes
    them; the slow stage's map is UMAP, not Polis's), Polis's keys only; None before the
    first recompute."""
    stored = latest_math_result(conversation.public_id, kind=MathKind.FAST)
    if stored is None:
        return None
    document = {key: stored.result[key] for key in POLIS_MATH_KEYS if key in stored.result}
    document.setdefault("math_tick", stored.version)
    return document


def participation_document(
    conversation: Conversation,
    xid: str | None,
    *,
    xid_expires: str | None = None,
    xid_signature: str | None = None,
) -> dict[str, Any]:
    """`GET /api/v3/participationInit?pid=mypid&xid=&xid_expires=&xid_signature=`: who that
    external id is here (`ptpt`, null when no participant has it) and their standing votes.

    Only for an xid the embedding site signed (deliberation.services.embedding): anything else
    is refused (403) before the xid is looked up, so nobody reads another's votes by naming
    their xid, nor learns whether an xid took part. Read-only: unlike Polis, which signs a new
    xid up on this call, nobody is created, and only the asked-for xid is looked up.
    """
    pid = None
    if xid:
        require_proven_xid(conversation, xid, xid_expires, xid_signature)
        pid = db.session.scalar(
            sa.select(Participant.pid).where(
                Participant.conversation_id == conversation.id, Participant.xid == xid
            )
        )
    return {
        "ptpt": None if pid is None else {"pid": pid},
        "conversation": conversation_document(conversation),
        "votes": [] if pid is None else votes_document(conversation, pid),
        "nextComment": None,
    }


def report_document(report: PolisReport, conversation: Conversation) -> dict[str, Any]:
    """One entry of `GET /api/v3/reports?report_id=`: which conversation the report shows.
    Mesa keeps no report names or axis and group labels; they read as null."""
    return {
        "report_id": report.report_id,
        "conversation_id": conversation.public_id,
        "created": str(report.created_ms),
        "modified": str(report.created_ms),
        "report_name": None,
        **dict.fromkeys(_REPORT_LABELS),
    }
