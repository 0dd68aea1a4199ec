"""`flask --app web worker`: the recompute as its own process."""

from __future__ import annotations

import logging
import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from deliberation.recompute import Worker, run_once
from web.commands.base import operator_command


@operator_command("worker")
@click.option(
    "--once",
    is_flag=True,
    help="Recompute every conversation whose votes or moderation changed, without waiting "
    "for the debounce, then exit.",
)
@click.option(
    "--stage",
    type=click.Choice(["fast", "slow", "both"]),
    default="both",
    show_default=True,
    help="fast: the Polis groups after new votes; slow: the heavier analyses (UMAP map).",
)
@with_appcontext
def worker_command(once: bool, stage: str) -> None:
    """Run the background recompute of opinion groups and maps until interrupted.

    Web processes run the same loops themselves unless MESA_EMBEDDED_WORKER is false; any
    number of workers may run at once, since each conversation is leased to one at a time.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if once:
        outcomes = run_once(stage)
        for outcome in outcomes:
            version = f" version {outcome.version}" if outcome.version is not None else ""
            click.echo(f"{outcome.stage} {outcome.conversation_id}: {outcome.status}{version}")
        if any(outcome.status == "failed" for outcome in outcomes):
            raise click.ClickException("some recomputes failed (see the log)")
        return
    worker = Worker(current_app._get_current_object(), stage).start()
    # SIGTERM (systemd, docker stop) finishes the running computation, like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: worker.stop(timeout=0))
    try:
        worker.wait()
    except KeyboardInterrupt:
        click.echo("stopping after the running computation ...")
    worker.stop(timeout=None)
