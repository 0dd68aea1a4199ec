"""`flask --app web create-facilitator EMAIL`: the first account, or one more;
`flask --app web reset-password EMAIL`: the way back in for one who forgot their password."""

from __future__ import annotations

import click

from deliberation.services import OPERATOR, create_facilitator, reset_password
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


@operator_command("reset-password")
@click.argument("email")
@click.option(
    "--password",
    help="New password (at least 10 characters). Default: a random one, printed once.",
)
@click.option(
    "--prompt",
    "ask",
    is_flag=True,
    help="Ask for the new password, hidden and twice, instead of choosing one.",
)
def reset_password_command(email: str, password: str | None, ask: bool) -> None:
    """Set a facilitator's password without the old one and end all their console sessions."""
    if ask and password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    chosen = reset_password(OPERATOR, email, password)
    click.echo(f"Reset the password of {email.strip().lower()}; their console sessions ended.")
    if password is None:
        # Shown this once: only the hash is stored.
        click.echo(f"New password: {chosen}")
