"""Polis's read API under /api/v3, so that Polis tools (red-dwarf, notebooks built on Polis's
exports) read Mesa unchanged.

Only GET, only public data, only for a conversation whose owner opened its data (403
otherwise, on every route; 404 for an unknown conversation or report id). The shapes and signs
are Polis's (deliberation.polis_io.api_documents); the rules are in
deliberation.services.polis_reports. These routes are not part of the /api/v1 OpenAPI
document: they follow Polis's API, documented by Polis and in the README. Errors are JSON
`{"error": ..., "code": ...}` like the rest of /api.
"""

from __future__ import annotations

from apiflask import APIBlueprint, APIFlask
from flask import Response, jsonify, request
from flask.wrappers import Response as FlaskResponse

from deliberation.errors import DeliberationError, Invalid, NotFound
from deliberation.polis_io import NO_AUTHOR_PID, REPORT_CSV_FILES, report_csv_export
from deliberation.polis_io.api_documents import (
    comments_document,
    conversation_document,
    math_document,
    participation_document,
    report_document,
    votes_document,
)
from deliberation.services import published_conversation, published_report
from web.api.errors import render_deliberation_error
from web.console.pages import participant_link
from web.extensions import csrf

URL_PREFIX = "/api/v3"
ATTRIBUTION_FILE = "attribution.txt"  # not Polis's: the CC BY credit of imported Polis data
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0", ""})

bp = APIBlueprint("polis_api", __name__, url_prefix=URL_PREFIX, enable_openapi=False)
csrf.exempt(bp)  # read-only: every route is a GET


@bp.get("/conversations")
def conversations():
    conversation = published_conversation(_required("conversation_id"))
    return jsonify(conversation_document(conversation))


@bp.get("/comments")
def comments():
    conversation = published_conversation(_required("conversation_id"))
    return jsonify(
        comments_document(
            conversation,
            moderation=_flag("moderation"),
            voting_patterns=_flag("include_voting_patterns"),
        )
    )


@bp.get("/votes")
def votes():
    conversation = published_conversation(_required("conversation_id"))
    pid = _required("pid")
    if not pid.isdigit() or int(pid) > NO_AUTHOR_PID:  # the largest pid a column holds
        raise Invalid("pid must be a participant number such as 0", code="invalid_parameter")
    return jsonify(votes_document(conversation, int(pid)))


@bp.get("/math/pca2")
def math_pca2():
    """The newest math result; `math_tick=N` answers 304 when the client has it already, as
    Polis does (so does a matching If-None-Match)."""
    conversation = published_conversation(_required("conversation_id"))
    document = math_document(conversation)
    if document is None:
        raise NotFound("the math has not run yet; try again shortly", code="results_not_computed")
    tick = document["math_tick"]
    known = request.args.get("math_tick", "")
    if known.lstrip("-").isdigit() and int(known) >= tick:
        return Response(status=304)
    response = jsonify(document)
    response.set_etag(str(tick))
    return response.make_conditional(request)


@bp.get("/participationInit")
def participation_init():
    conversation = published_conversation(_required("conversation_id"))
    if request.args.get("pid", "mypid") != "mypid":
        raise Invalid("pid must be mypid: only one's own participation", code="invalid_parameter")
    return jsonify(
        participation_document(
            conversation,
            request.args.get("xid") or None,
            xid_expires=request.args.get("xid_expires"),
            xid_signature=request.args.get("xid_signature"),
        )
    )


@bp.get("/reports")
def reports():
    report, conversation = published_report(_required("report_id"))
    return jsonify([report_document(report, conversation)])


@bp.get("/reportExport/<report_id>/<file_name>")
def report_export(report_id: str, file_name: str):
    report, conversation = published_report(report_id)
    if file_name == ATTRIBUTION_FILE and conversation.attribution:
        text = conversation.attribution.rstrip("\n") + "\n"
        return Response(text, mimetype="text/plain")
    if file_name not in REPORT_CSV_FILES:
        raise NotFound(f"no file {file_name!r} in a report export", code="export_file_not_found")
    public_id = conversation.public_id
    files = report_csv_export(
        public_id,
        math=math_document(conversation) or {},
        base_url=participant_link(public_id)[: -len(public_id)],
        names=[file_name],
    )
    return Response(files[file_name], mimetype="text/csv")


@bp.after_request
def _not_cached(response: FlaskResponse) -> FlaskResponse:
    # Closing a conversation's data takes effect at once: no cache may keep an answer.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(DeliberationError)
def _refused(error: DeliberationError) -> FlaskResponse:
    return render_deliberation_error(error)


def _required(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise Invalid(f"the query parameter {name} is required", code="missing_parameter")
    return value


def _flag(name: str) -> bool:
    value = request.args.get(name, "").strip().lower()
    if value not in _TRUE | _FALSE:
        raise Invalid(f"{name} must be true or false", code="invalid_parameter")
    return value in _TRUE


def init_polis_api(app: APIFlask) -> None:
    app.register_blueprint(bp)
