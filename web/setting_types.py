"""The types of web.settings' rows: how a setting's environment text is read and printed.

Each parser raises ValueError with a short reason; `Setting.read` adds the variable's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Kind:
    """A setting's type: how its environment text is read, and how its value is printed."""

    name: str
    parse: Callable[[str], Any]
    show: Callable[[Any], str] = str


def _text(value: str) -> str:
    return value.strip()


def _whole_number(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _flag(value: str) -> bool:
    text = value.strip().lower()
    if text not in _TRUE | _FALSE:
        raise ValueError("must be true or false")
    return text in _TRUE


def _limit_or_switch(value: str) -> str | bool:
    """Off for "false", "0", "off" or ""; on for "true", "1" or "on"; else the limit itself."""
    switch = value.strip().lower()
    if switch in _FALSE | {""}:
        return False
    if switch in _TRUE:
        return True
    return value.strip()


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _database_url(value: str) -> str:
    """Accept the usual postgres:// and postgresql:// URLs; we ship psycopg 3, not psycopg2."""
    url = value.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _without_password(url: Any) -> str:
    """A URL as printed: its password (redis://:pw@host, postgresql://user:pw@host) hidden."""
    if not url:
        return str(url)
    parts = urlsplit(str(url))
    if parts.password is None:
        return str(url)
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def _shown_flag(value: Any) -> str:
    return "true" if value is True else "false" if value is False else str(value)


TEXT = Kind("text", _text)
WHOLE_NUMBER = Kind("whole number", _whole_number)
SECONDS = Kind("seconds", _seconds)
FLAG = Kind("true/false", _flag, _shown_flag)
RATE_LIMIT = Kind("rate limit", _text)
LIMIT_OR_SWITCH = Kind("rate limit or true/false", _limit_or_switch, _shown_flag)
KEY_LIST = Kind("comma-separated list", _comma_list, ", ".join)
DATABASE_URL = Kind("URL", _database_url, _without_password)
URL = Kind("URL", _text, _without_password)
