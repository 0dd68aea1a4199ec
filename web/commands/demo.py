"""`flask --app web load-demo`: the demo round-table conversation (deliberation.demo)."""

from __future__ import annotations

import click

from deliberation.demo import DEMO_FACILITATOR_EMAIL, load_demo
from web.commands.base import operator_command
from web.commands.progress import progress_line


@operator_command("load-demo")
@click.option(
    "--participants",
    type=click.IntRange(0, 20_000),
    default=240,
    show_default=True,
    help="How many simulated participants vote.",
)
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True, help="Random seed.")
def load_demo_command(participants: int, seed: int) -> None:
    """Load the demo round-table conversation, once, and print its public id on the last line.

    Progress ("simulating participant 120 of 240") goes to stderr."""
    click.echo(
        load_demo(seed=seed, participants=participants, report=_report, progress=progress_line)
    )


def _report(line: str) -> None:
    """What load_demo reports, on stdout; with the way back in where the password is shown once."""
    click.echo(line)
    if line.startswith(f"Created the demo facilitator {DEMO_FACILITATOR_EMAIL}"):
        click.echo(
            "Forgotten, it is reset with "
            f"`flask --app web reset-password {DEMO_FACILITATOR_EMAIL}`."
        )
