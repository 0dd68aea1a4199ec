"""Shapes shared by several API resources, and the field every text input goes through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiflask import Schema, fields
from apiflask.validators import Length

from deliberation.models import Statement
from deliberation.services import ShownStatement

# The longest language tag the database stores (statements.language, translations.language).
MAX_LANGUAGE_TAG_LENGTH = 16
MAX_REASON_LENGTH = 2_000


class PlainText(fields.String):
    """A string the database can store: no NUL character (PostgreSQL refuses it in text) and no
    unpaired surrogate (not encodable as UTF-8), so bad input is a 400, never a 500."""

    default_error_messages = {
        "unstorable": "Must not contain NUL characters or unpaired surrogates."
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not storable(text):
            raise self.make_error("unstorable")
        return text


def storable(text: str) -> bool:
    """No NUL character and no unpaired surrogate: what `PlainText` accepts of a string."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def language_tag(**kwargs: Any) -> PlainText:
    """A BCP 47 tag such as "es" or "es-MX"; the services check its form."""
    return PlainText(validate=Length(min=1, max=MAX_LANGUAGE_TAG_LENGTH), **kwargs)


def reason(**kwargs: Any) -> PlainText:
    """Why a facilitator made a change; kept in the audit trail."""
    return PlainText(allow_none=True, validate=Length(max=MAX_REASON_LENGTH), **kwargs)


# The body of every error response (see web.api.errors).
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "What went wrong, for a person to read"},
        "code": {"type": "string", "description": "A stable code for programs, e.g. not_found"},
        "detail": {"type": "object", "description": "Per-field problems of a validation error"},
    },
    "required": ["error", "code"],
}


class ReadingLanguage(Schema):
    language = language_tag(
        metadata={"description": "Show statements in this language where translated"},
    )


def plain_reading_language(query: Mapping[str, Any]) -> dict[str, str] | None:
    """What `ReadingLanguage` loads from a query string with no argument or one plain
    `language`; None for anything else, which the schema decides (web.api.hot_input)."""
    if not query:
        return {}
    if query.keys() != {"language"} or len(query.getlist("language")) != 1:
        return None
    language = query["language"]
    if 1 <= len(language) <= MAX_LANGUAGE_TAG_LENGTH and storable(language):
        return {"language": language}
    return None


class StatementForReader(Schema):
    """A statement as participants see it."""

    tid = fields.Integer(required=True)
    text = fields.String(required=True, metadata={"description": "In the reader's language"})
    language = fields.String(
        allow_none=True, metadata={"description": "The language of `text`, when known"}
    )
    is_seed = fields.Boolean(required=True)
    is_meta = fields.Boolean(required=True)
    created_ms = fields.Integer(required=True)


def statement_for_reader(
    statement: Statement | ShownStatement, language: str | None
) -> dict[str, Any]:
    """`StatementForReader` of a stored statement, or of a routed one (whose answer the draw
    keeps per language: `ShownStatement.shown_as`)."""
    return {
        "tid": statement.tid,
        "text": statement.text_in(language),
        "language": statement.shown_language(language),
        "is_seed": statement.is_seed,
        "is_meta": statement.is_meta,
        "created_ms": statement.created_ms,
    }


class StatementForModerator(Schema):
    """A statement with everything a moderator decides on."""

    tid = fields.Integer(required=True)
    text = fields.String(required=True)
    language = fields.String(allow_none=True)
    translations = fields.Method(
        "translation_texts",
        metadata={"type": "object", "additionalProperties": {"type": "string"}},
    )
    moderation = fields.String(required=True, metadata={"enum": ["todo", "accepted", "rejected"]})
    moderation_reason = fields.String(allow_none=True)
    is_seed = fields.Boolean(required=True)
    is_meta = fields.Boolean(required=True)
    author_pid = fields.Integer(allow_none=True)
    created_ms = fields.Integer(required=True)
    updated_ms = fields.Integer(required=True)

    def translation_texts(self, statement: Statement) -> dict[str, str]:
        return {translation.language: translation.text for translation in statement.translations}
