"""Adding statements (by participants or as facilitator seeds) and translating them."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Closed, Conflict, Forbidden, Invalid
from deliberation.models import Conversation, ModerationState, Statement, StatementTranslation
from deliberation.models.vote import VoteValue
from deliberation.services.audit import record_audit
from deliberation.services.authorization import (
    MODERATION_ROLES,
    Caller,
    require_role,
    require_role_or_operator,
)
from deliberation.services.lookup import (
    allocate_number,
    find_conversation,
    find_participant,
    find_statement,
    require_open,
)
from deliberation.services.settings import VALIDATORS
from deliberation.services.voting import record_vote


def statement_fingerprint(text: str) -> str:
    """Identifies a statement's wording regardless of case, spacing or Unicode composition.

    Two statements with the same fingerprint are duplicates in one conversation.
    """
    normalised = " ".join(unicodedata.normalize("NFKC", text).split()).casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def submit_statement(
    conversation_id: str, pid: int, text: str, *, language: str | None = None
) -> Statement:
    """A participant adds a statement; it waits in the moderation queue and the author agrees.

    The automatic agree vote is what Polis records too. Under strict moderation nobody else
    sees or votes on the statement until a moderator accepts it.
    """
    text = _clean_text(text)
    with unit_of_work():
        conversation = find_conversation(conversation_id)
        require_open(conversation)
        if not conversation.participants_can_add:
            raise Forbidden("participants may not add statements here", code="statements_closed")
        find_participant(conversation, pid)
        _require_length(conversation, text)
        _require_substance(text)
        statement = _add_statement(conversation, text, language, author_pid=pid)
        record_vote(
            conversation.id,
            conversation.public_id,
            pid,
            statement.tid,
            VoteValue.AGREE,
            created_ms=statement.created_ms,
        )
    return statement


def add_seed_statement(
    facilitator_id: int,
    conversation_id: str,
    text: str,
    *,
    is_meta: bool = False,
    language: str | None = None,
    reason: str | None = None,
) -> Statement:
    """A facilitator's seed statement: accepted at once, with no author and no vote.

    Seeds may be written before the conversation opens, but not once it is archived.
    """
    text = _clean_text(text)
    with unit_of_work():
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, MODERATION_ROLES)
        if conversation.is_archived:
            raise Closed(f"conversation {conversation.public_id} is archived")
        _require_length(conversation, text)
        statement = _add_statement(
            conversation,
            text,
            language,
            is_seed=True,
            is_meta=is_meta,
            moderation=ModerationState.ACCEPTED,
        )
        record_audit(
            conversation,
            facilitator_id,
            "statement.seed",
            {"tid": statement.tid, "text": text, "is_meta": is_meta},
            reason,
        )
    return statement


@dataclass(frozen=True)
class SeedReport:
    """What a batch of seed statements came to: the tids added, and each line refused with
    the reason (`code` of the refusal: statement_duplicate, statement_too_long, ...)."""

    added: list[int] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (text, code)


def seed_statements(
    facilitator_id: int,
    conversation_id: str,
    texts: Iterable[str],
    *,
    language: str | None = None,
) -> SeedReport:
    """Add many seed statements (a pasted list, an uploaded file), each on its own.

    A duplicate or over-long line is reported and skipped rather than losing the rest; a
    refusal that concerns the whole batch (no role, archived conversation) is raised.
    """
    report = SeedReport()
    for text in texts:
        if not text.strip():
            continue
        try:
            statement = add_seed_statement(facilitator_id, conversation_id, text, language=language)
        except (Conflict, Invalid) as refusal:
            report.refused.append((text.strip(), refusal.code))
        else:
            report.added.append(statement.tid)
    return report


def translate_statement(
    facilitator_id: int, conversation_id: str, tid: int, language: str, text: str
) -> Statement:
    """Set (or replace) the text of a statement shown to readers of `language`."""
    language = VALIDATORS["languages"]([language])[0]
    text = _clean_text(text)
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, MODERATION_ROLES)
        statement = find_statement(conversation, tid)
        existing = next((t for t in statement.translations if t.language == language), None)
        before = existing.text if existing else None
        if existing is None:
            statement.translations.append(
                StatementTranslation(language=language, text=text, updated_ms=now_ms())
            )
        else:
            existing.text, existing.updated_ms = text, now_ms()
        session.flush()
        record_audit(
            conversation,
            facilitator_id,
            "statement.translate",
            {"tid": tid, "language": language, "before": before, "after": text},
        )
    return statement


def list_statements(
    facilitator_id: Caller,
    conversation_id: str,
    *,
    moderation: ModerationState | str | None = None,
) -> list[Statement]:
    """Statements of a conversation in tid order, optionally only those in one moderation state,
    for its owners and moderators, and the operator (checking an import from `flask shell`):
    without `moderation` this includes rejected and unmoderated statements. Participants read
    `accepted_statements`."""
    conversation = find_conversation(conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    return _statements_of(conversation, moderation)


def accepted_statements(conversation_id: str) -> list[Statement]:
    """The accepted statements of a conversation in tid order: what anyone may read."""
    return _statements_of(find_conversation(conversation_id), ModerationState.ACCEPTED)


def statement_for(facilitator_id: int, conversation_id: str, tid: int) -> Statement:
    """One statement in any moderation state, with its translations, for the conversation's
    owners and moderators (to translate or moderate it)."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    return find_statement(conversation, tid)


