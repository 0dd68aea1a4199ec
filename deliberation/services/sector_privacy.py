"""Small sector cells stay hidden: the one place that decides which sector figures may be shown.

A sector is declared by few people (the two prosecutors at the table, the one ombudsman's
office), so "the prosecutors' sector agrees 2 of 2" tells everyone how two named people voted.
Every figure about a sector (participants in it, its agree or disagree share on a statement,
whether a statement is its red line) is therefore shown only when the cell it describes holds at
least `MESA_MIN_SECTOR_CELL` participants (the app's config; 5 by default, as the issue asks).
A suppressed cell is shown as suppressed, never as a number, a bar or a flag.

An empty cell (0 participants) is not suppressed: it points at no one.
"""

from __future__ import annotations

from flask import current_app, has_app_context

DEFAULT_MIN_SECTOR_CELL = 5
CONFIG_KEY = "MESA_MIN_SECTOR_CELL"


def min_sector_cell() -> int:
    """The smallest cell shown: the app's config, else 5 (at least 1)."""
    value = current_app.config.get(CONFIG_KEY) if has_app_context() else None
    try:
        minimum = int(value) if value not in (None, "") else DEFAULT_MIN_SECTOR_CELL
    except (TypeError, ValueError):
        raise ValueError(f"{CONFIG_KEY} must be a whole number, got {value!r}") from None
    return max(minimum, 1)


def is_suppressed(participants: int, minimum: int | None = None) -> bool:
    """True when a cell of `participants` people is too small to show (1 .. minimum - 1)."""
    minimum = min_sector_cell() if minimum is None else minimum
    return 0 < participants < minimum


def shown_count(participants: int, minimum: int | None = None) -> int | None:
    """The count itself when it may be shown, None when the cell is suppressed."""
    return None if is_suppressed(participants, minimum) else participants
