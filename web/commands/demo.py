"""`flask --app web load-demo`: the demo round-table conversation (deliberation.demo)."""

from __future__ import annotations

import click

from deliberation.demo import load_demo
from web.commands.base import operator_command


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
    """Load the demo round-table conversation, once, and print its public id on the last line."""
    click.echo(load_demo(seed=seed, participants=participants, report=click.echo))
