"""The common agenda and its follow-up: promote statements, move items through their status with
dated notes, open and close follow-up rounds, read the before/after, take snapshots.

Two pages: /agenda (what to promote, the items by subcommittee, snapshots) and /follow-up (the
rounds and their before/after per group and sector). Every form posts and redirects back; a
refusal is flashed on the page it came from.
"""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from deliberation import services
from deliberation.errors import DeliberationError, Forbidden
from web.console.agenda_forms import (
    HELD_BACK_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    AgendaItemForm,
    NoteForm,
    PromoteForm,
    RoundForm,
    SnapshotForm,
    StatusForm,
    WithdrawForm,
)
from web.console.pages import facilitator_id, flash_form_errors
from web.console.refusals import refusal_text
from web.i18n import current_language

C = "/c/<conversation:conversation_id>"


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"{C}/agenda", view_func=agenda_page)
    bp.add_url_rule(f"{C}/agenda/promote", view_func=promote, methods=["POST"])
    bp.add_url_rule(f"{C}/agenda/<tid:tid>/edit", view_func=edit_item, methods=["POST"])
    bp.add_url_rule(f"{C}/agenda/<tid:tid>/status", view_func=move_item, methods=["POST"])
    bp.add_url_rule(f"{C}/agenda/<tid:tid>/notes", view_func=add_note, methods=["POST"])
    bp.add_url_rule(f"{C}/agenda/<tid:tid>/withdraw", view_func=withdraw_item, methods=["POST"])
    bp.add_url_rule(f"{C}/snapshots", view_func=take_snapshot, methods=["POST"])
    bp.add_url_rule(f"{C}/follow-up", view_func=follow_up_page)
    bp.add_url_rule(f"{C}/follow-up/open", view_func=open_round, methods=["POST"])
    bp.add_url_rule(f"{C}/follow-up/close", view_func=close_round, methods=["POST"])


def agenda_page(conversation_id: str):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    ranking = services.agenda_candidates(facilitator_id(), conversation_id, current_language())
    items = services.list_agenda_items(facilitator_id(), conversation_id)
    by_subcommittee = [
        (name, list(group)) for name, group in groupby(items, key=lambda item: item.subcommittee)
    ]
    return render_template(
        "console/agenda.html",
        conversation=conversation,
        role=role,
        language=current_language(),
        ranking=ranking,
        by_subcommittee=by_subcommittee,
        item_count=len(items),
        status_labels=STATUS_LABELS,
        level_labels=LEVEL_LABELS,
        held_back_labels=HELD_BACK_LABELS,
        withdraw_form=WithdrawForm(),
        promote_form=PromoteForm(),
        item_form=AgendaItemForm,
        status_form=StatusForm(),
        note_form=NoteForm(),
        snapshot_form=SnapshotForm(),
        snapshots=services.list_snapshots(facilitator_id(), conversation_id),
    )


def promote(conversation_id: str):
    _require_facilitator(conversation_id)
    form = PromoteForm()
    if form.validate_on_submit():
        _attempt(
            lambda: services.promote_statement(
                facilitator_id(),
                conversation_id,
                form.tid.data,
                subcommittee=form.subcommittee.data or "",
            ),
            _("Statement %(tid)s is on the agenda.", tid=form.tid.data),
        )
    else:
        flash_form_errors(form)
    return _back("console.agenda_page", conversation_id)


def edit_item(conversation_id: str, tid: int):
    _require_facilitator(conversation_id)
    # One form per item on the page, told apart by prefix; the blueprint checks the CSRF token.
    form = AgendaItemForm(prefix=f"item{tid}", meta={"csrf": False})
    if form.validate_on_submit():
        _attempt(
            lambda: services.update_agenda_item(
                facilitator_id(), conversation_id, tid, **form.changes()
            ),
            _("Agenda item saved."),
        )
    else:
        flash_form_errors(form)
    return _back("console.agenda_page", conversation_id, f"item-{tid}")


