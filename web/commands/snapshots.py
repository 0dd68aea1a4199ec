"""`flask --app web snapshot` and `flask --app web verify-snapshot`: freeze a conversation's
results for a plenary, and check later that they still hold (exit code 0 yes, 1 no)."""

from __future__ import annotations

import sys

import click

from deliberation.services import OPERATOR, create_snapshot, verify_snapshot
from web.commands.base import operator_command

EXIT_MISMATCH = 1


@operator_command("snapshot")
@click.argument("conversation_id")
@click.option("--label", default="", help="A name for it, e.g. 'March plenary'.")
def snapshot_command(conversation_id: str, label: str) -> None:
    """Freeze CONVERSATION_ID's votes, parameters (seed included) and results under a SHA-256.

    Prints the snapshot's id and hash; its id is alone on the last line.
    """
    snapshot = create_snapshot(OPERATOR, conversation_id, label)
    click.echo(
        f"Snapshot {snapshot.id} of {snapshot.conversation_id}: {snapshot.vote_count} votes, "
        f"seed {snapshot.seed}"
    )
    click.echo(f"sha256 {snapshot.sha256}")
    click.echo(snapshot.id)


@operator_command("verify-snapshot")
@click.argument("snapshot_id", type=int)
def verify_snapshot_command(snapshot_id: int) -> None:
    """Check snapshot SNAPSHOT_ID: re-hash the stored votes, parameters and results, and
    recompute the results cold with the stored seed. Exit code 0 when both match, 1 if not."""
    verification = verify_snapshot(OPERATOR, snapshot_id)
    click.echo(f"stored hash:   {verification.stored_sha256}")
    click.echo(f"data rehashed: {verification.rehashed_sha256}")
    click.echo(f"hash: {'matches' if verification.hash_matches else 'DOES NOT MATCH'}")
    click.echo(
        "cold recompute with the stored seed: "
        f"{'matches' if verification.recompute_matches else 'DOES NOT MATCH'}"
    )
    if verification.ok:
        click.echo(f"Snapshot {snapshot_id} verified.")
        return
    click.echo(f"Snapshot {snapshot_id} does not match the stored data.", err=True)
    sys.exit(EXIT_MISMATCH)
