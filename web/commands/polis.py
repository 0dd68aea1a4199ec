"""`flask --app web import-polis` and `flask --app web export`: Polis's export formats
(deliberation.polis_io).

A malformed export ends with `error: <file>:<line>: <problem>` on stderr and exit code 2, as
in `python -m clustering`, so scripts can tell "your data" from "our bug".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from clustering.loaders import InputError
from deliberation.polis_io.exporters import write_json, write_polis_csv
from deliberation.polis_io.importer import POLIS_ATTRIBUTION, import_polis_export
from deliberation.polis_io.reading import MAX_FILE_BYTES
from deliberation.services import OPERATOR
from web.commands.base import operator_command
from web.commands.progress import progress_line

EXIT_INPUT = 2


@operator_command("import-polis")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="Topic of the new conversation (default: summary.csv's topic).")
@click.option("--owner", metavar="EMAIL", help="Facilitator who will own the conversation.")
@click.option(
    "--attribution",
    default=POLIS_ATTRIBUTION,
    show_default="the CC BY 4.0 credit of the Polis open data",
    help="Licence credit the conversation must carry wherever its data is shown.",
)
@click.option(
    "--max-file-mb",
    type=click.IntRange(min=1),
    default=MAX_FILE_BYTES // (1024 * 1024),
    show_default=True,
    help="Refuse any file of the export larger than this many MiB.",
)
def import_polis_command(
    path: Path, title: str | None, owner: str | None, attribution: str, max_file_mb: int
):
    """Import a Polis export folder as a new conversation.

    PATH holds votes.csv and comments.csv (and summary.csv), or only participants-votes.csv.
    Polis's statement and participant numbers and the whole vote history are kept. The new
    conversation's id is printed alone on the last line; progress goes to stderr.
    """
    started = time.perf_counter()
    try:
        imported = import_polis_export(
            path,
            title=title,
            owner_email=owner,
            attribution=attribution,
            max_file_bytes=max_file_mb * 1024 * 1024,
            progress=progress_line,
        )
    except InputError as problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(
        f"Imported {path.name}: {imported.participants} participants, "
        f"{imported.statements} statements, {imported.votes} votes "
        f"({imported.latest_votes} standing) in {time.perf_counter() - started:.1f} s."
    )
    click.echo(imported.conversation_id)


@operator_command("export")
@click.argument("conversation_id")
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["polis-csv", "json"]),
    default="polis-csv",
    show_default=True,
    help="polis-csv: Polis's classic export files; json: one document.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for polis-csv; file (or existing folder) for json.",
)
@click.option("--base-url", default="", help="Prefix of the conversation's url in summary.csv.")
@click.option(
    "--coarsen-timestamps",
    is_flag=True,
    help="Round every time down to its UTC day (a cell's re-votes of one day: the last).",
)
@click.option(
    "--include-xids",
    is_flag=True,
    help="Add participants' external ids (xid). They may name people: off unless asked.",
)
def export_command(
    conversation_id: str,
    export_format: str,
    out: Path,
    base_url: str,
    coarsen_timestamps: bool,
    include_xids: bool,
) -> None:
    """Export a conversation: its statements, vote history and opinion groups.

    Text cells a spreadsheet would run as formulas (=, +, -, @, tab, CR) start with a quote;
    import-polis takes it off again. No xid is exported without --include-xids.
    """
    privacy = {"coarsen_timestamps": coarsen_timestamps, "include_xids": include_xids}
    try:
        if export_format == "json":
            target = out / f"{conversation_id}.json" if out.is_dir() else out
            written = [write_json(OPERATOR, conversation_id, target, **privacy)]
        else:
            written = write_polis_csv(OPERATOR, conversation_id, out, base_url=base_url, **privacy)
    except OSError as problem:
        raise click.ClickException(f"cannot write {problem.filename}: {problem.strerror}") from None
    for path in written:
        click.echo(path)
