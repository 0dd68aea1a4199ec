"""What the owner typed about a conversation, in its other languages: the topic, the
description and the sectors' names (services.translate_conversation), from the settings page.
Participant pages, the console, the projector, invite sheets and the report show each reader
the text of their language."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext

from deliberation import services
from deliberation.errors import Invalid
from deliberation.models import Conversation
from web.console.forms import ConversationTextsForm
from web.console.pages import facilitator_id, flash_form_errors
from web.console.refusals import refusal_text

C = "/c/<conversation:conversation_id>"


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"{C}/settings/translation", view_func=translate_conversation, methods=["POST"])


def text_forms(conversation: Conversation) -> list[tuple[str, ConversationTextsForm]]:
    """One form per language of the conversation but its first, filled with what is stored."""
    forms = []
    for language in (conversation.languages or [])[1:]:
        translation = conversation.translation(language)
        form = ConversationTextsForm(formdata=None, prefix=_prefix(language))
        if translation is not None:
            form.topic.data = translation.topic or ""
            form.description.data = translation.description or ""
        names = translation.sector_names if translation is not None else {}
        form.sector_names.data = "\n".join(
            names.get(sector, "") for sector in conversation.stakeholder_sectors or []
        )
        forms.append((language, form))
    return forms


def _prefix(language: str) -> str:
    return f"texts-{language}"


def translate_conversation(conversation_id: str):
    conversation, _role = services.conversation_for(
        facilitator_id(), conversation_id, services.OWNER_ONLY
    )
    language = request.form.get("language", "")
    form = ConversationTextsForm(prefix=_prefix(language))
    if language not in (conversation.languages or [])[1:]:
        flash(
            gettext(
                "Not saved: %(reason)s.", reason=gettext("not a language of this conversation")
            ),
            "error",
        )
    elif form.validate_on_submit():
        sectors = conversation.stakeholder_sectors or []
        # One name per line, in the order of the sectors; a blank line keeps the stored name.
        names = (form.sector_names.data or "").splitlines()
        try:
            services.translate_conversation(
                facilitator_id(),
                conversation_id,
                language,
                topic=form.topic.data,
                description=form.description.data,
                sector_names=dict(zip(sectors, (name.strip() for name in names), strict=False)),
            )
        except Invalid as refusal:
            flash(gettext("Not saved: %(reason)s.", reason=refusal_text(refusal)), "error")
        else:
            flash(gettext("Texts in %(language)s saved.", language=language), "info")
    else:
        flash_form_errors(form)
    return redirect(url_for("console.settings", conversation_id=conversation_id) + "#texts")
