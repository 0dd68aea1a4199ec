"""What every request must be before any view reads it: a body within its cap, and no NUL
character in a form field or query argument.

One hook for the whole site, so that no route can forget either check. A NUL is refused rather
than stripped: no text a person types holds one, PostgreSQL cannot store one in a text column
(it answered with a 500), and quietly editing what someone sent would change its meaning. JSON
bodies are the API's schemas' business (`web.api.schemas.PlainText` refuses a NUL there).

Body caps: MAX_CONTENT_LENGTH, from MESA_MAX_CONTENT_LENGTH (default 64 KiB: a join, a vote or a
statement is a few hundred bytes), holds for every route; the console (pasted seed lists) and
the API set their own per request before this hook runs. A body announced larger than its cap
is refused before a byte of it is read; one sent without a length is cut off at the cap by
Werkzeug as it is read.

Refusals are JSON under /api (`{"error", "code"}`, like every API error) and otherwise a page
in the reader's language; the participant pages show them in their own error page.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from web.api.errors import error_response, is_api_request
from web.i18n import current_language

DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024
_FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

# By the code a refusal carries (also the participant pages' key for their own message).
NUL_BYTE = "nul_byte"
BODY_TOO_LARGE = "body_too_large"
_API_MESSAGES = {
    NUL_BYTE: "a form field or query argument contains a NUL character (%00)",
    BODY_TOO_LARGE: "the request body is larger than {limit} bytes",
}
PAGE_MESSAGES = {
    NUL_BYTE: _l(
        "What you sent contains a NUL character, which no text may hold. Remove it and try again."
    ),
    BODY_TOO_LARGE: _l("What you sent is too large for this page."),
}


class RefusedRequest(HTTPException):
    """A request refused at the door. `description` is the refusal's code, which the
    participant pages' error handler looks up in its own messages."""

    def __init__(self, status: int, code: str):
        super().__init__(description=code)
        self.code = status
        self.refusal = code


def has_nul(arguments: MultiDict) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in arguments.items(multi=True))


def guard_request() -> None:
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RefusedRequest(413, BODY_TOO_LARGE)
    if has_nul(request.args):
        raise RefusedRequest(400, NUL_BYTE)
    # Only form bodies are parsed here: reading request.form of a JSON request parses nothing.
    if request.mimetype in _FORM_MIMETYPES and has_nul(request.form):
        raise RefusedRequest(400, NUL_BYTE)


def render_refusal(error: HTTPException):
    """JSON under /api, a page in the reader's language elsewhere."""
    code = error.refusal if isinstance(error, RefusedRequest) else BODY_TOO_LARGE
    status = error.code or 400
    if is_api_request():
        limit = request.max_content_length
        return error_response(status, _API_MESSAGES[code].format(limit=limit), code)
    page = render_template(
        "public/refused.html",
        language=current_language(),
        language_links=[],
        message=PAGE_MESSAGES[code],
        status=status,
    )
    return page, status


def init_request_guard(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MESA_MAX_CONTENT_LENGTH"])
    app.before_request(guard_request)
    app.register_error_handler(RefusedRequest, render_refusal)
    app.register_error_handler(RequestEntityTooLarge, render_refusal)
