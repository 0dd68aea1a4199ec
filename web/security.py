"""Headers every response gets and cookie flags every cookie gets, whichever blueprint made it.

The Content-Security-Policy allows no inline script and no framing. A view that must be framed
(the embed route) sets its own policy with `content_security_policy(frame_ancestors=...)`;
headers a view set are never overwritten here.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask.wrappers import Response

# One year, as browsers' HSTS preload lists expect.
HSTS_MAX_AGE = 365 * 24 * 60 * 60


def content_security_policy(frame_ancestors: str = "'none'") -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


_HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    # Same-origin requests keep the Referer, which Flask-WTF's HTTPS CSRF check needs; other
    # sites never learn which conversation a participant came from.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def add_security_headers(response: Response) -> Response:
    framed = "Content-Security-Policy" in response.headers
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    if not framed:
        # For browsers that predate frame-ancestors; the embed route's own policy drops it.
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}")
    return response


def cookie_secure() -> bool:
    """Cookies are `Secure` on HTTPS requests (or always, with SESSION_COOKIE_SECURE).

    Behind a TLS-terminating proxy, wrap the app in werkzeug's ProxyFix so that
    `request.is_secure` sees the original scheme.
    """
    return request.is_secure or bool(current_app.config["SESSION_COOKIE_SECURE"])


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with `Secure` decided per request rather than once."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookie_secure()


def init_security(app: Flask) -> None:
    app.session_interface = _SessionInterface()
    app.after_request(add_security_headers)
