"""The facilitator console under /console: what the people running a round-table use before and
during a session, on a laptop or a projector.

Server-rendered pages with Flask-WTF forms (CSRF on every POST); scripts are static files (ES
modules, no inline script), so the engine's Content-Security-Policy holds on every page. Views
parse the request, call one service and render; who may do what is the services' business.

    auth           login, logout, change password
    conversations  list, create, settings, team, audit log, archive, delete, export
    statements     seed (paste, CSV), translate
    moderation     the queue's tabs, single and bulk decisions (keyboard in moderation.js)
    sharing        participant link, QR codes, embed snippet, invite codes and their sheet
    live           the opinion map, consensus, projector, and the JSON they poll
    agenda         the common agenda, its items and notes, follow-up rounds, snapshots
    topics         topics of the statements, subcommittees, mapping one to the other
    coordination   coordinated voting: the flagged sets, excluding them from the math
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from deliberation import services
from deliberation.errors import DeliberationError
from web.console import (
    agenda,
    auth,
    conversation_texts,
    conversations,
    coordination,
    live,
    moderation,
    report,
    sharing,
    statements,
    topics,
)
from web.console.language import console_language_links, remember_console_language, role_name
from web.console.pages import JSON_SUFFIX, wants_json
from web.console.refusals import refusal_text
from web.console.script_messages import script_messages
from web.extensions import csrf, login_manager
from web.facilitator_sessions import init_sessions
from web.group_names import group_label
from web.i18n import use_account_language
from web.local_times import console_time

URL_PREFIX = "/console"
# A pasted or uploaded list of seed statements is the largest thing a console form sends.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
_PUBLIC_ENDPOINTS = frozenset({"console.login", "console.static"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# An APIBlueprint only so that APIFlask's OpenAPI generator, which inspects every blueprint with
# a before_request, knows to leave these pages out of the API document.
bp = APIBlueprint(
    "console",
    __name__,
    url_prefix=URL_PREFIX,
    template_folder="templates",
    static_folder="static",
    enable_openapi=False,
)
for module in (
    auth,
    conversations,
    conversation_texts,
    statements,
    moderation,
    sharing,
    live,
    report,
    agenda,
    topics,
    coordination,
):
    module.register(bp)
bp.add_app_template_filter(group_label)
bp.add_app_template_filter(console_time, "console_time")
bp.add_app_template_global(console_language_links, "console_language_links")
bp.add_app_template_global(role_name, "role_name")
bp.add_app_template_global(script_messages, "script_messages")
csrf.exempt(bp)  # checked in _require_login, after the login check


@bp.url_value_preprocessor
def _cap_request_size(_endpoint, _values) -> None:
    # URL value preprocessors run before any before_request function, so the cap is in place
    # before CSRFProtect reads the form.
    request.max_content_length = MAX_REQUEST_BYTES


@bp.before_request
def _require_login():
    """Pages send a visitor without a console session to the login page; JSON answers 401.

    Then the CSRF check of every form (the blueprint is exempt from CSRFProtect's automatic
    check, which would run first and answer a logged-out POST with 400 instead).
    """
    if current_user.is_authenticated:
        use_account_language(current_user.language)  # their choice, on any device
    if request.endpoint not in _PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        if request.path.endswith(JSON_SUFFIX):
            response = jsonify(error="log in to the console first", code="authentication_required")
            return response, 401
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    if request.method not in _SAFE_METHODS:
        csrf.protect()
    conversation_id = (request.view_args or {}).get("conversation_id")
    if conversation_id is not None:
        # Defence in depth: a facilitator with no role in this conversation is refused (403)
        # before any form is read; the services still check the role each action needs.
        conversation, _role = services.conversation_for(current_user.id, conversation_id)
        g.time_zone = conversation.time_zone  # times on these pages: web.local_times
        g.conversation = conversation
    return None


@bp.after_request
def _not_cached(response):
    # Console pages show unpublished statements and votes: no cache may keep them. The
    # vendored map library and the other static files may be cached as usual.
    if request.endpoint != "console.static":
        response.headers.setdefault("Cache-Control", "no-store")
        remember_console_language(response)
    return response


@bp.errorhandler(DeliberationError)
def _refused(error: DeliberationError):
    if wants_json():
        return jsonify(error=str(error), code=error.code), error.http_status
    return render_template(
        "console/error.html", status=error.http_status, code=error.code, message=refusal_text(error)
    ), error.http_status


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError):
    if wants_json():
        return jsonify(error=error.description, code="csrf_failed"), 400
    message = gettext(
        "The form expired or came from elsewhere. Go back, reload the page and try again."
    )
    return render_template(
        "console/error.html", status=400, code="csrf_failed", message=message
    ), 400


def init_console(app: Flask) -> None:
    init_sessions(app)
    app.register_blueprint(bp)
    login_manager.blueprint_login_views[bp.name] = "console.login"
