"""Coordinated voting: the sets `deliberation.services.coordination` flags, shown to the
conversation's facilitators, and the owner's exclusion of a set from the math (and back)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from deliberation import services
from deliberation.errors import Invalid
from deliberation.models import Role
from deliberation.services import OWNER_ONLY, CoordinationReview
from web.console.pages import facilitator_id
from web.console.refusals import refusal_text

C = "/c/<conversation:conversation_id>"
MAP_SIZE = 320  # the SVG's side, in its own units
# One colour per flagged set (cycled), apart from the grey of everyone else.
SET_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
_MARGIN = 8


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"{C}/coordination", view_func=coordination, methods=["GET", "POST"])


def coordination(conversation_id: str):
    if request.method == "POST":
        services.conversation_for(facilitator_id(), conversation_id, OWNER_ONLY)
        return _act(conversation_id)
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    review = services.review_coordination(facilitator_id(), conversation_id)
    return render_template(
        "console/coordination.html",
        conversation=conversation,
        role=role,
        owner=role is Role.OWNER,
        review=review,
        map=_map(review),
        map_size=MAP_SIZE,
        colours=SET_COLOURS,
        no_longer_flagged=sorted(set(review.excluded_pids) - review.flagged_pids),
    )


def _act(conversation_id: str):
    """Exclude or include the pids of the form (owners; the service checks the role)."""
    action = request.form.get("action")
    reason = (request.form.get("reason") or "").strip()[:500] or None
    try:
        pids = [int(pid) for pid in request.form.get("pids", "").split(",") if pid.strip()]
    except ValueError:
        pids = None
    try:
        if pids is None or action not in ("exclude", "include"):
            raise Invalid("the form names no participants", code="pids_invalid")
        if action == "exclude":
            changed = services.exclude_from_math(facilitator_id(), conversation_id, pids, reason)
            flash(_("%(num)s participants excluded from the math.", num=changed), "info")
        else:
            changed = services.include_in_math(facilitator_id(), conversation_id, pids, reason)
            flash(_("%(num)s participants counted in the math again.", num=changed), "info")
    except Invalid as refusal:
        flash(_("Not changed: %(reason)s.", reason=refusal_text(refusal)), "error")
    return redirect(url_for("console.coordination", conversation_id=conversation_id))


def _map(review: CoordinationReview) -> dict:
    """The newest map scaled into the SVG: every participant a grey dot, then each flagged
    participant on it, by set. No pid is drawn."""
    points = review.map_points
    placed = [
        (s.number, m.position, m.excluded) for s in review.sets for m in s.members if m.position
    ]
    if not points:
        return {"background": [], "flagged": []}
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    low_x, low_y = min(xs), min(ys)
    span = max(max(xs) - low_x, max(ys) - low_y, 1e-9)
    scale = (MAP_SIZE - 2 * _MARGIN) / span

    def at(point) -> tuple[float, float]:
        # SVG's y grows downwards.
        x = _MARGIN + (point.x - low_x) * scale
        y = MAP_SIZE - _MARGIN - (point.y - low_y) * scale
        return round(x, 1), round(y, 1)

    return {
        "background": [at(p) for p in points],
        "flagged": [(number, *at(p), excluded) for number, p, excluded in placed],
    }
