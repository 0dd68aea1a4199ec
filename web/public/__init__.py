"""Pages for anyone, with no conversation and no login: the home page, where someone who was
given a conversation code or a sector's invite code (read out in the room, printed on a sheet)
types it in, and the methods page, which explains in plain words every number Mesa shows and
how it is computed (linked from the report and from the participants' results).

The home page lists no conversations: a link is how a conversation is shared, and a public
list would invite strangers into a round-table that was meant for its invitees."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, send_from_directory, url_for
from werkzeug.exceptions import HTTPException

from deliberation import services
from deliberation.errors import NotFound
from deliberation.identifiers import is_conversation_public_id
from web.i18n import current_language, language_links

METHODS_PATH = "/methods"

bp = Blueprint("public", __name__, template_folder="templates", static_folder="static")


@bp.get("/")
def home_page():
    """The code form submits here by GET, so it works without JavaScript and can be bookmarked."""
    typed = request.args.get("code")
    if typed is None:
        return _render_home(typed="", invalid=False, status=200)
    code = "".join(typed.split()).lower()
    if is_conversation_public_id(code):
        return redirect(url_for("participant.conversation_page", conversation_id=code))
    # A printed invite sheet says "enter the code": people type it here too. Its conversation's
    # landing page then joins them with it (deliberation.services.participants).
    try:
        conversation_id = services.conversation_of_invite(code)
    except NotFound:
        return _render_home(typed=typed[:40], invalid=True, status=400)
    return redirect(
        url_for("participant.conversation_page", conversation_id=conversation_id, invite=code)
    )


@bp.get(METHODS_PATH)
def methods_page():
    page = render_template(
        "public/methods.html",
        language=current_language(),
        min_group_votes=services.MIN_GROUP_VOTES,
        language_links=language_links("public.methods_page", {}),
    )
    return page, 200, {"Cache-Control": "public, max-age=3600"}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every page; a 404 there fills logs and consoles with errors."""
    return send_from_directory(bp.static_folder, "favicon.ico", max_age=7 * 24 * 3600)


def site_error_page(error: HTTPException):
    """A page outside the API that does not exist, in the reader's language, with the code form
    (a mistyped /c/<code> lands here); other errors keep Flask's own answer."""
    if error.code != 404:
        return error
    page = render_template(
        "public/not_found.html",
        language=current_language(),
        language_links=language_links("public.home_page", {}),
    )
    return page, 404


def _render_home(typed: str, invalid: bool, status: int):
    page = render_template(
        "public/home.html",
        language=current_language(),
        language_links=language_links("public.home_page", {}),
        typed=typed,
        invalid=invalid,
    )
    return page, status


def init_public_pages(app: Flask) -> None:
    app.register_blueprint(bp)


__all__ = ["METHODS_PATH", "init_public_pages", "site_error_page"]
