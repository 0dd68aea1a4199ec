"""`flask --app web report CONVERSATION_ID --format pdf|md|csv|json [--lang es|en] --out FILE`.

An operator's command: it reports as `OPERATOR`, who needs no role in the conversation
(deliberation.services.authorization)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from deliberation.report import LANGUAGES, plenary_report
from deliberation.report.exports import report_csv, report_json
from deliberation.services import OPERATOR
from web.commands.base import operator_command
from web.commands.progress import progress_line
from web.report.markdown import report_markdown
from web.report.pdf import INSTALL_HINT, ChromiumMissing, PrintFailed, print_to_pdf
from web.report.render import render_printable

FORMATS = ("pdf", "md", "csv", "json", "html")
EXIT_NO_CHROMIUM = 3


@operator_command("report")
@click.argument("conversation_id")
@click.option(
    "--format",
    "report_format",
    type=click.Choice(FORMATS),
    default="pdf",
    show_default=True,
    help="pdf (needs Chromium), md, csv, json, or html (the printable page as a file).",
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the report and of the statements (their translation where there is "
    "one). Default: the conversation's first language.",
)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
@click.option(
    "--chromium",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Chromium to print the PDF with. Default: /usr/bin/chromium, else chromium on PATH.",
)
def report_command(
    conversation_id: str,
    report_format: str,
    language: str | None,
    out: Path,
    chromium: Path | None,
):
    """Write the plenary report of a conversation: participation, the common agenda with its
    intervals, the opinion groups, what divides, what is uncertain, the agenda items and the
    snapshot hash. The file's path is printed on stdout; progress goes to stderr."""
    if report_format == "pdf" and chromium is not None and not chromium.is_file():
        click.echo(f"error: no Chromium at {chromium}. {INSTALL_HINT}", err=True)
        sys.exit(EXIT_NO_CHROMIUM)
    report = plenary_report(OPERATOR, conversation_id, language)
    try:
        if report_format == "pdf":
            progress_line("printing the PDF with Chromium…")
            print_to_pdf(
                render_printable(report, standalone=True), out, str(chromium) if chromium else None
            )
        else:
            out.write_text(_text(report, report_format), encoding="utf-8")
    except ChromiumMissing as missing:
        click.echo(f"error: {missing}", err=True)
        sys.exit(EXIT_NO_CHROMIUM)
    except PrintFailed as failure:
        raise click.ClickException(str(failure)) from None
    except OSError as problem:
        raise click.ClickException(f"cannot write {out}: {problem.strerror}") from None
    click.echo(out)


def _text(report, report_format: str) -> str:
    if report_format == "md":
        return report_markdown(report)
    if report_format == "csv":
        return report_csv(report)
    if report_format == "json":
        return report_json(report)
    return render_printable(report, standalone=True)
