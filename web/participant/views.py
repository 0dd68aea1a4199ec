"""The participant pages: each view parses the request, calls a service, and renders.

Every action is a plain HTML form that posts and redirects, so the pages work without
JavaScript; static/mesa.js only makes voting quicker (through the JSON API).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, make_response, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from deliberation import services
from deliberation.errors import DeliberationError, Forbidden, Invalid
from deliberation.models import AccessMode, Conversation
from web.credentials import csrf_cookie_name, issue_participant_token, participant_cookie_name
from web.extensions import csrf, limit_joins, limiter
from web.group_names import group_label
from web.i18n import current_language
from web.participant.identity import (
    check_form_token,
    current_reader,
    forget_reader,
    is_embedded,
    remember,
)
from web.participant.opinion_map import opinion_map
from web.participant.pages import page_headers, page_url, template_helpers
from web.rate_limits import STATEMENTS_SCOPE, participant_key, statements_limit
from web.recognition import PAGES_BLUEPRINT, ParticipantCaller
from web.request_guard import PAGE_MESSAGES
from web.security import cookie_secure
from web.vote_budget import VoteBudgetSpent, self_limited, spend_vote

bp = Blueprint(
    PAGES_BLUEPRINT,
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
# Forms carry the participant's own CSRF token, checked by identity.check_form_token.
csrf.exempt(bp)
bp.context_processor(template_helpers)
bp.add_app_template_filter(group_label)
bp.after_request(page_headers)

CONVERSATION = "/<conversation:conversation_id>"
VOTES = {"1": 1, "-1": -1, "0": 0}
# What an embedding site passes to prove an xid (deliberation.services.embedding).
XID_PROOF_FIELDS = ("xid", "xid_expires", "xid_signature")

# What a refusal means to a participant, by the services' error code.
REFUSALS = {
    "conversation_closed": _l("This conversation is closed: it takes no more votes."),
    "conversation_not_found": _l("There is no conversation at this address."),
    "invite_invalid": _l("That invite code is not valid for this conversation."),
    "xid_not_allowed": _l("This conversation is open only through the site that invited you."),
    "xid_invalid": _l("The link that brought you here is not valid."),
    "xid_unsigned": _l("The link that brought you here is not valid."),
    "xid_signature_invalid": _l("The link that brought you here is not valid."),
    "xid_signature_too_long": _l("The link that brought you here is not valid."),
    "xid_signature_expired": _l(
        "The link that brought you here has expired. Open it again from the site that invited you."
    ),
    "cookies_blocked": _l(
        "Your browser does not let this page keep your participation inside the other site. "
        "Open the conversation in its own tab to take part."
    ),
    "sector_unknown": _l("Choose one of the sectors listed."),
    "sector_missing": _l("Choose one of the sectors listed."),
    "sector_set": _l("Your sector is already recorded."),
    "statement_empty": _l("Write a statement first."),
    "statement_too_long": _l("That statement is too long."),
    "statement_too_short": _l(
        "Say it in a sentence: a statement needs at least two words and six letters."
    ),
    "statement_duplicate": _l("That statement is already in the conversation."),
    "statements_closed": _l("This conversation does not take new statements."),
    "statement_rejected": _l("That statement was removed by the moderators."),
    "statement_not_accepted": _l("That statement is waiting for moderation."),
    "vote_invalid": _l("That vote is not valid."),
    "form_expired": _l("The form expired. Go back, reload the page and try again."),
    "join_first": _l("Join the conversation first."),
    "joins_busy": _l(
        "Many people are joining from this network right now. Wait a minute and try again."
    ),
    "votes_busy": _l("That was many votes in a short time. Wait a moment and try again."),
    "confirm_delete": _l("Tick the box to confirm that your participation should be deleted."),
    **PAGE_MESSAGES,  # refused at the door: a NUL character, a body too large
}


@bp.get(CONVERSATION)
def conversation_page(conversation_id: str):
    conversation = services.get_conversation(conversation_id)
    reader = current_reader(conversation_id)
    if not conversation.accepts_participation:
        summary = services.opinion_summary(conversation_id, reader.pid if reader else None)
        return _render("closed.html", conversation, summary=summary, map=opinion_map(summary))
    if reader is None:
        return _landing(conversation)
    next_up = services.next_statement(conversation_id, reader.pid)
    return _render("vote.html", conversation, next_up=next_up)


@bp.post(CONVERSATION + "/join")
@limit_joins(on_breach=lambda _limit: make_response(_error_page(429, "joins_busy")))
def join(conversation_id: str):
    conversation = services.get_conversation(conversation_id)
    if current_reader(conversation_id) is not None:
        return redirect(page_url("conversation_page"))
    check_form_token(conversation_id, None)
    try:
        joined = services.join_conversation(
            conversation_id,
            xid=request.form.get("xid") or None,
            xid_expires=request.form.get("xid_expires") or None,
            xid_signature=request.form.get("xid_signature") or None,
            invite_code=request.form.get("invite_code") or None,
            sector=request.form.get("sector") or None,
        )
    except (Forbidden, Invalid) as refusal:
        return _landing(conversation, error=refusal)
    token = issue_participant_token(joined.conversation_id, joined.pid, joined.token)
    asks_sector = joined.sector is None and _sector_asked_after_join(conversation)
    target = "sector_page" if asks_sector else "conversation_page"
    response = redirect(page_url(target))  # never with the token: see identity
    remember(response, conversation_id, token)
    return response


@bp.route(CONVERSATION + "/sector", methods=["GET", "POST"])
def sector_page(conversation_id: str):
    conversation = services.get_conversation(conversation_id)
    reader = _require_reader(conversation_id)
    if request.method == "POST":
        check_form_token(conversation_id, reader)
        services.declare_sector(conversation_id, reader.pid, request.form.get("sector", ""))
        return redirect(page_url("conversation_page"))
    return _render("sector.html", conversation)


@bp.post(CONVERSATION + "/votes")
@self_limited
def vote(conversation_id: str):
    reader = _require_reader(conversation_id)
    check_form_token(conversation_id, reader)
    spend_vote(conversation_id, reader.pid)
    tid, vote = _form_tid(), VOTES.get(request.form.get("vote", ""))
    if vote is None:
        abort(400, description="vote_invalid")
    services.cast_vote(conversation_id, reader.pid, tid, vote)
    if request.form.get("back") == "votes":
        return redirect(page_url("votes_page", _anchor=f"s{tid}"))
    return redirect(page_url("conversation_page"))


@bp.get(CONVERSATION + "/votes")
def votes_page(conversation_id: str):
    conversation = services.get_conversation(conversation_id)
    reader = _require_reader(conversation_id)
    return _render(
        "votes.html", conversation, votes=services.own_votes(conversation_id, reader.pid)
    )


@bp.get(CONVERSATION + "/statements")
def statements_page(conversation_id: str):
    conversation = services.get_conversation(conversation_id)
    reader = _require_reader(conversation_id)
    return _statements(conversation, reader, added=request.args.get("added", type=int))


@bp.post(CONVERSATION + "/statements")
@limiter.shared_limit(
    statements_limit, scope=STATEMENTS_SCOPE, key_func=participant_key, override_defaults=False
)
def add_statement(conversation_id: str):
    conversation = services.get_conversation(conversation_id)
    reader = _require_reader(conversation_id)
    check_form_token(conversation_id, reader)
    text = request.form.get("text", "")
    if request.form.get("anyway") != "1":
        # Someone already said this? Offer to vote on theirs; the form can still send it.
        similar = services.similar_to_draft(conversation_id, reader.pid, text, current_language())
        if similar:
            return _statements(conversation, reader, draft=text, similar=similar)
    try:
        added = services.submit_statement(
            conversation_id, reader.pid, text, language=current_language()
        )
    except DeliberationError as refusal:
        return _statements(conversation, reader, draft=text, error=refusal)
    return redirect(page_url("statements_page", added=added.tid))


@bp.get(CONVERSATION + "/group")
def group_page(conversation_id: str):
    conversation = services.get_conversation(conversation_id)
    reader = _require_reader(conversation_id)
    summary = services.opinion_summary(conversation_id, reader.pid)
    return _render("group.html", conversation, summary=summary, map=opinion_map(summary))


@bp.get(CONVERSATION + "/privacy")
def privacy_page(conversation_id: str):
    current_reader(conversation_id)  # a participant here is offered to delete their votes
    return _render("privacy.html", services.get_conversation(conversation_id))


@bp.post(CONVERSATION + "/leave")
def leave(conversation_id: str):
    """Delete the reader's participation (deliberation.services.privacy) and their cookies."""
    conversation = services.get_conversation(conversation_id)
    reader = _require_reader(conversation_id)
    check_form_token(conversation_id, reader)
    if request.form.get("confirm") != "yes":  # one tap on a phone must not delete everything
        abort(400, description="confirm_delete")
    services.delete_participation(conversation_id, reader.pid)
    forget_reader(conversation_id)
    response = make_response(_render("privacy.html", conversation, deleted=True))
    # A framed page's cookies are partitioned: only the same attributes remove them.
    framed = is_embedded() and cookie_secure()
    for name in (participant_cookie_name(conversation_id), csrf_cookie_name(conversation_id)):
        response.delete_cookie(
            name,
            path="/",
            secure=framed,
            samesite="None" if framed else None,
            partitioned=framed,
        )
    return response


