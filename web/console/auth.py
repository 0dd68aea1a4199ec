"""Logging in and out of the console, and changing one's password."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from deliberation import services
from deliberation.errors import Forbidden, Invalid
from web.console.forms import LoginForm, PasswordForm
from web.console.language import adopt_language_at_login
from web.console.pages import facilitator_id, flash_form_errors
from web.extensions import limit_logins
from web.facilitator_sessions import end_every_session, renew_session, start_session


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/login", view_func=login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", view_func=logout, methods=["POST"])
    bp.add_url_rule("/password", view_func=change_password, methods=["GET", "POST"])


def _safe_next(target: str | None) -> str:
    r"""Only a path on this site, so the login page cannot be used to send people elsewhere.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so `/\t/evil`
    and `/\evil` lead off-site; a newline would also split the Location header. So the
    target must be printable ASCII without spaces or backslashes, and it must stay a bare path
    (no scheme, no host) when read as given and once percent-decoded.
    """
    if target and _is_local_path(target) and _is_local_path(unquote(target)):
        return target
    return url_for("console.conversations")


def _is_local_path(target: str) -> bool:
    if not (target.isascii() and target.isprintable()) or " " in target or "\\" in target:
        return False
    parts = urlsplit(target)
    return (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
    )


def _login_limited() -> bool:
    return request.method != "POST"


@limit_logins(exempt_when=_login_limited)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(form.next.data))
    if form.validate_on_submit():
        try:
            facilitator = services.authenticate_facilitator(form.email.data, form.password.data)
        except Forbidden:
            flash(gettext("Wrong email or password."), "error")
        else:
            start_session(facilitator)
            adopt_language_at_login(facilitator)
            return redirect(_safe_next(form.next.data))
    else:
        flash_form_errors(form)
    return render_template("console/login.html", form=form), 200


def logout():
    end_every_session(facilitator_id())
    flash(gettext("Logged out."), "info")
    return redirect(url_for("console.login"))


def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(facilitator_id(), form.current.data, form.new.data)
        except (Forbidden, Invalid) as refusal:
            flash(_password_refusal(refusal), "error")
        else:
            renew_session(facilitator_id())
            flash(gettext("Password changed."), "info")
            return redirect(url_for("console.conversations"))
    else:
        flash_form_errors(form)
    return render_template("console/password.html", form=form)


def _password_refusal(refusal: Forbidden | Invalid) -> str:
    if refusal.code == "password_wrong":
        return gettext("The current password is wrong.")
    if refusal.code == "password_short":
        return gettext("The new password needs at least 10 characters.")
    return str(refusal).capitalize() + "."
