"""Headers every response gets and cookie flags every cookie gets, whichever blueprint made it.

The Content-Security-Policy allows no inline script and no framing. A view that must be framed
(the embed route) sets its own policy with `content_security_policy(frame_ancestors=...)`;
headers a view set are never overwritten here.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Request, Response
from werkzeug.middleware.proxy_fix import ProxyFix

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
    # One pass over the headers a view set, rather than a `setdefault` scan per header: every
    # response goes through here, a vote's included.
    present = {name.lower() for name in response.headers.keys()}
    wanted = list(_HEADERS.items())
    if "content-security-policy" not in present:
        # For browsers that predate frame-ancestors; the embed route's own policy drops it.
        wanted.append(("X-Frame-Options", "DENY"))
    if request.is_secure:
        wanted.append(("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}"))
    response.headers.extend(
        [(name, value) for name, value in wanted if name.lower() not in present]
    )
    return response


def cookie_secure() -> bool:
    """Cookies are `Secure` on HTTPS requests (or always, with SESSION_COOKIE_SECURE).

    Behind a TLS-terminating proxy, set MESA_PROXY_HOPS (see `trusted_proxy_hops`) so that
    `request.is_secure` sees the original scheme.
    """
    return request.is_secure or bool(current_app.config["SESSION_COOKIE_SECURE"])


def cookie_flags(framed: bool) -> dict[str, object]:
    """`secure`, `samesite` and `partitioned` for a cookie the app sets.

    A cookie for a page in a third-party frame (`framed`) must be SameSite=None to come back,
    which browsers honour only over HTTPS; it is then Partitioned (CHIPS), so that each
    embedding site's frame gets a jar of its own. Otherwise (and on plain HTTP) it is Lax.
    """
    secure = cookie_secure()
    partitioned = framed and secure
    return {
        "secure": secure,
        "samesite": "None" if partitioned else "Lax",
        "partitioned": partitioned,
    }


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with `Secure` decided per request rather than once.

    A request without the session cookie (a phone voting with its bearer token, most API
    calls) gets an empty session without Flask building a signing serializer, and an empty
    session nobody touched is not looked at again when the response is saved: what Flask
    would do in both cases, for less of a vote's CPU.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookie_secure()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:
            if session.accessed:  # as Flask does; Flask-Login looks at every session
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def trusted_proxy_hops(app: Flask) -> int:
    """MESA_PROXY_HOPS (the app's config): how many proxies in front of the app set
    X-Forwarded-For/-Proto/-Host/-Port. 0, the default, trusts none of those headers, since a
    client could forge them; set it to 1 behind one TLS-terminating proxy (nginx, Caddy)."""
    value = app.config.get("MESA_PROXY_HOPS", 0)
    try:
        hops = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"MESA_PROXY_HOPS={value!r} must be a whole number") from None
    if hops < 0:
        raise ValueError(f"MESA_PROXY_HOPS={value!r} must not be negative")
    return hops


def init_security(app: Flask) -> None:
    app.session_interface = _SessionInterface()
    app.after_request(add_security_headers)
    if hops := trusted_proxy_hops(app):
        # The proxy's X-Forwarded-Proto makes request.is_secure true (Secure cookies, HSTS);
        # its X-Forwarded-For becomes remote_addr, which only the optional per-address rate
        # limit reads, and only as an HMAC pseudonym (web.rate_limits): it is never stored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
