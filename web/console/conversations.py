"""Conversations: the list, creating and changing one, its team, audit log, archive and delete."""

from __future__ import annotations

import io
import json
import zipfile

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from deliberation import services
from deliberation.errors import Conflict, Invalid, NotFound
from deliberation.models import Role
from deliberation.polis_io import json_export, polis_csv_export
from web.console.conversation_texts import text_forms
from web.console.forms import ConversationForm
from web.console.language import role_name
from web.console.pages import facilitator_id, flash_form_errors, participant_link
from web.console.refusals import refusal_text

C = "/c/<conversation:conversation_id>"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", view_func=conversations, endpoint="conversations")
    bp.add_url_rule("/new", view_func=new_conversation, methods=["GET", "POST"])
    bp.add_url_rule(f"{C}/", view_func=overview)
    bp.add_url_rule(f"{C}/settings", view_func=settings, methods=["GET", "POST"])
    bp.add_url_rule(f"{C}/team", view_func=team, methods=["GET", "POST"])
    bp.add_url_rule(f"{C}/audit", view_func=audit)
    bp.add_url_rule(f"{C}/archive", view_func=archive, methods=["GET", "POST"])
    bp.add_url_rule(f"{C}/delete", view_func=delete, methods=["POST"])
    bp.add_url_rule(f"{C}/export.zip", view_func=export_polis_csv)
    bp.add_url_rule(f"{C}/export.json", view_func=export_json)


def conversations():
    return render_template(
        "console/conversations.html", conversations=services.conversations_of(facilitator_id())
    )


def new_conversation():
    form = ConversationForm()
    if form.validate_on_submit():
        try:
            conversation = services.create_conversation(
                facilitator_id(),
                reason=form.reason.data or None,
                **form.settings(),
            )
        except (Invalid, Conflict) as refusal:
            flash(gettext("Not created: %(reason)s.", reason=refusal_text(refusal)), "error")
        else:
            flash(gettext("Conversation created. Seed its first statements."), "info")
            return redirect(url_for("console.statements", conversation_id=conversation.public_id))
    else:
        flash_form_errors(form)
    return render_template("console/conversation_form.html", form=form, conversation=None)


def overview(conversation_id: str):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    return render_template(
        "console/overview.html",
        conversation=conversation,
        role=role,
        counts=services.participation(facilitator_id(), conversation_id),
        link=participant_link(conversation_id),
    )


def settings(conversation_id: str):
    conversation, role = services.conversation_for(
        facilitator_id(), conversation_id, services.OWNER_ONLY
    )
    form = ConversationForm()
    if form.validate_on_submit():
        try:
            services.update_conversation(
                facilitator_id(),
                conversation_id,
                form.settings(),
                reason=form.reason.data or None,
            )
        except Invalid as refusal:
            flash(gettext("Not saved: %(reason)s.", reason=refusal_text(refusal)), "error")
        else:
            flash(gettext("Settings saved."), "info")
            return redirect(url_for("console.settings", conversation_id=conversation_id))
    elif request.method == "POST":
        flash_form_errors(form)
    else:
        form.fill_from(conversation)
    return render_template(
        "console/conversation_form.html",
        form=form,
        conversation=conversation,
        role=role,
        text_forms=text_forms(conversation),
    )


def team(conversation_id: str):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            if request.form.get("action") == "remove":
                services.revoke_role(facilitator_id(), conversation_id, email)
                flash(gettext("%(email)s no longer runs this conversation.", email=email), "info")
            else:
                granted = request.form.get("role", Role.MODERATOR.value)
                services.grant_role(facilitator_id(), conversation_id, email, granted)
                message = gettext(
                    "%(email)s is now %(role)s.", email=email, role=role_name(granted)
                )
                flash(message, "info")
        except NotFound as refusal:
            flash(_team_refusal(refusal, email), "error")
        except (Invalid, Conflict) as refusal:
            flash(gettext("Not changed: %(reason)s.", reason=refusal_text(refusal)), "error")
        return redirect(url_for("console.team", conversation_id=conversation_id))
    return render_template(
        "console/team.html",
        conversation=conversation,
        role=role,
        roles=services.conversation_roles(facilitator_id(), conversation_id),
    )


def _team_refusal(refusal: NotFound, email: str) -> str:
    if refusal.code == "facilitator_not_found":
        return gettext(
            "No facilitator account for %(email)s. An administrator creates it with "
            "`flask --app web create-facilitator`.",
            email=email,
        )
    return gettext("Not changed: %(reason)s.", reason=refusal_text(refusal))


def audit(conversation_id: str):
    conversation, role = services.conversation_for(
        facilitator_id(), conversation_id, services.OWNER_ONLY
    )
    return render_template(
        "console/audit.html",
        conversation=conversation,
        role=role,
        entries=services.audit_log(facilitator_id(), conversation_id),
    )


# What each button of the archive page changes.
_STATUS_CHANGES = {
    "close": {"is_open": False},
    "open": {"is_open": True},
    "archive": {"is_archived": True},
    "unarchive": {"is_archived": False},
}


def archive(conversation_id: str):
    conversation, role = services.conversation_for(
        facilitator_id(), conversation_id, services.OWNER_ONLY
    )
    if request.method == "POST":
        change = _STATUS_CHANGES.get(request.form.get("action", ""))
        if change is None:
            flash(gettext("Unknown action."), "error")
        elif "is_archived" in change and request.form.get("confirm") != "yes":
            flash(gettext("Tick the box to confirm."), "error")
        else:
            services.update_conversation(facilitator_id(), conversation_id, change)
            flash(gettext("Done."), "info")
        return redirect(url_for("console.archive", conversation_id=conversation_id))
    return render_template("console/archive.html", conversation=conversation, role=role)


def delete(conversation_id: str):
    try:
        services.delete_conversation(
            facilitator_id(), conversation_id, confirmation=request.form.get("confirmation", "")
        )
    except Invalid as refusal:
        flash(gettext("Not deleted: %(reason)s.", reason=refusal_text(refusal)), "error")
        return redirect(url_for("console.archive", conversation_id=conversation_id))
    flash(gettext("Conversation %(id)s deleted.", id=conversation_id), "info")
    return redirect(url_for("console.conversations"))


def _export_privacy() -> dict[str, bool]:
    """Vote times rounded down to their UTC day unless the owner asks (`?exact_times=1`): an
    exact time can be matched to the moment someone was seen at a phone. The CLI's
    `--coarsen-timestamps` does the same, the other way round."""
    return {"coarsen_timestamps": request.args.get("exact_times") != "1"}


def export_polis_csv(conversation_id: str):
    """Polis's classic CSV files, zipped (owners only)."""
    link = participant_link(conversation_id)
    files = polis_csv_export(
        facilitator_id(),
        conversation_id,
        base_url=link[: -len(conversation_id)],
        **_export_privacy(),
    )
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in files.items():
            bundle.writestr(f"{conversation_id}/{name}", text)
    return _download(archive_bytes.getvalue(), f"{conversation_id}-polis.zip", "application/zip")


def export_json(conversation_id: str):
    """The whole conversation as one JSON document (owners only)."""
    exported = json_export(facilitator_id(), conversation_id, **_export_privacy())
    document = json.dumps(exported, ensure_ascii=False, allow_nan=False)
    return _download(document.encode("utf-8"), f"{conversation_id}.json", "application/json")


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
