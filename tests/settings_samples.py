"""A value other than the default for every row of web.settings.SETTINGS: what the settings
tests put in the environment to prove each setting is read.

A new row needs nothing here when its kind's generic sample lets the app start; otherwise give
it a specific sample in `SPECIFIC`.
"""

from __future__ import annotations

from web.setting_types import (
    FLAG,
    KEY_LIST,
    LIMIT_OR_SWITCH,
    RATE_LIMIT,
    SECONDS,
    URL,
    WHOLE_NUMBER,
)
from web.settings import SETTINGS, Setting

# Strong enough for an app outside tests (web.secret_keys).
SAMPLE_KEY = "sample-secret-key-" + "0123456789abcdef" * 2
SAMPLE_FALLBACKS = [
    "old-key-one-" + "0123456789abcdef" * 2,
    "old-key-two-" + "fedcba9876543210" * 2,
]

SPECIFIC = {
    "SECRET_KEY": SAMPLE_KEY,
    "SECRET_KEY_FALLBACKS": ",".join(SAMPLE_FALLBACKS),
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "MESA_PUBLIC_URL": "https://mesa.example.org",
    "MESA_EMBED_FRAME_ANCESTORS": "https://municipio.example",
    "MESA_EMBEDDED_WORKER": "false",  # the default under a server is true
    "WEB_CONCURRENCY": "2",
    "MESA_GUNICORN_WORKER_CLASS": "sync",
    "MESA_GUNICORN_LOGLEVEL": "info",
}


def sample(setting: Setting) -> str:
    """The environment text the tests set for `setting` (DATABASE_URL, RATELIMIT_STORAGE_URI,
    MESA_BIND and MESA_GUNICORN_ACCESSLOG depend on the test's own database, Redis, port and
    folder: the tests set those themselves)."""
    if setting.name in SPECIFIC:
        return SPECIFIC[setting.name]
    default = setting.default_value()
    if setting.kind is WHOLE_NUMBER:
        return str((default or 0) + 3)
    if setting.kind is SECONDS:
        return str(default * 2 + 0.5)
    if setting.kind is FLAG:
        return "false" if default in (True, None) else "true"
    if setting.kind is RATE_LIMIT:
        return "7/minute"
    if setting.kind is LIMIT_OR_SWITCH:
        return "600/minute"
    if setting.kind is KEY_LIST:
        return ",".join(SAMPLE_FALLBACKS)
    if setting.kind is URL:
        return "https://sample.example"
    return "sample-text"


def sample_environment(**given: str) -> dict[str, str]:
    """Every setting's sample, with `given` values (the database, Redis, port) on top."""
    return {setting.name: sample(setting) for setting in SETTINGS} | given
