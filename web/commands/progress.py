"""Progress of a long command, for the operator watching it: on stderr, so that stdout keeps
only what scripts read (an id or a file name on the last line)."""

from __future__ import annotations

import click


def progress_line(line: str) -> None:
    """One line of progress ("simulating participant 120 of 240") on stderr."""
    click.echo(line, err=True)