@bp.errorhandler(DeliberationError)
def refused(error: DeliberationError):
    return _error_page(error.http_status, error.code)


@bp.errorhandler(VoteBudgetSpent)
def votes_busy(error: VoteBudgetSpent):
    response = make_response(_error_page(429, "votes_busy"))
    response.headers.extend(
        (name, value) for name, value in error.get_headers() if name == "Retry-After"
    )
    return response


@bp.errorhandler(HTTPException)
def failed(error: HTTPException):
    if error.code is None or error.code < 400 or error.code == 429:
        return error  # a redirect, or the rate limiter's own answer
    return _error_page(error.code, error.description if error.description in REFUSALS else None)


def _error_page(status: int, code: str | None):
    conversation_id = (request.view_args or {}).get("conversation_id")
    try:
        conversation = services.get_conversation(conversation_id) if conversation_id else None
    except DeliberationError:
        conversation = None
    message = REFUSALS.get(code or "")
    own_tab = None
    if code == "cookies_blocked" and conversation is not None:
        # The same landing, outside the frame, where its cookies are first-party.
        proof = {name: request.form[name] for name in XID_PROOF_FIELDS if request.form.get(name)}
        own_tab = page_url("conversation_page", **proof)
    return render_template(
        "participant/error.html",
        conversation=conversation,
        status=status,
        message=message,
        own_tab=own_tab,
    ), status


