"""What an owner typed about a conversation, in another language: topic, description, sector
names. As a statement carries its translations (`translate_statement`), a conversation carries
one `ConversationTranslation` per language; pages pick it with `Conversation.topic_in`,
`description_in` and `sector_name`.
"""

from __future__ import annotations

from collections.abc import Mapping

from deliberation.db import now_ms, unit_of_work
from deliberation.errors import Invalid
from deliberation.models import Conversation, ConversationTranslation
from deliberation.services.audit import record_audit
from deliberation.services.authorization import OWNER_ONLY, require_role
from deliberation.services.lookup import find_conversation
from deliberation.services.settings import VALIDATORS


def translate_conversation(
    facilitator_id: int,
    conversation_id: str,
    language: str,
    *,
    topic: str | None = None,
    description: str | None = None,
    sector_names: Mapping[str, str] | None = None,
) -> Conversation:
    """Set (or replace) the topic, description and sector names shown to readers of `language`
    (owners only). An empty or missing value falls back to the conversation's own text.

    `sector_names` maps a sector of the conversation to its name in `language`; a sector the
    conversation does not have is refused, so a typo cannot hide a sector's translation.
    """
    language = VALIDATORS["languages"]([language])[0]
    topic = VALIDATORS["topic"](topic) if topic and topic.strip() else None
    description = VALIDATORS["description"](description) or None
    names = {
        sector: VALIDATORS["stakeholder_sectors"]([name])[0]
        for sector, name in (sector_names or {}).items()
        if name and name.strip()
    }
    with unit_of_work():
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        unknown = set(names) - set(conversation.stakeholder_sectors or [])
        if unknown:
            raise Invalid(f"not a sector of this conversation: {', '.join(sorted(unknown))}")
        existing = next((t for t in conversation.translations if t.language == language), None)
        before = _stored(existing)
        if existing is None:
            existing = ConversationTranslation(language=language)
            conversation.translations.append(existing)
        existing.topic, existing.description, existing.sector_names = topic, description, names
        existing.updated_ms = now_ms()
        after = _stored(existing)
        if after != before:
            record_audit(
                conversation,
                facilitator_id,
                "conversation.translate",
                {"language": language, "before": before, "after": after},
            )
    return conversation


def _stored(translation: ConversationTranslation | None) -> dict | None:
    if translation is None:
        return None
    return {
        "topic": translation.topic,
        "description": translation.description,
        "sector_names": dict(translation.sector_names or {}),
    }
