"""Why a service refused, in the facilitator's language.

A service's message (deliberation.errors) is English, written for logs and API clients, and
often names the statement or the value it refused. In English the console shows it as it is;
in another language it shows the translation of the refusal's code where there is one (the
refusals a facilitator meets running an evening), else the English message.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from deliberation.errors import DeliberationError
from web.i18n import SOURCE_LANGUAGE, current_language

REFUSALS = {
    "agenda_item_exists": _l("the statement is on the agenda already"),
    "statement_rejected": _l("the statement was rejected"),
    "statement_not_moderated": _l("the statement is still waiting for moderation"),
    "statement_is_meta": _l("it is a meta statement, about the conversation"),
    "reason_required": _l("say why"),
    "reason_too_long": _l("the reason is too long"),
    "agenda_transition_refused": _l("an item cannot move to that status from the one it has"),
    "note_empty": _l("write the note first"),
    "note_too_long": _l("the note is too long"),
    "agenda_item_not_found": _l("there is no such agenda item"),
    "government_level_invalid": _l("that is not an order of government"),
    "date_invalid": _l("that is not a date (YYYY-MM-DD)"),
    "round_label_empty": _l("name the round, e.g. 'six months on'"),
    "round_open": _l("a follow-up round is open already"),
    "agenda_empty": _l("promote statements to the agenda first"),
    "round_closed": _l("the round is closed already"),
    "round_not_found": _l("there is no such follow-up round"),
    "sector_unknown": _l("that is not a sector of this conversation"),
    "xid_invalid": _l("that is not a valid external id"),
    "xid_not_found": _l("that id is not on the allow-list"),
    "role_not_found": _l("that person has no role here"),
    "role_invalid": _l("that is not a role (owner, moderator)"),
    "last_owner": _l("a conversation needs at least one owner"),
    "role_required": _l("your role in this conversation does not allow it"),
    "conversation_not_found": _l("there is no such conversation"),
    "statement_not_found": _l("there is no such statement"),
    "conversation_closed": _l("the conversation is closed"),
    "statement_duplicate": _l("already a statement"),
    "statement_too_long": _l("longer than the conversation allows"),
    "statement_empty": _l("empty"),
}


def refusal_text(error: DeliberationError) -> str:
    """The refusal as the facilitator reads it (see the module doc)."""
    translated = REFUSALS.get(error.code)
    if translated is None or current_language() == SOURCE_LANGUAGE:
        return str(error)
    return str(translated)
