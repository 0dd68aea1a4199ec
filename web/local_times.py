"""Times as the table reads them: in the conversation's own time zone, with the zone named.

A round-table meets in one city; its facilitators, its projector and its plenary read times on
that city's clock. A stored time is milliseconds since the epoch (UTC); every page, report and
export that shows one goes through here, so that a time printed in the report is the time the
console showed for the same moment. The abbreviation ("MST") is what people read; where a time
stands alone (a report's heading, an export's column) the zone's full name is given once.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import g

DAY_MS = 24 * 3600_000


@cache
def zone(name: str | None) -> tzinfo:
    """The zone called `name`; UTC for None or an unknown name (a zone removed from tzdata
    must not break a page)."""
    if not name or name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name, sorted, for a facilitator to choose from."""
    return tuple(sorted(available_timezones()))


def local(ms: int, zone_name: str | None) -> datetime:
    return datetime.fromtimestamp(ms / 1000, zone(zone_name))


def moment(ms: int | None, zone_name: str | None) -> str:
    """ "2026-12-04 14:46 MST": minute, local date and the zone's abbreviation."""
    if ms is None:
        return "—"
    when = local(ms, zone_name)
    return f"{when:%Y-%m-%d %H:%M} {when.tzname()}"


def clock(ms: int, zone_name: str | None, bucket_ms: int) -> str:
    """An axis tick: the time of day, or the date for buckets of a day or more."""
    when = local(ms, zone_name)
    return f"{when:%Y-%m-%d}" if bucket_ms >= DAY_MS else f"{when:%H:%M}"


def current_zone() -> str:
    """The zone of the conversation the request is about (set by the console), else UTC."""
    return g.get("time_zone") or "UTC"


def console_time(ms: int | None) -> str:
    """Jinja filter: a stored time in the current conversation's zone."""
    return moment(ms, current_zone())
