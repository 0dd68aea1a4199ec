"""The topics page: what the statements are about, and which subcommittee takes each topic.

/topics shows the newest topics (computed by the recompute worker when statements change) with
their statements, consensus and division; facilitators map a topic to a subcommittee (every
statement of the topic is assigned) and owners add subcommittees. Forms post and redirect back;
a refusal is flashed.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from deliberation import services
from deliberation.errors import DeliberationError, Forbidden, Invalid
from web.console.pages import facilitator_id
from web.console.refusals import refusal_text

C = "/c/<conversation:conversation_id>"


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"{C}/topics", view_func=topics)
    bp.add_url_rule(f"{C}/topics/map", view_func=map_to_subcommittee, methods=["POST"])
    bp.add_url_rule(f"{C}/subcommittees", view_func=add_subcommittee, methods=["POST"])


def topics(conversation_id: str):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    return render_template(
        "console/topics.html",
        conversation=conversation,
        role=role,
        page=services.topics_page(facilitator_id(), conversation_id),
    )


def map_to_subcommittee(conversation_id: str):
    try:
        topic = _whole(request.form.get("topic"))
        subcommittee = _whole(request.form.get("subcommittee"))
        tids = services.map_topic(facilitator_id(), conversation_id, topic, subcommittee)
        flash(_("%(count)s statements assigned.", count=len(tids)))
    except Forbidden:
        raise  # the blueprint answers 403
    except DeliberationError as refusal:
        flash(_("Not done: %(why)s.", why=refusal_text(refusal)), "error")
    return redirect(url_for("console.topics", conversation_id=conversation_id))


def add_subcommittee(conversation_id: str):
    try:
        services.create_subcommittee(
            facilitator_id(),
            conversation_id,
            request.form.get("name", ""),
            request.form.get("description", ""),
        )
    except Forbidden:
        raise
    except DeliberationError as refusal:
        flash(_("Not done: %(why)s.", why=refusal_text(refusal)), "error")
    return redirect(url_for("console.topics", conversation_id=conversation_id))


def _whole(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise Invalid("choose a topic and a subcommittee", code="topic_map_invalid") from None