def _statements_of(
    conversation: Conversation, moderation: ModerationState | str | None
) -> list[Statement]:
    query = sa.select(Statement).where(Statement.conversation_id == conversation.id)
    if moderation is not None:
        query = query.where(Statement.moderation == ModerationState(moderation))
    return list(db.session.scalars(query.order_by(Statement.tid)))


def _clean_text(text: str) -> str:
    if not isinstance(text, str):
        raise Invalid("a statement must be text", code="statement_invalid")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise Invalid("a statement must not be empty", code="statement_empty")
    return text


# A participant's statement says something: "ok", "sí" or "+1" is a vote, not a statement.
# Two words and six letters or digits still let through the shortest real ones ("Más luz").
MIN_STATEMENT_WORDS = 2
MIN_STATEMENT_LETTERS = 6


def _require_substance(text: str) -> None:
    letters = sum(character.isalnum() for character in text)
    if len(text.split()) < MIN_STATEMENT_WORDS or letters < MIN_STATEMENT_LETTERS:
        raise Invalid(
            f"a statement needs at least {MIN_STATEMENT_WORDS} words and "
            f"{MIN_STATEMENT_LETTERS} letters or digits",
            code="statement_too_short",
        )


def _require_length(conversation: Conversation, text: str) -> None:
    if len(text) > conversation.statement_max_length:
        raise Invalid(
            f"a statement has at most {conversation.statement_max_length} characters",
            code="statement_too_long",
        )


def _add_statement(
    conversation: Conversation,
    text: str,
    language: str | None,
    *,
    author_pid: int | None = None,
    is_seed: bool = False,
    is_meta: bool = False,
    moderation: ModerationState = ModerationState.TODO,
) -> Statement:
    """Number and store a statement, refusing a duplicate.

    The tid is taken first: that locks the conversation's counter, so the duplicate check
    below cannot race with another submission of the same text.
    """
    if language is not None:
        language = VALIDATORS["languages"]([language])[0]
    tid = allocate_number(conversation, "next_tid")
    fingerprint = statement_fingerprint(text)
    duplicate = db.session.scalar(
        sa.select(Statement.tid).where(
            Statement.conversation_id == conversation.id,
            Statement.text_fingerprint == fingerprint,
        )
    )
    if duplicate is not None:
        raise Conflict(f"the same statement exists as {duplicate}", code="statement_duplicate")
    created = now_ms()
    statement = Statement(
        conversation_id=conversation.id,
        tid=tid,
        text=text,
        text_fingerprint=fingerprint,
        language=language,
        author_pid=author_pid,
        is_seed=is_seed,
        is_meta=is_meta,
        moderation=moderation,
        created_ms=created,
        updated_ms=created,
    )
    db.session.add(statement)
    db.session.flush()
    return statement
