"""`flask --app web create-facilitator EMAIL`: the first account, or one more."""

from __future__ import annotations

import click

from deliberation.services import create_facilitator
from web.commands.base import operator_command


@operator_command("create-facilitator")
@click.argument("email")
@click.password_option(
    "--password",
    help="Password (at least 10 characters); prompted for, hidden, when not given.",
)
def create_facilitator_command(email: str, password: str) -> None:
    """Create a facilitator account that can log in and create conversations."""
    facilitator = create_facilitator(email, password)
    click.echo(f"Created facilitator {facilitator.email} (id {facilitator.id}).")
