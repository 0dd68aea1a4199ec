"""The moderation queue: to-do, accepted and rejected tabs; decisions one at a time or in bulk.

The page works as plain forms; moderation.js adds the keyboard (j/k to move, a accept, r reject
with a reason, m meta, x select) and sends the same form with fetch, asking for JSON.
"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import ngettext

from deliberation import services
from deliberation.errors import Invalid
from deliberation.models import ModerationState
from web.console.pages import facilitator_id, wants_json
from web.console.topic_filter import filter_arguments, requested_topic

C = "/c/<conversation:conversation_id>"
TABS = [state.value for state in ModerationState]
# What a moderation button does: a new state, or a new meta flag.
ACTIONS = {
    "accept": ("state", ModerationState.ACCEPTED),
    "reject": ("state", ModerationState.REJECTED),
    "todo": ("state", ModerationState.TODO),
    "meta": ("meta", True),
    "not-meta": ("meta", False),
}


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"{C}/moderation", view_func=queue)
    bp.add_url_rule(f"{C}/moderation", view_func=decide, methods=["POST"])


def queue(conversation_id: str):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    tab = request.args.get("tab", ModerationState.TODO.value)
    if tab not in TABS:
        tab = ModerationState.TODO.value
    statements = services.moderation_queue(facilitator_id(), conversation_id, tab)
    chosen = requested_topic(facilitator_id(), conversation_id)
    topic = chosen.chosen
    if topic is not None:
        members = set(topic.tids)
        statements = [s for s in statements if s.tid in members]
    return render_template(
        "console/moderation.html",
        conversation=conversation,
        role=role,
        tab=tab,
        statements=statements,
        counts=services.moderation_counts(facilitator_id(), conversation_id),
        votes=services.statement_vote_counts(facilitator_id(), conversation_id),
        similar=services.similar_in_queue(facilitator_id(), conversation_id, statements),
        topic_state=chosen,
        topics=chosen.choices,
        topic=topic,
    )


def decide(conversation_id: str):
    """One decision for the statements ticked (`tid`, repeated) with the shared `reason`, or
    for one row (`row` = "accept:12", as its own buttons send) with that row's reason."""
    if row := request.form.get("row"):
        action_name, _, tid = row.partition(":")
        tids = _tids([tid])
        reason = request.form.get(f"reason-{tid}", "").strip() or None
    else:
        action_name = request.form.get("action", "")
        tids = _tids(request.form.getlist("tid"))
        reason = request.form.get("reason", "").strip() or None
    action = ACTIONS.get(action_name)
    if action is None or not tids:
        raise Invalid("choose an action and at least one statement", code="moderation_invalid")
    kind, value = action
    if kind == "state":
        changed = services.moderate_statements(
            facilitator_id(), conversation_id, tids, value, reason=reason
        )
    else:
        changed = services.set_statements_meta(
            facilitator_id(), conversation_id, tids, value, reason=reason
        )
    if wants_json():
        return jsonify(
            statements=[
                {"tid": s.tid, "moderation": s.moderation.value, "is_meta": s.is_meta}
                for s in changed
            ],
            counts=services.moderation_counts(facilitator_id(), conversation_id),
        )
    updated = ngettext("%(num)s statement updated.", "%(num)s statements updated.", len(changed))
    flash(updated, "info")
    tab = request.form.get("tab")
    return redirect(
        url_for(
            "console.queue",
            conversation_id=conversation_id,
            tab=tab if tab in TABS else ModerationState.TODO.value,
            **filter_arguments(request.form.get("topic"), request.form.get("topics")),
        )
    )


def _tids(values: list[str]) -> list[int]:
    try:
        return [int(value) for value in values]
    except ValueError:
        raise Invalid(
            "statement numbers must be whole numbers", code="moderation_invalid"
        ) from None
