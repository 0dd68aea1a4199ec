"""A page's topic filter (`?topic=<index>` of the newest topics): the map's statement explorer
and the moderation queue show only the statements of the topic chosen.

A topic is named by its index in the newest topic result; when the worker recomputes the topics
the indices may change, and a filter then keeps whichever topic now has that index (the select
shows its name).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import request

from deliberation.errors import Invalid, NotFound

PARAMETER = "topic"
# The findings' lists of statements (deliberation.services.findings), each entry with a "tid".
FINDINGS_LISTS = ("group_aware_consensus", "divisive", "uncertain")


def requested_topic(topics: Sequence[Any]) -> Any | None:
    """The topic in the query string, None for all: 400 when it is not a number, 404 when the
    newest topics have no such topic."""
    value = (request.args.get(PARAMETER) or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 6:
        raise Invalid(f"{value!r} is not a topic", code="topic_invalid")
    index = int(value)
    if not 0 <= index < len(topics):
        raise NotFound(f"no topic {index} here", code="topic_not_found")
    return topics[index]


def findings_of_topic(findings: dict | None, topic: Any | None) -> dict | None:
    """The findings with every list cut to the topic's statements (all of them: no topic)."""
    if findings is None or topic is None:
        return findings
    tids = set(topic.tids)

    def keep(entries):
        return [entry for entry in entries or [] if entry["tid"] in tids]

    cut = {name: keep(findings.get(name)) for name in FINDINGS_LISTS}
    majority = findings.get("majority") or {}
    cut["majority"] = {side: keep(majority.get(side)) for side in ("agree", "disagree")}
    return {**findings, **cut}
