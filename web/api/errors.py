"""Every API failure as JSON: `{"error": "<message>", "code": "<code>"}`, with the right status.

Deliberation errors carry their own status and code; HTTP errors (unknown route, wrong method,
body too large, rate limit) and APIFlask's validation errors are translated here. Requests
outside /api keep Flask's usual error pages.
"""

from __future__ import annotations

from typing import Any

from apiflask.exceptions import HTTPError
from flask import current_app, jsonify, request
from flask.wrappers import Response
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from deliberation.errors import DeliberationError
from web.public import site_error_page
from web.vote_budget import VoteBudgetSpent

API_PATH_PREFIX = "/api/"

# Codes for HTTP errors that do not come from the deliberation's rules.
_HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
}


class ApiError(HTTPException):
    """A refusal decided by the API layer itself (authentication, CSRF, content type)."""

    def __init__(
        self, status: int, message: str, code: str, *, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.code = status
        self.error_code = code
        self.extra_headers = headers or {}


def is_api_request() -> bool:
    return request.path.startswith(API_PATH_PREFIX) or request.path == API_PATH_PREFIX.rstrip("/")


def error_response(
    status: int,
    message: str,
    code: str,
    *,
    headers: dict[str, str] | None = None,
    detail: Any = None,
) -> Response:
    body: dict[str, Any] = {"error": message, "code": code}
    if detail:
        body["detail"] = detail
    response = jsonify(body)
    response.status_code = status
    response.headers.extend(headers or {})
    return response


def render_deliberation_error(error: DeliberationError) -> Response:
    return error_response(error.http_status, str(error), error.code)


def render_http_exception(error: HTTPException) -> Response | HTTPException:
    """JSON for /api requests; the site's own page for the rest (web.public)."""
    if not is_api_request():
        return site_error_page(error)
    if isinstance(error, ApiError):
        return error_response(
            error.code, error.description, error.error_code, headers=error.extra_headers
        )
    if isinstance(error, CSRFError):
        return error_response(403, f"CSRF check failed: {error.description}", "csrf_failed")
    headers = {name: value for name, value in error.get_headers() if name != "Content-Type"}
    status = error.code or 500
    return error_response(
        status, _message_for(error, status), _HTTP_CODES.get(status, "error"), headers=headers
    )


def _message_for(error: HTTPException, status: int) -> str:
    if isinstance(error, RateLimitExceeded | VoteBudgetSpent):
        return f"too many requests: at most {error.description}; retry later"
    if status == 404:
        return f"no API route {request.method} {request.path}"
    if status == 405:
        return f"{request.method} is not allowed on {request.path}"
    if status == 413:
        limit = request.max_content_length or current_app.config.get("MAX_CONTENT_LENGTH")
        return f"the request body is larger than {limit} bytes" if limit else "body too large"
    if status >= 500:
        return "internal error"
    return error.description or error.name


def render_validation_error(error: HTTPError) -> Response:
    """APIFlask's callback for input that failed its schema (status from
    VALIDATION_ERROR_STATUS_CODE, 400 here, like the services' `Invalid`)."""
    return error_response(
        error.status_code,
        _summarise(error.detail) or error.message,
        "invalid_input",
        headers=dict(error.headers or {}),
        detail=error.detail,
    )


def _summarise(detail: Any) -> str:
    """The first problem of a validation report, e.g. "text: Missing data for required field."."""
    path: list[str] = []
    while isinstance(detail, dict) and detail:
        key, detail = next(iter(detail.items()))
        path.append(str(key))
    if isinstance(detail, list) and detail:
        detail = detail[0]
    if not isinstance(detail, str):
        return ""
    location, *fields = path or ["request"]
    where = ".".join(fields) if fields else f"the {location}"
    return f"{where}: {detail}"
