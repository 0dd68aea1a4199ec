"""What a conversation's settings may be set to.

One validator per setting, shared by creation and later changes, so the two cannot disagree.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from deliberation.errors import Invalid
from deliberation.models import AccessMode

_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # BCP 47, e.g. "es", "es-MX"
MAX_STATEMENT_LENGTH_LIMIT = 10_000


def _text(name: str, *, max_length: int, required: bool = False) -> Callable[[Any], Any]:
    def validate(value: Any) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise Invalid(f"{name} must be text")
        value = value.strip()
        if required and not value:
            raise Invalid(f"{name} must not be empty")
        if len(value) > max_length:
            raise Invalid(f"{name} is longer than {max_length} characters")
        return value if value or required else None

    return validate


def _flag(name: str) -> Callable[[Any], bool]:
    def validate(value: Any) -> bool:
        if not isinstance(value, bool):
            raise Invalid(f"{name} must be true or false")
        return value

    return validate


def _integer(name: str, low: int, high: int) -> Callable[[Any], int]:
    def validate(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(f"{name} must be a whole number from {low} to {high}")
        return value

    return validate


def _optional_integer(name: str, low: int, high: int) -> Callable[[Any], int | None]:
    def validate(value: Any) -> int | None:
        return None if value is None else _integer(name, low, high)(value)

    return validate


def _languages(value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise Invalid("languages must be a list such as ['es', 'en']")
    for tag in value:
        if not isinstance(tag, str) or not _LANGUAGE_TAG.match(tag):
            raise Invalid(f"{tag!r} is not a language tag such as 'es' or 'es-MX'")
    return list(dict.fromkeys(value))


def _sectors(value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise Invalid("stakeholder_sectors must be a list of names")
    sectors = [_text("a sector", max_length=100, required=True)(sector) for sector in value]
    if len(set(sectors)) != len(sectors):
        raise Invalid("stakeholder_sectors lists a sector twice")
    return sectors


def _access_mode(value: Any) -> AccessMode:
    try:
        return AccessMode(value)
    except ValueError:
        modes = ", ".join(mode.value for mode in AccessMode)
        raise Invalid(f"access_mode must be one of {modes}") from None


@cache
def time_zones() -> frozenset[str]:
    """The IANA zone names this machine knows (the tzdata package when the system has none)."""
    return frozenset(zoneinfo.available_timezones())


def _time_zone(value: Any) -> str:
    if not isinstance(value, str) or value.strip() not in time_zones():
        raise Invalid(
            f"{value!r} is not a time zone name such as 'America/Ciudad_Juarez' or 'UTC'",
            code="time_zone",
        )
    return value.strip()


VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "topic": _text("topic", max_length=300, required=True),
    "description": lambda value: _text("description", max_length=10_000)(value) or "",
    "is_open": _flag("is_open"),
    "is_archived": _flag("is_archived"),
    "strict_moderation": _flag("strict_moderation"),
    "participants_can_add": _flag("participants_can_add"),
    "statement_max_length": _integer("statement_max_length", 1, MAX_STATEMENT_LENGTH_LIMIT),
    "languages": _languages,
    "subcommittee": _text("subcommittee", max_length=200),
    "stakeholder_sectors": _sectors,
    "access_mode": _access_mode,
    "attribution": _text("attribution", max_length=10_000),
    "is_data_open": _flag("is_data_open"),
    "math_seed": _integer("math_seed", 0, 2**63 - 1),
    # Days participation is kept (deliberation.services.privacy); None: no limit. 100 years max.
    "retention_days": _optional_integer("retention_days", 1, 36_500),
    "time_zone": _time_zone,
}


def validate_settings(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes with each value checked and normalised; `Invalid` names the first bad one."""
    unknown = sorted(set(changes) - set(VALIDATORS))
    if unknown:
        raise Invalid(f"unknown settings: {', '.join(unknown)}", code="unknown_setting")
    return {name: VALIDATORS[name](value) for name, value in changes.items()}


def stored_form(value: Any) -> Any:
    """A setting as it goes into the audit trail's JSON."""
    return value.value if isinstance(value, AccessMode) else value
