"""The opinion map as the facilitator's console draws it: every participant a point, coloured by
opinion group, with each group's outline; and, for one statement, how each point voted.

Built for 100,000 points: coordinates are quantised to a 16-bit grid over the map's bounds and
sent, with the group ids, as base64 typed arrays (little-endian), about 7 bytes a point. Points
carry no pid and are sorted by position, so the payload says nothing about who is where; the
pid order stays on the server to line up a statement's votes with the points.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from scipy.spatial import ConvexHull, QhullError

from clustering.result_view import UNGROUPED, ResultView
from deliberation.db import db
from deliberation.errors import Invalid, NotFound
from deliberation.models import Conversation, LatestVote, MathKind
from deliberation.services.authorization import MODERATION_ROLES, require_role
from deliberation.services.lookup import find_conversation, find_statement
from deliberation.services.math_results import MathStamp, latest_math_stamp, stored_result
from deliberation.services.result_cache import result_view

PROJECTIONS = ("pca", "umap")
GRID = 65_535  # steps of the quantised axes: far finer than any screen's pixels
# What a point's vote on a statement is sent as (one byte each).
VOTE_CODES = {"none": 0, "agree": 1, "disagree": 2, "pass": 3}
_CODE_OF_VOTE = {1: VOTE_CODES["agree"], -1: VOTE_CODES["disagree"], 0: VOTE_CODES["pass"]}


@dataclass(frozen=True)
class MapPayload:
    """`body` is what the console receives (JSON-ready); `pids[i]` is the participant drawn as
    point i, kept on the server."""

    body: dict[str, Any]
    pids: np.ndarray


def build_map_payload(view: ResultView, stamp: MathStamp, projection: str) -> MapPayload:
    """The map of one stored result.

    PCA places every participant who voted (`view.placements`); UMAP places the clustered
    ones (`view.umap`, slow results only). Either way points are coloured by Polis group, so
    switching projection moves the same groups about rather than regrouping them.
    """
    if projection not in PROJECTIONS:
        raise Invalid(f"projection must be one of {', '.join(PROJECTIONS)}", code="projection")
    people = view.placements
    base = {
        "version": stamp.version,
        "kind": stamp.kind.value,
        "computed_ms": stamp.created_ms,
        "projection": projection,
        "participants": view.participants,
        "in_conversation": len(view.in_conv),
        "grouped": int((people.group != UNGROUPED).sum()),
    }
    if projection == "pca":
        pids, x, y, groups = people.pid, people.x, people.y, people.group
    else:
        umap = view.umap
        if umap is None or not umap.available:
            reason = (umap and umap.reason) or "the UMAP map is computed by the slow stage"
            return MapPayload({**base, "available": False, "reason": reason}, np.empty(0, int))
        pids, x, y = umap.pid, umap.x, umap.y
        groups = people.groups_of(pids)
        base["agreement_with_groups"] = umap.agreement_with_groups

    bounds = _bounds(x, y)
    qx = _quantise(x, bounds[0], bounds[1])
    qy = _quantise(y, bounds[2], bounds[3])
    order = np.lexsort((qy, qx))  # by position: the order says nothing about pids
    qx, qy, groups, pids = qx[order], qy[order], groups[order], pids[order]
    body = {
        **base,
        "available": True,
        "points": len(pids),
        "bounds": [round(float(b), 6) for b in bounds],
        "grid": GRID,
        "x": _b64(qx.astype("<u2")),
        "y": _b64(qy.astype("<u2")),
        "group": _b64(groups.astype(np.int8)),
        "groups": _group_outlines(x[order], y[order], groups),
    }
    return MapPayload(body, pids)


def _bounds(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    if not len(x):
        return (-1.0, 1.0, -1.0, 1.0)
    xmin, xmax, ymin, ymax = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    # A degenerate axis (one point, or all on a line) still needs a width to divide by.
    if xmax - xmin < 1e-9:
        xmin, xmax = xmin - 1.0, xmax + 1.0
    if ymax - ymin < 1e-9:
        ymin, ymax = ymin - 1.0, ymax + 1.0
    return (xmin, xmax, ymin, ymax)


def _quantise(values: np.ndarray, low: float, high: float) -> np.ndarray:
    steps = np.rint((values - low) * (GRID / (high - low)))
    return np.clip(steps, 0, GRID).astype(np.uint16)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _group_outlines(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> list[dict[str, Any]]:
    """Each group's id, size and convex hull (corner points in map coordinates, in order)."""
    outlines = []
    for gid in np.unique(groups[groups != UNGROUPED]).tolist():
        members = groups == gid
        points = np.column_stack([x[members], y[members]])
        outlines.append({"id": int(gid), "size": int(members.sum()), "hull": _hull(points)})
    return outlines


