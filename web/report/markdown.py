"""The report as Markdown, in the report's language: for a wiki, an email or a shared document.

Statement texts are the participants' words: every Markdown control character in them is
escaped, so a statement cannot add a heading, a link or a table cell of its own."""

from __future__ import annotations

import re

from flask_babel import force_locale, gettext, ngettext

from deliberation.report import PlenaryReport
from deliberation.report.model import Share
from web.figures import estimated_points
from web.report.render import (
    LEVEL_LABELS,
    STATUS_LABELS,
    interval,
    methods_url,
    percent,
    report_time,
)

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def escape_markdown(text: str) -> str:
    """One line of literal text: control characters backslash-escaped, line breaks as spaces."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _shares_table(title: str, shares: tuple[Share, ...]) -> list[str]:
    if not shares:
        return []
    lines = [
        "",
        f"| {title} | {gettext('Agree')} | n | {gettext('Interval (90%)')} |",
        "|---|---:|---:|---|",
    ]
    lines += [
        f"| {escape_markdown(s.label)} | {percent(s.agree_share)} | {s.n} | "
        f"{interval(s.interval) or '—'} |"
        for s in shares
    ]
    return lines


def uncertainty_reason(reason: str, value: float) -> str:
    if reason == "passes":
        return gettext("%(share)s passed", share=percent(value))
    if reason == "few_votes":
        return ngettext("only %(num)s vote", "only %(num)s votes", int(value))
    return gettext("consensus interval %(width)s wide", width=f"{value:.2f}")


def report_markdown(report: PlenaryReport) -> str:
    with force_locale(report.language):
        return "\n".join(_lines(report)) + "\n"


def _lines(report: PlenaryReport) -> list[str]:  # noqa: C901 - one section after another
    p = report.participation
    out = [
        f"# {gettext('Report for the plenary')}: {escape_markdown(report.topic)}",
        "",
        f"- {gettext('Conversation')}: `{report.conversation_id}`",
        f"- {gettext('Report generated')}: {report_time(report, report.generated_ms)}",
        f"- {gettext('Results computed')}: {report_time(report, report.math_computed_ms)}",
    ]
    if report.snapshot:
        out.append(
            f"- {gettext('Snapshot')}: #{report.snapshot.id}, "
            f"{report_time(report, report.snapshot.created_ms)}, SHA-256 `{report.snapshot.sha256}`"
        )
    else:
        unfrozen = gettext("No snapshot taken: these figures may still change.")
        out.append(f"- {gettext('Snapshot')}: {unfrozen}")
    if report.attribution:
        out.append(f"- {gettext('Data:')} {escape_markdown(report.attribution)}")
    out.append(f"- {gettext('Methods')}: {methods_url(report.language)}")

    out += ["", f"## {gettext('Participation')}", ""]
    out += [
        f"- {gettext('participants')}: {p.participants}",
        f"- {gettext('voted')}: {p.voters}",
        f"- {gettext('votes')}: {p.votes}",
        f"- {gettext('statements')}: {p.statements}",
        f"- {gettext('opinion groups')}: {len(report.groups)}",
        f"- {_coordinated(p.coordinated_excluded)}: {p.coordinated_flagged}",
    ]
    if report.stability is not None:
        out.append(f"- {gettext('group stability (0 to 1)')}: {report.stability:.2f}")
    if p.sectors:
        out += ["", f"| {gettext('Participants by sector')} | n |", "|---|---:|"]
        unsaid = gettext("No sector given")
        out += [
            f"| {escape_markdown(sector) if sector is not None else unsaid} | {n} |"
            for sector, n in p.sectors
        ]
    if p.sectors_withheld:
        out += [
            "",
            ngettext(
                "%(num)s sector with fewer than %(min)s participants is not shown.",
                "%(num)s sectors with fewer than %(min)s participants are not shown.",
                p.sectors_withheld,
                min=report.min_sector_cell,
            ),
        ]

    out += ["", f"## {gettext('Common agenda')}", ""]
    if report.agenda_ranked > len(report.common_agenda):
        out += [
            gettext(
                "The first %(shown)s of %(total)s statements ranked.",
                shown=len(report.common_agenda),
                total=report.agenda_ranked,
            ),
            "",
        ]
    for rank, entry in enumerate(report.common_agenda, start=1):
        s = entry.statement
        consensus = f"{entry.consensus:.2f}"
        if entry.consensus_interval:
            consensus += f" (90%: {interval(entry.consensus_interval, False)})"
        bridging = "—" if entry.bridging is None else f"{entry.bridging:.2f}"
        if entry.bridging_interval:
            bridging += f" (90%: {interval(entry.bridging_interval, False)})"
        out += [
            f"### {rank}. {escape_markdown(s.text)} (#{s.tid})",
            "",
            f"{gettext('Group-informed consensus')}: {consensus} · "
            f"{gettext('Majority share')}: {percent(entry.majority_share)} · "
            f"{gettext('Bridging score')}: {bridging}",
        ]
        if entry.red_line_sectors:
            sectors = ", ".join(escape_markdown(sector) for sector in entry.red_line_sectors)
            out += ["", f"**{gettext('Red line for:')}** {sectors}"]
        out += _shares_table(gettext("By opinion group"), entry.groups)
        out += _shares_table(gettext("By sector"), entry.sectors)
        out.append("")
    if not report.common_agenda:
        out += [gettext("No statement is shared by every group yet."), ""]

    out += [f"## {gettext('Opinion groups')}", ""]
    for group in report.groups:
        size = ngettext("%(num)s participant", "%(num)s participants", group.size)
        stability = (
            ""
            if group.stability is None
            else " · " + gettext("stability %(value)s", value=f"{group.stability:.2f}")
        )
        out += [f"### {gettext('Group %(letter)s', letter=group.label)} ({size}{stability})", ""]
        for stance in group.stances:
            share = percent(stance.share)
            said = (
                gettext("%(share)s agree", share=share)
                if stance.agrees
                else gettext("%(share)s disagree", share=share)
            )
            counts = gettext("%(count)s of %(voted)s", count=stance.count, voted=stance.n)
            out.append(
                f"- **{said}** ({counts}): {escape_markdown(stance.statement.text)} "
                f"(#{stance.statement.tid})"
            )
        out.append("")

    out += [f"## {gettext('What divides')}", ""]
    for entry in report.divisive:
        by_group = ", ".join(f"{s.label} {percent(s.agree_share)}" for s in entry.groups)
        apart = gettext(
            "Groups %(points)s points apart (estimated)", points=estimated_points(entry.spread)
        )
        out.append(
            f"- {escape_markdown(entry.statement.text)} (#{entry.statement.tid}): {by_group}"
            f" · {apart}"
        )
    if not report.divisive:
        out.append(gettext("Needs two groups or more."))

    out += ["", f"## {gettext('Areas of uncertainty')}", ""]
    for entry in report.uncertain:
        why = uncertainty_reason(entry.reason, entry.value)
        out.append(f"- {escape_markdown(entry.statement.text)} (#{entry.statement.tid}): {why}")
    if not report.uncertain:
        out.append(gettext("None."))

    out += ["", f"## {gettext('Agenda items and their status')}", ""]
    if report.agenda_items:
        out += [
            f"| {gettext('Subcommittee')} | {gettext('Commitment')} | {gettext('Responsible')} "
            f"| {gettext('Due')} | {gettext('Status')} |",
            "|---|---|---|---|---|",
        ]
        for item in report.agenda_items:
            level = (
                f" ({LEVEL_LABELS.get(item.government_level, item.government_level)})"
                if item.government_level
                else ""
            )
            notes = "".join(
                f"<br>{note.noted_on.isoformat()}: {escape_markdown(note.text)}"
                for note in item.notes
            )
            out.append(
                f"| {escape_markdown(item.subcommittee) or '—'} | "
                f"{escape_markdown(item.statement.text)} (#{item.statement.tid}){notes} | "
                f"{escape_markdown(item.responsible_body) or '—'}{level} | "
                f"{item.due_date.isoformat() if item.due_date else '—'} | "
                f"{STATUS_LABELS.get(item.status, item.status)} |"
            )
    else:
        out.append(gettext("No statement has been taken up as an agenda item yet."))
    out += _subcommittee_lines(report)
    return out


def _subcommittee_lines(report: PlenaryReport) -> list[str]:
    """The section per subcommittee, as the printable page has it (console/report.html)."""
    if not report.subcommittees:
        return []
    out = ["", f"## {gettext('By subcommittee')}"]
    for section in report.subcommittees:
        name = escape_markdown(section.name) if section.id is not None else None
        out += ["", f"### {name or gettext('No subcommittee')}", ""]
        out.append(f"**{gettext('Agenda items')}**")
        out += [
            f"- {STATUS_LABELS.get(item.status, item.status)}: "
            f"{escape_markdown(item.statement.text)} (#{item.statement.tid})"
            for item in section.agenda_items
        ] or [f"- {gettext('No agenda item yet.')}"]
        if section.id is None:
            continue
        out += ["", f"**{gettext('Where the groups agree')}**"]
        out += [
            f"- {escape_markdown(entry.text)} (#{entry.tid}): "
            + gettext("group-informed consensus %(value)s", value=f"{entry.consensus:.2f}")
            for entry in section.consensus
        ] or [f"- {gettext('No statement of its topics is ranked yet.')}"]
        out += ["", f"**{gettext('What divides')}**"]
        out += [
            f"- {escape_markdown(entry.statement.text)} (#{entry.statement.tid}): "
            + gettext(
                "Groups %(points)s points apart (estimated)",
                points=estimated_points(entry.spread),
            )
            for entry in section.divisive
        ] or ["- " + gettext("None of the report's divisive statements.")]
    return out


def _coordinated(excluded: int) -> str:
    return gettext(
        "flagged for coordinated voting, %(excluded)s of them excluded from the math",
        excluded=excluded,
    )
