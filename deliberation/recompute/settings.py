"""The worker's knobs, from the app's config (web.settings fills it from the environment), else
the defaults below."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class RecomputeSettings:
    """Seconds throughout.

    The fast stage waits until a conversation has been quiet for `debounce_s` (a burst of votes
    costs one recompute, not one per vote), but never more than `max_wait_s` after the first
    unprocessed change, so a busy conversation still refreshes. Each loop looks for work every
    `poll_s`. A lease not renewed for `lease_s` is free for another worker to take.
    """

    debounce_s: float = 1.0
    max_wait_s: float = 5.0
    poll_s: float = 0.25
    lease_s: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RecomputeSettings:
        return cls(
            debounce_s=_number(config, "MESA_RECOMPUTE_DEBOUNCE_S", cls.debounce_s),
            max_wait_s=_number(config, "MESA_RECOMPUTE_MAX_WAIT_S", cls.max_wait_s),
            poll_s=_number(config, "MESA_RECOMPUTE_POLL_S", cls.poll_s),
            lease_s=_number(config, "MESA_RECOMPUTE_LEASE_S", cls.lease_s),
        )

    @property
    def lease_ms(self) -> int:
        return int(self.lease_s * 1000)


def embedded_worker_enabled(config: Mapping[str, Any]) -> bool:
    """MESA_EMBEDDED_WORKER: on by default, off under TESTING (tests start workers themselves)."""
    value = config.get("MESA_EMBEDDED_WORKER")
    if value is None:
        return not config.get("TESTING", False)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"MESA_EMBEDDED_WORKER must be true or false, not {value!r}")


def _number(config: Mapping[str, Any], key: str, default: float) -> float:
    value = config.get(key)
    if value is None:
        return default
    number = float(value)
    if number < 0:
        raise ValueError(f"{key} must not be negative, not {value!r}")
    return number
