"""Why a service refused to do something.

The web layer maps `http_status` to its response and shows `code` to API clients, so callers
never have to parse messages. Messages are for people reading logs, not for end users.
"""


class DeliberationError(Exception):
    http_status = 400
    code = "refused"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class NotFound(DeliberationError):
    """The conversation, statement, participant or account does not exist."""

    http_status = 404
    code = "not_found"


class Forbidden(DeliberationError):
    """The caller is known but may not do this: wrong role, wrong invite, unknown token."""

    http_status = 403
    code = "forbidden"


class Conflict(DeliberationError):
    """The request clashes with what is already stored: a duplicate statement, a reused vote id."""

    http_status = 409
    code = "conflict"


class Invalid(DeliberationError):
    """A value is malformed or out of range: too long, empty, not a vote, unknown setting."""

    http_status = 400
    code = "invalid"


class Closed(DeliberationError):
    """The conversation is closed or archived, so it takes no new votes or statements.

    Polis answers 403 here too; the conversation may still be read.
    """

    http_status = 403
    code = "conversation_closed"
