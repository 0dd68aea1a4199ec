"""URL converters for the API's path arguments: anything else is a 404 before any query runs.

Without them a tid beyond 32 bits, or a conversation id with a NUL byte, would reach
PostgreSQL and fail there as a 500.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter, IntegerConverter

MAX_TID = 2**31 - 1


class ConversationIdConverter(BaseConverter):
    """A Polis-style public id: a digit and nine lowercase letters or digits (3phdex2kjf)."""

    regex = r"[0-9][a-z0-9]{9}"


class TidConverter(IntegerConverter):
    """A statement number within its conversation: 0 up to the 32-bit column's maximum."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=0, max=MAX_TID)


CONVERTERS = {"conversation": ConversationIdConverter, "tid": TidConverter}

# The same constraints, as the OpenAPI document states them.
PARAMETER_SCHEMAS = {
    "conversation_id": {"type": "string", "pattern": "^" + ConversationIdConverter.regex + "$"},
    "tid": {"type": "integer", "minimum": 0, "maximum": MAX_TID},
}
