"""`flask --app web agenda CONVERSATION_ID [--json] [--lang es|en]`: the common agenda as the
newest stored result has it, for an operator or a script (no recompute: run the worker first)."""

from __future__ import annotations

import json

import click

from deliberation.services import (
    OPERATOR,
    AgendaStatement,
    CommonAgenda,
    Interval,
    common_agenda,
)
from web.commands.base import operator_command

TEXT_WIDTH = 90


@operator_command("agenda")
@click.argument("conversation_id")
@click.option("--json", "as_json", is_flag=True, help="Print the agenda as one JSON document.")
@click.option("--lang", default=None, help="Show statements in this language (e.g. es, en).")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Show only the top N statements."
)
def agenda_command(conversation_id: str, as_json: bool, lang: str | None, limit: int | None):
    """Print CONVERSATION_ID's common agenda: statements by group-informed consensus with 90%
    intervals, majority share and bridging score, per-group and per-sector shares (small sector
    cells suppressed), red lines, divisive statements, areas of uncertainty and stability."""
    agenda = common_agenda(OPERATOR, conversation_id, lang=lang)
    if as_json:
        document = agenda.to_dict()
        if limit is not None:
            document["statements"] = document["statements"][:limit]
        click.echo(json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False))
        return
    click.echo(render_text(agenda, limit))


def render_text(agenda: CommonAgenda, limit: int | None = None) -> str:
    if agenda.result_version is None:
        return f"{agenda.conversation_id}: no results computed yet (run the worker)."
    lines = [
        f"Common agenda of {agenda.conversation_id}, result v{agenda.result_version}"
        f" computed {agenda.computed_at:%Y-%m-%d %H:%M} UTC",
    ]
    if not agenda.slow_stage_ran:
        lines.append("(the slow stage has not run yet: no intervals, bridging, sectors, stability)")
    else:
        lines.append(
            f"90% intervals; bootstrap over participants, {agenda.resamples} resamples,"
            f" seed {agenda.seed}; sector cells under {agenda.min_sector_cell} are suppressed"
        )
    lines.append(_stability(agenda))
    lines.append("")
    statements = agenda.statements if limit is None else agenda.statements[:limit]
    for rank, statement in enumerate(statements, 1):
        lines.extend(_statement(rank, statement, agenda.min_sector_cell))
    if agenda.divisive:
        lines.append("Divisive statements (spread of the groups' agree shares):")
        for entry in agenda.divisive:
            shares = "  ".join(f"{g.label} {_pct(g.agree_share)}" for g in entry.groups)
            lines.append(f"  #{entry.tid} spread {entry.spread:.2f}  {shares}  {_clip(entry.text)}")
    if agenda.uncertain:
        lines.append("Areas of uncertainty:")
        for entry in agenda.uncertain:
            lines.append(f"  #{entry.tid} {entry.reason} {entry.value:g}  {_clip(entry.text)}")
    return "\n".join(lines)


def _stability(agenda: CommonAgenda) -> str:
    if agenda.stability is None:
        return "Group stability: not computed"
    groups = ", ".join(
        f"{g.label} (n={g.size}) Jaccard {g.jaccard:.2f}" for g in agenda.stability.groups
    )
    return (
        f"Group stability: mean ARI {agenda.stability.ari:.2f} over"
        f" {agenda.stability.resamples} resamples; {groups}"
    )


def _statement(rank: int, s: AgendaStatement, minimum: int) -> list[str]:
    lines = [
        f"{rank:>3}. #{s.tid} {_clip(s.text)}",
        f"     consensus {s.consensus:.3f} {_interval(s.consensus_interval, '.3f')}"
        f"  majority {_pct(s.majority_share)} of {s.voters}"
        f"  bridging {_number(s.bridging)} {_interval(s.bridging_interval, '+.3f')}",
        "     groups: "
        + "  ".join(
            f"{g.label} {_pct(g.agree_share)} {_interval(g.interval, '.0%')} n={g.n}"
            for g in s.groups
        ),
    ]
    if s.sectors:
        cells = []
        for cell in s.sectors:
            if cell.suppressed:
                cells.append(f"{cell.sector}: fewer than {minimum}")
            else:
                cells.append(
                    f"{cell.sector}: agree {_pct(cell.agree_share)}"
                    f" {_interval(cell.agree_interval, '.0%')} n={cell.n}"
                )
        lines.append("     sectors: " + "; ".join(cells))
    if s.red_line:
        lines.append("     RED LINE for: " + ", ".join(s.red_line_sectors))
    return lines


def _interval(interval: Interval | None, spec: str) -> str:
    if interval is None:
        return "[–]"
    return f"[{format(interval[0], spec)}, {format(interval[1], spec)}]"


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:+.3f}"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 1] + "…"
