"""Statements: the accepted ones for readers, new ones from participants, translations."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema, fields
from apiflask.validators import Length

from deliberation import services
from web.api.auth import FACILITATOR, PARTICIPANT, PUBLIC, access
from web.api.schemas import (
    PlainText,
    ReadingLanguage,
    StatementForModerator,
    StatementForReader,
    language_tag,
    statement_for_reader,
)
from web.extensions import limiter
from web.rate_limits import STATEMENTS_SCOPE, participant_key, statements_limit

bp = APIBlueprint("statements", __name__, tag="Statements")

# The services cap a statement at the conversation's statement_max_length (at most 10 000).
MAX_STATEMENT_LENGTH = 10_000


class AcceptedStatements(Schema):
    statements = fields.List(fields.Nested(StatementForReader), required=True)


@bp.get("/conversations/<conversation:conversation_id>/statements")
@access(PUBLIC)
@bp.input(ReadingLanguage, location="query", arg_name="reading")
@bp.output(AcceptedStatements)
def list_statements(conversation_id, reading):
    """The accepted statements

    In tid order; texts in the requested language where a translation exists.
    """
    accepted = services.accepted_statements(conversation_id)
    return {"statements": [statement_for_reader(s, reading.get("language")) for s in accepted]}


class NewStatement(Schema):
    text = PlainText(required=True, validate=Length(min=1, max=MAX_STATEMENT_LENGTH))
    language = language_tag(metadata={"description": "The language it is written in"})


@bp.post("/conversations/<conversation:conversation_id>/statements")
@limiter.shared_limit(
    statements_limit, scope=STATEMENTS_SCOPE, key_func=participant_key, override_defaults=False
)
@access(PARTICIPANT, errors=[400, 409, 429])
@bp.input(NewStatement, arg_name="statement")
@bp.output(StatementForReader, status_code=201)
def submit_statement(conversation_id, participant, statement):
    """Add a statement

    It waits for moderation, and counts as the author's agree vote, as in Polis.
    """
    added = services.submit_statement(
        conversation_id, participant.pid, statement["text"], language=statement.get("language")
    )
    return statement_for_reader(added, added.language)


class Translation(Schema):
    language = language_tag(required=True)
    text = PlainText(required=True, validate=Length(min=1, max=MAX_STATEMENT_LENGTH))


@bp.post("/conversations/<conversation:conversation_id>/statements/<tid:tid>/translations")
@access(FACILITATOR, errors=[400])
@bp.input(Translation, arg_name="translation")
@bp.output(StatementForModerator)
def translate_statement(conversation_id, tid, facilitator, translation):
    """Set a statement's text in one language

    Owners and moderators; replaces an earlier translation into that language.
    """
    return services.translate_statement(
        facilitator.id, conversation_id, tid, translation["language"], translation["text"]
    )
