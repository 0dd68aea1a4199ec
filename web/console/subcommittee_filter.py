"""Filtering and grouping a page's rows by subcommittee: the agenda, the follow-up and their
filter control (`?subcommittee=<id>`, or `none` for the rows with no subcommittee).

Rows are anything with a `subcommittee_id`; groups follow the subcommittees' order, with the
rows that have none last, so every page lists them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import request

from deliberation.errors import Invalid, NotFound

PARAMETER = "subcommittee"
NONE = "none"


@dataclass(frozen=True)
class SubcommitteeFilter:
    """What the page was asked to show: every row (`value` ""), one subcommittee's (its id),
    or those with none (`NONE`)."""

    value: str
    subcommittee_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.value)

    def keeps(self, subcommittee_id: int | None) -> bool:
        if not self.value:
            return True
        if self.value == NONE:
            return subcommittee_id is None
        return subcommittee_id == self.subcommittee_id


def requested_filter(subcommittees: Sequence[Any]) -> SubcommitteeFilter:
    """The filter in the query string: 400 when it is not a number, 404 when it names a
    subcommittee the conversation does not have."""
    value = (request.args.get(PARAMETER) or "").strip()
    if value in ("", NONE):
        return SubcommitteeFilter(value)
    if not value.isdigit() or len(value) > 10:
        raise Invalid(f"{value!r} is not a subcommittee", code="subcommittee_invalid")
    chosen = int(value)
    if chosen not in {s.id for s in subcommittees}:
        raise NotFound(f"no subcommittee {chosen} here", code="subcommittee_not_found")
    return SubcommitteeFilter(value, chosen)


def grouped(
    rows: Iterable[Any], subcommittees: Sequence[Any], chosen: SubcommitteeFilter
) -> list[tuple[Any | None, list[Any]]]:
    """(subcommittee or None, its rows) for each subcommittee with rows the filter keeps, in the
    subcommittees' order, then the rows with none."""
    kept = [row for row in rows if chosen.keeps(row.subcommittee_id)]
    groups = [(s, [row for row in kept if row.subcommittee_id == s.id]) for s in subcommittees]
    known = {s.id for s in subcommittees}
    groups.append((None, [row for row in kept if row.subcommittee_id not in known]))
    return [(subcommittee, members) for subcommittee, members in groups if members]
