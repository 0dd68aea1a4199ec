"""A page's topic filter (`?topic=<index>&topics=<version>`): the map's statement explorer and
the moderation queue show only the statements of the topic chosen.

A topic is named by its index in one computation of the topics (`topics`, the newest when left
out). The worker recomputes the topics whenever statements arrive and numbers them anew; a
filter made on older topics then follows its topic (`services.topic_filter`), and says so when
no newest topic continues it.
"""

from __future__ import annotations

from typing import Any

from flask import request

from deliberation.errors import Invalid
from deliberation.services import TopicFilter, topic_filter

PARAMETER = "topic"
VERSION = "topics"
# The findings' lists of statements (deliberation.services.findings), each entry with a "tid".
FINDINGS_LISTS = ("group_aware_consensus", "divisive", "uncertain")


def requested_topic(facilitator_id: int, conversation_id: str) -> TopicFilter:
    """The filter the query string asks for (no topic: all): 400 when `topic` or `topics` is
    not a number, 404 when there is no such topic."""
    return topic_filter(
        facilitator_id,
        conversation_id,
        _number(request.args.get(PARAMETER)),
        _number(request.args.get(VERSION)),
    )


def filter_arguments(topic: str | None, version: str | None) -> dict[str, str | None]:
    """The filter's query arguments as a form posted them, for a redirect: dropped when not
    numbers (the page they lead to would refuse them)."""
    if not _is_number(topic):
        return {PARAMETER: None, VERSION: None}
    return {PARAMETER: topic, VERSION: version if _is_number(version) else None}


def _number(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not _is_number(value):
        raise Invalid(f"{value!r} is not a topic", code="topic_invalid")
    return int(value)


def _is_number(value: str | None) -> bool:
    return bool(value) and value.isdigit() and len(value) <= 6


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
