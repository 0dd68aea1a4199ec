"""What every operator command shares: a service's refusal is an error message, not a trace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from deliberation.errors import DeliberationError


class OperatorCommand(click.Command):
    """A `flask --app web` command. A service's refusal (`DeliberationError`: not found,
    invalid, forbidden) ends it as click ends a usage problem: "Error: <reason>" on stderr and
    exit code 1, so a script can tell it from a crash."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DeliberationError as refusal:
            raise click.ClickException(str(refusal)) from None


def operator_command(name: str) -> Callable[[Callable[..., Any]], OperatorCommand]:
    """`click.command(name)` for an operator command (`OperatorCommand`)."""
    return click.command(name, cls=OperatorCommand)
