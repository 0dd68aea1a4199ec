"""Facilitators' console sessions: log in, see who is logged in, log out."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema, fields
from apiflask.validators import Length
from flask_wtf.csrf import generate_csrf

from deliberation import services
from web.api.auth import FACILITATOR, PUBLIC, access
from web.api.schemas import PlainText
from web.credentials import bearer_token
from web.extensions import limit_logins
from web.facilitator_sessions import end_every_session, start_session

bp = APIBlueprint("session", __name__, tag="Session")


class Login(Schema):
    email = PlainText(required=True, validate=Length(min=1, max=320))
    password = PlainText(required=True, validate=Length(min=1, max=1_000))


class FacilitatorAccount(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)


class FacilitatorSession(Schema):
    facilitator = fields.Nested(FacilitatorAccount, required=True)
    csrf_token = fields.String(
        allow_none=True,
        metadata={"description": "Send as X-CSRF-Token on writes; null for API-token callers"},
    )


@bp.post("/session")
@limit_logins()
@access(PUBLIC, errors=[400, 403, 429])
@bp.input(Login, arg_name="login")
@bp.output(FacilitatorSession)
def log_in(login):
    """Log in to the console

    Sets the session cookie (HttpOnly, SameSite=Lax). A wrong email and a wrong password get
    the same 403.
    """
    facilitator = services.authenticate_facilitator(login["email"], login["password"])
    start_session(facilitator)
    return {"facilitator": facilitator, "csrf_token": generate_csrf()}


@bp.get("/session")
@access(FACILITATOR)
@bp.output(FacilitatorSession)
def current_session(facilitator):
    """Who is calling

    For a console session, also its CSRF token (for pages that lost it).
    """
    csrf_token = None if bearer_token() is not None else generate_csrf()
    return {"facilitator": facilitator, "csrf_token": csrf_token}


@bp.delete("/session")
@access(FACILITATOR)
@bp.output({}, status_code=204)
def log_out(facilitator):
    """Log out of the console

    Ends every console session of this facilitator, on every device.
    """
    end_every_session(facilitator.id)
    return ""