def _hull(points: np.ndarray) -> list[list[float]]:
    """Qhull copes with repeated points; a group of one or two points, or all on one line,
    is outlined by its extreme points instead."""
    try:
        corners = points[ConvexHull(points).vertices] if len(points) >= 3 else points
    except QhullError:
        order = np.lexsort((points[:, 1], points[:, 0]))
        corners = points[[order[0], order[-1]]]
    return np.round(corners, 4).tolist()


def _stamp_for(conversation: Conversation, projection: str) -> MathStamp:
    """PCA: the newest result of either kind. UMAP: the newest slow one, which alone has it."""
    kind = MathKind.SLOW if projection == "umap" else None
    stamp = latest_math_stamp(conversation, kind=kind)
    if stamp is None:
        raise NotFound("no results computed yet", code="results_not_computed")
    return stamp


def cached_map(conversation: Conversation, stamp: MathStamp, projection: str) -> MapPayload:
    """The map of one result version, built once per process (see result_cache)."""
    return result_view(
        conversation,
        stamp,
        ("map", projection),
        lambda: build_map_payload(stored_result(conversation, stamp), stamp, projection),
    )


def opinion_map(facilitator_id: int, conversation_id: str, projection: str = "pca") -> dict:
    """The newest map for a conversation's owners and moderators (see `build_map_payload`)."""
    if projection not in PROJECTIONS:
        raise Invalid(f"projection must be one of {', '.join(PROJECTIONS)}", code="projection")
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    return cached_map(conversation, _stamp_for(conversation, projection), projection).body


def statement_on_map(
    facilitator_id: int, conversation_id: str, tid: int, projection: str = "pca"
) -> dict[str, Any]:
    """How each point of the newest map voted on statement `tid`, as it stands now: base64
    bytes in the map's point order (`VOTE_CODES`), and the counts."""
    if projection not in PROJECTIONS:
        raise Invalid(f"projection must be one of {', '.join(PROJECTIONS)}", code="projection")
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    find_statement(conversation, tid)
    stamp = _stamp_for(conversation, projection)
    shown = cached_map(conversation, stamp, projection)
    rows = db.session.execute(
        sa.select(LatestVote.pid, LatestVote.vote).where(
            LatestVote.conversation_id == conversation.id, LatestVote.tid == tid
        )
    ).all()
    codes = np.zeros(len(shown.pids), dtype=np.uint8)
    if rows and len(shown.pids):
        voters = np.array([pid for pid, _ in rows], dtype=np.int64)
        votes = np.array([_CODE_OF_VOTE[vote] for _, vote in rows], dtype=np.uint8)
        by_pid = np.argsort(shown.pids)
        at = np.clip(np.searchsorted(shown.pids[by_pid], voters), 0, len(by_pid) - 1)
        placed = shown.pids[by_pid][at] == voters
        codes[by_pid[at[placed]]] = votes[placed]
    counts = {name: int((codes == code).sum()) for name, code in VOTE_CODES.items()}
    return {
        "version": stamp.version,
        "projection": projection,
        "tid": tid,
        "codes": VOTE_CODES,
        "votes": _b64(codes),
        "counts": counts,
    }
