"""Operator commands, run as `flask --app web <command>`."""

from __future__ import annotations

import click
from flask import Flask

from deliberation.agenda_cli import agenda_command
from deliberation.demo import load_demo_command
from deliberation.errors import DeliberationError
from deliberation.polis_io.commands import export_command, import_polis_command
from deliberation.privacy_cli import purge_expired_command
from deliberation.recompute.cli import worker_command
from deliberation.services.facilitators import create_facilitator
from deliberation.snapshot_cli import snapshot_command, verify_snapshot_command


@click.command("create-facilitator")
@click.argument("email")
@click.password_option(
    "--password",
    help="Password (at least 10 characters); prompted for, hidden, when not given.",
)
def create_facilitator_command(email: str, password: str) -> None:
    """Create a facilitator account that can log in and create conversations."""
    try:
        facilitator = create_facilitator(email, password)
    except DeliberationError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"Created facilitator {facilitator.email} (id {facilitator.id}).")


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_facilitator_command)
    app.cli.add_command(agenda_command)
    app.cli.add_command(load_demo_command)
    app.cli.add_command(import_polis_command)
    app.cli.add_command(export_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(purge_expired_command)
    app.cli.add_command(snapshot_command)
    app.cli.add_command(verify_snapshot_command)
