"""Statements: the list, seeding (pasted one per line, or a CSV file as Polis takes them),
translating."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from wtforms.fields import SelectChoice

from deliberation import services
from deliberation.errors import Invalid
from deliberation.models import Conversation
from deliberation.services import SeedReport
from web.console.forms import SeedForm, SeedUploadForm, TranslationForm
from web.console.pages import facilitator_id, flash_form_errors
from web.console.refusals import REFUSALS, refusal_text

C = "/c/<conversation:conversation_id>"
CSV_COLUMN = "comment_text"  # the column of Polis's seed-statement upload
# Refusal codes of a seed line, as the facilitator reads them.


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"{C}/statements", view_func=statements)
    bp.add_url_rule(f"{C}/statements/seed", view_func=seed, methods=["POST"])
    bp.add_url_rule(f"{C}/statements/upload", view_func=upload, methods=["POST"])
    bp.add_url_rule(
        f"{C}/statements/<tid:tid>/translate", view_func=translate, methods=["GET", "POST"]
    )


def _language_choices(conversation: Conversation) -> list[SelectChoice]:
    return [SelectChoice("", gettext("Not stated"))] + [
        SelectChoice(tag) for tag in conversation.languages or []
    ]


def _seed_forms(conversation: Conversation) -> tuple[SeedForm, SeedUploadForm]:
    paste, upload = SeedForm(prefix="paste"), SeedUploadForm(prefix="upload")
    for form in (paste, upload):
        form.language.choices = _language_choices(conversation)
        if conversation.languages and form.language.data is None:
            form.language.data = conversation.languages[0]
    return paste, upload


def statements(conversation_id: str):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    paste, upload = _seed_forms(conversation)
    return render_template(
        "console/statements.html",
        conversation=conversation,
        role=role,
        statements=services.list_statements(facilitator_id(), conversation_id),
        paste=paste,
        upload=upload,
    )


def seed(conversation_id: str):
    conversation, _ = services.conversation_for(facilitator_id(), conversation_id)
    form, _ = _seed_forms(conversation)
    if form.validate_on_submit():
        _seed(conversation_id, form.statements.data.splitlines(), form.language.data)
    else:
        flash_form_errors(form)
    return redirect(url_for("console.statements", conversation_id=conversation_id))


def upload(conversation_id: str):
    conversation, _ = services.conversation_for(facilitator_id(), conversation_id)
    _, form = _seed_forms(conversation)
    if form.validate_on_submit():
        try:
            texts = statements_in_csv(form.file.data.read())
        except Invalid as refusal:
            flash(gettext("Nothing added: %(reason)s.", reason=refusal_text(refusal)), "error")
        else:
            _seed(conversation_id, texts, form.language.data)
    else:
        flash_form_errors(form)
    return redirect(url_for("console.statements", conversation_id=conversation_id))


def statements_in_csv(content: bytes) -> list[str]:
    """The `comment_text` column of an uploaded CSV file (UTF-8, with or without a BOM)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    if CSV_COLUMN not in header:
        raise Invalid(f"the file has no {CSV_COLUMN} column in its first line")
    column = reader.fieldnames[header.index(CSV_COLUMN)]
    try:
        return [row[column] for row in reader if row.get(column)]
    except csv.Error as error:
        raise Invalid(f"the file is not valid CSV ({error})") from None


def _seed(conversation_id: str, texts: list[str], language: str | None) -> SeedReport:
    report = services.seed_statements(
        facilitator_id(), conversation_id, texts, language=language or None
    )
    if report.added:
        flash(gettext("Added %(num)s seed statements.", num=len(report.added)), "info")
    for text, code in report.refused:
        why = REFUSALS.get(code, code)
        flash(gettext("Skipped (%(why)s): %(text)s", why=why, text=text), "error")
    if not report.added and not report.refused:
        flash(gettext("No statements found."), "error")
    return report


def translate(conversation_id: str, tid: int):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    statement = services.statement_for(facilitator_id(), conversation_id, tid)
    form = TranslationForm()
    if form.validate_on_submit():
        try:
            services.translate_statement(
                facilitator_id(), conversation_id, tid, form.language.data, form.text.data
            )
        except Invalid as refusal:
            flash(gettext("Not saved: %(reason)s.", reason=refusal_text(refusal)), "error")
        else:
            saved = gettext("Translation into %(language)s saved.", language=form.language.data)
            flash(saved, "info")
            return redirect(url_for("console.statements", conversation_id=conversation_id))
    else:
        flash_form_errors(form)
    languages = [tag for tag in conversation.languages or [] if tag != statement.language]
    return render_template(
        "console/translate.html",
        conversation=conversation,
        role=role,
        statement=statement,
        languages=languages or list(conversation.languages or []),
        translations={t.language: t.text for t in statement.translations},
    )
