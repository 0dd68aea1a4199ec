"""Operator commands, run as `flask --app web <command>`: every one of them is here.

One module per operator task, one pattern: a `click` command made with `operator_command`
(web.commands.base), its docstring the `--help` text, its options with `help=`; it calls the
services (or the worker) as the web views do, and a refusal of theirs ends the command with
"Error: <reason>" and exit code 1. They live in `web`, not `deliberation`, because they are an
interface to the domain like the pages, and `report` needs the report page's template.

    accounts   create-facilitator, reset-password
    agenda     agenda: the common agenda of the newest stored result
    demo       load-demo: the demo round-table conversation
    polis      import-polis, export: Polis's export formats
    privacy    purge-expired: the retention periods, applied
    report     report: the plenary report as PDF, Markdown, CSV, JSON or HTML
    snapshots  snapshot, verify-snapshot
    worker     worker: the background recompute as its own process

`register_commands(app)` adds them all; `create_app` calls it once.
"""

from __future__ import annotations

from flask import Flask

from web.commands.accounts import create_facilitator_command, reset_password_command
from web.commands.agenda import agenda_command
from web.commands.demo import load_demo_command
from web.commands.polis import export_command, import_polis_command
from web.commands.privacy import purge_expired_command
from web.commands.report import report_command
from web.commands.snapshots import snapshot_command, verify_snapshot_command
from web.commands.worker import worker_command

COMMANDS = (
    create_facilitator_command,
    reset_password_command,
    agenda_command,
    load_demo_command,
    import_polis_command,
    export_command,
    report_command,
    worker_command,
    purge_expired_command,
    snapshot_command,
    verify_snapshot_command,
)


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