def _render(template: str, conversation: Conversation, status: int = 200, **context: Any):
    page = render_template(f"participant/{template}", conversation=conversation, **context)
    return page, status


def _landing(conversation: Conversation, error: DeliberationError | None = None):
    code = request.values.get("invite_code") or request.args.get("invite")
    code_sector = services.sector_of_invite(conversation, code)
    return _render(
        "landing.html",
        conversation,
        status=error.http_status if error else 200,
        error=REFUSALS.get(error.code) if error else None,
        code_sector=code_sector,
        asks_sector=bool(conversation.stakeholder_sectors)
        and code_sector is None
        and not _sector_asked_after_join(conversation),
    )


def _statements(
    conversation: Conversation,
    reader: ParticipantCaller,
    *,
    added: int | None = None,
    draft: str = "",
    error: DeliberationError | None = None,
    similar: list | None = None,
):
    own = services.own_statements(conversation.public_id, reader.pid)
    return _render(
        "statements.html",
        conversation,
        status=error.http_status if error else 200,
        own=own,
        added=added,
        draft=draft,
        error=REFUSALS.get(error.code, REFUSALS["statement_empty"]) if error else None,
        similar=similar or [],
    )


def _sector_asked_after_join(conversation: Conversation) -> bool:
    """With invite codes the sector is asked after joining: the code may have set it."""
    return bool(conversation.stakeholder_sectors) and conversation.access_mode is AccessMode.INVITE


def _require_reader(conversation_id: str) -> ParticipantCaller:
    reader = current_reader(conversation_id)
    if reader is None:
        abort(403, description="join_first")
    return reader


def _form_tid() -> int:
    try:
        tid = int(request.form.get("tid", ""))
    except ValueError:
        abort(400, description="vote_invalid")
    if not 0 <= tid < 2**31:
        abort(400, description="vote_invalid")
    return tid
