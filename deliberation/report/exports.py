"""The report for other tools: one JSON document, and one long CSV table (one figure a row) that
a spreadsheet can filter and pivot. Keys and column names are English in every language; the
statement texts are in the report's language. Text cells are neutralised against formula
injection (deliberation.polis_io.csv_formats.neutralise); numbers are written as numbers."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from deliberation.polis_io.csv_formats import neutralise
from deliberation.report.model import AgendaStatement, PlenaryReport, Share

FORMAT = "mesa-plenary-report/1"
CSV_HEADER = (
    "section",
    "rank",
    "tid",
    "statement",
    "measure",
    "subject",
    "n",
    "value",
    "low",
    "high",
)


def report_document(report: PlenaryReport) -> dict[str, Any]:
    """The report as JSON-ready values (dates as ISO text)."""
    document = _plain(dataclasses.asdict(report))
    # A stance's share is the plain count / n (a property, which asdict leaves out).
    for group, shown in zip(document["groups"], report.groups, strict=True):
        for stance, entry in zip(group["stances"], shown.stances, strict=True):
            stance["share"] = entry.share
    document["common_agenda"] = [_agenda_entry(entry) for entry in report.common_agenda]
    return {"format": FORMAT, **document}


def _agenda_entry(entry: AgendaStatement) -> dict[str, Any]:
    """One common-agenda statement as mesa-plenary-report/1 publishes it: the statement
    nested, and every share (group or sector) as {label, n, agree_share, interval}."""
    return _plain(
        dict(
            statement=dataclasses.asdict(entry.statement),
            consensus=entry.consensus,
            consensus_interval=entry.consensus_interval,
            majority_share=entry.majority_share,
            bridging=entry.bridging,
            bridging_interval=entry.bridging_interval,
            groups=[_share(share) for share in entry.groups],
            sectors=[_share(share) for share in entry.sectors],
            red_line_sectors=entry.red_line_sectors,
        )
    )


def _share(share) -> dict[str, Any]:
    return {
        "label": share.label,
        "n": share.n,
        "agree_share": share.agree_share,
        "interval": share.interval,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def report_json(report: PlenaryReport) -> str:
    return json.dumps(report_document(report), ensure_ascii=False, indent=2) + "\n"


def report_csv(report: PlenaryReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in _rows(report):
        writer.writerow(
            [
                "" if cell is None else neutralise(cell) if isinstance(cell, str) else cell
                for cell in row
            ]
        )
    return buffer.getvalue()


Row = tuple[Any, ...]


def _row(
    section, rank=None, statement=None, measure="", subject="", n=None, value=None, interval=None
) -> Row:
    tid, text = (statement.tid, statement.text) if statement is not None else (None, None)
    low, high = interval if interval else (None, None)
    return (
        section,
        rank,
        tid,
        text,
        measure,
        subject,
        n,
        _number(value),
        _number(low),
        _number(high),
    )


def _number(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def _shares(section: str, rank: int, statement, measure: str, shares: tuple[Share, ...]):
    for share in shares:
        yield _row(
            section,
            rank,
            statement,
            measure,
            share.label,
            share.n,
            share.agree_share,
            share.interval,
        )


def _local_iso(report: PlenaryReport, ms: int) -> str:
    zone = ZoneInfo(report.time_zone) if report.time_zone != "UTC" else dt.UTC
    return dt.datetime.fromtimestamp(ms / 1000, zone).isoformat(timespec="seconds")


def _rows(report: PlenaryReport) -> Iterator[Row]:
    yield _row("report", measure="conversation", subject=report.conversation_id)
    yield _row("report", measure="topic", subject=report.topic)
    yield _row("report", measure="language", subject=report.language)
    yield _row("report", measure="generated_ms", value=report.generated_ms)
    # The same moment on the table's clock, ISO 8601 with its offset, and the zone it is in.
    yield _row("report", measure="time_zone", subject=report.time_zone)
    yield _row("report", measure="generated_local", subject=_local_iso(report, report.generated_ms))
    yield _row("report", measure="math_version", value=report.math_version)
    if report.attribution:
        yield _row("attribution", measure="attribution", subject=report.attribution)
    if report.snapshot:
        yield _row(
            "snapshot", measure="sha256", subject=report.snapshot.sha256, value=report.snapshot.id
        )
    p = report.participation
    for measure in ("participants", "voters", "votes", "statements", "grouped"):
        yield _row("participation", measure=measure, value=getattr(p, measure))
    for sector, n in p.sectors:
        yield _row("participation", measure="sector_participants", subject=sector or "", n=n)
    for bucket in p.timeline:
        yield _row(
            "timeline",
            measure="joined_votes",
            subject=str(bucket.start_ms),
            n=bucket.joined,
            value=bucket.votes,
        )
    if report.stability is not None:
        yield _row("stability", measure="adjusted_rand", value=report.stability)
    for rank, entry in enumerate(report.common_agenda, start=1):
        s = entry.statement
        yield _row(
            "common_agenda",
            rank,
            s,
            "group_informed_consensus",
            value=entry.consensus,
            interval=entry.consensus_interval,
        )
        yield _row("common_agenda", rank, s, "majority_share", value=entry.majority_share)
        yield _row(
            "common_agenda",
            rank,
            s,
            "bridging_score",
            value=entry.bridging,
            interval=entry.bridging_interval,
        )
        yield from _shares("common_agenda", rank, s, "group_agree_share", entry.groups)
        yield from _shares("common_agenda", rank, s, "sector_agree_share", entry.sectors)
        for sector in entry.red_line_sectors:
            yield _row("common_agenda", rank, s, "sector_red_line", sector)
    for group in report.groups:
        yield _row(
            "group", measure="size", subject=group.label, n=group.size, value=group.stability
        )
        for rank, stance in enumerate(group.stances, start=1):
            measure = "represents_agree" if stance.agrees else "represents_disagree"
            yield _row(
                "group", rank, stance.statement, measure, group.label, stance.n, stance.share
            )
    for rank, entry in enumerate(report.divisive, start=1):
        yield _row("divisive", rank, entry.statement, "spread", value=entry.spread)
        yield from _shares("divisive", rank, entry.statement, "group_agree_share", entry.groups)
    for rank, entry in enumerate(report.uncertain, start=1):
        yield _row("uncertain", rank, entry.statement, entry.reason, value=entry.value)
    for item in report.agenda_items:
        s = item.statement
        yield _row("agenda_item", None, s, "status", item.status)
        yield _row("agenda_item", None, s, "subcommittee", item.subcommittee)
        yield _row("agenda_item", None, s, "responsible_body", item.responsible_body)
        yield _row("agenda_item", None, s, "government_level", item.government_level or "")
        yield _row(
            "agenda_item", None, s, "due_date", item.due_date.isoformat() if item.due_date else ""
        )
        for note in item.notes:
            yield _row("agenda_item", None, s, "note", f"{note.noted_on.isoformat()}: {note.text}")
