"""The strength rule for SECRET_KEY and SECRET_KEY_FALLBACKS, checked when an app starts.

Anyone holding one console session cookie or participant token can try keys against its HMAC
offline, as fast as their hardware allows: `SECRET_KEY=short` let a tester forge a console
session. A key must therefore be at least 32 characters long and use at least 10 different
characters (which rules out padding such as "aaaa..." or "abcabc..."): 32 random hexadecimal
digits are 128 bits. The key generated into instance/secret_key (64 hexadecimal digits) and
`python -c "import secrets; print(secrets.token_hex(32))"` both pass. Former keys in
SECRET_KEY_FALLBACKS still verify signatures, so they are held to the same rule.

Debug servers and tests may use short keys: they are not reachable by an attacker.
"""

from __future__ import annotations

from flask import Flask

MIN_KEY_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10


class WeakSecretKey(RuntimeError):
    """Raised by `create_app` instead of serving with a key that can be guessed offline."""


def is_strong(key: str | bytes) -> bool:
    return len(key) >= MIN_KEY_LENGTH and len(set(key)) >= MIN_DISTINCT_CHARACTERS


def refuse_weak_secret_keys(app: Flask) -> None:
    """Refuse to start outside debug and tests with a weak SECRET_KEY or fallback."""
    if app.debug or app.testing:
        return
    keys = {"SECRET_KEY": [app.config["SECRET_KEY"]]}
    keys["SECRET_KEY_FALLBACKS"] = list(app.config.get("SECRET_KEY_FALLBACKS") or [])
    for name, values in keys.items():
        if not all(is_strong(value) for value in values):
            raise WeakSecretKey(
                f"{name} is too weak to resist offline guessing: use at least "
                f"{MIN_KEY_LENGTH} characters with at least {MIN_DISTINCT_CHARACTERS} different "
                "ones, e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
            )