def move_item(conversation_id: str, tid: int):
    _require_facilitator(conversation_id)
    form = StatusForm()
    if form.validate_on_submit():
        _attempt(
            lambda: services.change_agenda_status(
                facilitator_id(),
                conversation_id,
                tid,
                form.status.data,
                reason=form.reason.data or None,
            ),
            _("Status changed to %(status)s.", status=STATUS_LABELS.get(form.status.data, "")),
        )
    else:
        flash_form_errors(form)
    return _back("console.agenda_page", conversation_id, f"item-{tid}")


def add_note(conversation_id: str, tid: int):
    _require_facilitator(conversation_id)
    form = NoteForm()
    if form.validate_on_submit():
        _attempt(
            lambda: services.add_agenda_note(
                facilitator_id(),
                conversation_id,
                tid,
                form.text.data,
                noted_on=form.noted_on.data,
            ),
            _("Note added."),
        )
    else:
        flash_form_errors(form)
    return _back("console.agenda_page", conversation_id, f"item-{tid}")


def withdraw_item(conversation_id: str, tid: int):
    _require_facilitator(conversation_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        _attempt(
            lambda: services.withdraw_agenda_item(
                facilitator_id(), conversation_id, tid, form.reason.data
            ),
            _("Statement %(tid)s is off the agenda.", tid=tid),
        )
        return _back("console.agenda_page", conversation_id, "agenda-items")
    flash_form_errors(form)
    return _back("console.agenda_page", conversation_id, f"item-{tid}")


def take_snapshot(conversation_id: str):
    _require_facilitator(conversation_id)
    form = SnapshotForm()
    if form.validate_on_submit():
        _attempt(
            lambda: services.create_snapshot(
                facilitator_id(), conversation_id, form.label.data or ""
            ),
            _("Snapshot taken."),
        )
    else:
        flash_form_errors(form)
    return _back("console.agenda_page", conversation_id, "snapshots")


def follow_up_page(conversation_id: str):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    rounds = services.follow_up_rounds(facilitator_id(), conversation_id)
    chosen = request.args.get("round", type=int)
    if chosen is not None and chosen not in {r.id for r in rounds}:
        chosen = None
    return render_template(
        "console/follow_up.html",
        conversation=conversation,
        role=role,
        language=current_language(),
        rounds=rounds,
        open_round=next((r for r in rounds if r.is_open), None),
        comparison=(
            services.follow_up_comparison(facilitator_id(), conversation_id, chosen)
            if rounds
            else None
        ),
        round_form=RoundForm(),
        status_labels=STATUS_LABELS,
    )


def open_round(conversation_id: str):
    _require_facilitator(conversation_id)
    form = RoundForm()
    if form.validate_on_submit():
        _attempt(
            lambda: services.open_follow_up_round(
                facilitator_id(), conversation_id, form.label.data
            ),
            _("Follow-up round opened: participants can answer it now."),
        )
    else:
        flash_form_errors(form)
    return _back("console.follow_up_page", conversation_id)


def close_round(conversation_id: str):
    _require_facilitator(conversation_id)
    round_id = request.form.get("round_id", type=int)
    if round_id is None:
        flash(_("Not done: which round?"), "error")
    else:
        _attempt(
            lambda: services.close_follow_up_round(facilitator_id(), conversation_id, round_id),
            _("Follow-up round closed."),
        )
    return _back("console.follow_up_page", conversation_id)


def _require_facilitator(conversation_id: str) -> None:
    """403 for anyone but the conversation's owners and moderators, before reading the form
    (so that a refusal is never mistaken for a form error)."""
    services.conversation_for(facilitator_id(), conversation_id)


def _attempt(action, success: str) -> None:
    """Run a service call; flash what became of it. Refusals of the role are not caught: the
    blueprint answers them with 403."""
    try:
        action()
    except Forbidden:
        raise
    except DeliberationError as refusal:
        flash(_("Not done: %(why)s.", why=refusal_text(refusal)), "error")
    else:
        flash(success, "info")


def _back(endpoint: str, conversation_id: str, anchor: str | None = None):
    return redirect(url_for(endpoint, conversation_id=conversation_id, _anchor=anchor))
