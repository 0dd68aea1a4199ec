"""The JSON API under /api/v1: one blueprint per resource, nested in the `api` blueprint.

Views are thin: they parse the request (APIFlask and marshmallow schemas), call one service,
and render. Who may call what: web.api.auth. Errors: web.api.errors. The OpenAPI document,
generated from the views, is served at /api/v1/openapi.json.
"""

from __future__ import annotations

import json

from apiflask import APIBlueprint, APIFlask
from flask import current_app, request
from flask.wrappers import Response
from werkzeug.exceptions import HTTPException

from deliberation.errors import DeliberationError
from web.api import (
    audit,
    conversations,
    moderation,
    participants,
    results,
    session,
    statements,
    voting,
)
from web.api.auth import ERROR_DESCRIPTIONS, SECURITY_SCHEMES
from web.api.converters import CONVERTERS
from web.api.errors import (
    ApiError,
    render_deliberation_error,
    render_http_exception,
    render_validation_error,
)
from web.api.openapi import complete_spec, without_duplicate_schema_warnings
from web.api.schemas import ERROR_SCHEMA
from web.extensions import csrf

API_PREFIX = "/api/v1"
SPEC_PATH = f"{API_PREFIX}/openapi.json"
# Bodies are a vote, a statement or a settings change: a few hundred bytes.
DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

API_DESCRIPTION = """\
Mesa's deliberation API: conversations, statements, votes, moderation and the math's results.

Participants join a conversation (POST .../participants) and get a token for that conversation
only: send it as `Authorization: Bearer`, or let the browser send the HttpOnly cookie set at join,
in which case writes need the `X-CSRF-Token` header too. Facilitators use a personal API token
(`Authorization: Bearer`) or a console session (POST /session; writes need `X-CSRF-Token`).

Every error is JSON `{"error": "...", "code": "..."}`. Request bodies are JSON, at most 64 KiB.
"""

# APIFlask's settings for the document and for validation errors.
API_SETTINGS = {
    "DESCRIPTION": API_DESCRIPTION,
    "VALIDATION_ERROR_STATUS_CODE": 400,  # like the services' Invalid: one status for bad input
    "VALIDATION_ERROR_DESCRIPTION": ERROR_DESCRIPTIONS[400],
    "VALIDATION_ERROR_SCHEMA": ERROR_SCHEMA,
    "HTTP_ERROR_SCHEMA": ERROR_SCHEMA,
    "AUTH_ERROR_DESCRIPTION": ERROR_DESCRIPTIONS[401],
    "SECURITY_SCHEMES": SECURITY_SCHEMES,
    "SPEC_DECORATORS": [without_duplicate_schema_warnings],
}

api = APIBlueprint("api", __name__, url_prefix=API_PREFIX)
RESOURCES = [
    session.bp,
    conversations.bp,
    participants.bp,
    voting.bp,
    statements.bp,
    moderation.bp,
    results.bp,
    audit.bp,
]
for resource in RESOURCES:
    api.register_blueprint(resource)
    csrf.exempt(resource)  # web.api.auth checks CSRF for the credentials that need it


@api.url_value_preprocessor
def _cap_body(_endpoint, _values) -> None:
    # URL value preprocessors run before every before_request function, so the cap holds
    # from the first read of the body (web.request_guard, the login limiter's key).
    request.max_content_length = current_app.config["MESA_API_MAX_CONTENT_LENGTH"]


@api.before_request
def _admit_body() -> None:
    """Insist the body is JSON: a cross-site HTML form cannot send that, which is a second
    line against CSRF, and a body too deeply nested to parse is a 400, not a 500."""
    if request.method not in _BODY_METHODS:
        return
    if not request.is_json:
        raise ApiError(415, "send the request body as application/json", "unsupported_media_type")
    try:
        json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        raise ApiError(400, "the request body is not valid JSON", "malformed_json") from None


@api.after_request
def _not_cached(response: Response) -> Response:
    # Answers hold tokens and personal votes: no shared or browser cache may keep them.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@api.errorhandler(DeliberationError)
def _refused(error: DeliberationError) -> Response:
    return render_deliberation_error(error)


def init_api(app: APIFlask) -> None:
    app.config.update(API_SETTINGS)
    app.config.setdefault("MESA_API_MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH)
    app.url_map.converters.update(CONVERTERS)
    # Errors of routing (404, 405 under /api) have no blueprint, hence app-wide handlers;
    # they leave requests outside /api to Flask's own error pages.
    app.register_error_handler(HTTPException, render_http_exception)
    app.error_callback = render_validation_error
    app.spec_processor(complete_spec)
    app.register_blueprint(api)
