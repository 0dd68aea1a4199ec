"""Pages for anyone, with no conversation and no login: the methods page, which explains in plain
words every number Mesa shows and how it is computed (linked from the report and from the
participants' results)."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, url_for

from web.i18n import LANGUAGE_NAMES, LANGUAGE_PARAMETER, LANGUAGES, current_language

METHODS_PATH = "/methods"

bp = Blueprint("public", __name__, template_folder="templates")


@bp.get(METHODS_PATH)
def methods_page():
    language = current_language()
    links = [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": url_for("public.methods_page", **{LANGUAGE_PARAMETER: code}),
            "current": code == language,
        }
        for code in LANGUAGES
    ]
    page = render_template("public/methods.html", language=language, language_links=links)
    return page, 200, {"Cache-Control": "public, max-age=3600"}


def init_public_pages(app: Flask) -> None:
    app.register_blueprint(bp)


__all__ = ["METHODS_PATH", "init_public_pages"]
