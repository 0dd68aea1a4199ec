"""`flask --app web purge-expired`: the retention periods, applied (run it daily, e.g. cron)."""

from __future__ import annotations

import click

from deliberation.services import purge_expired
from web.commands.base import operator_command


@operator_command("purge-expired")
def purge_expired_command() -> None:
    """Delete participation older than its conversation's retention period.

    Conversations set `retention_days`; those without keep everything. Votes go, statements
    others voted on (or accepted ones) stay without their author. One line per conversation.
    """
    reports = purge_expired()
    for report in reports:
        click.echo(
            f"{report.conversation_id}: deleted {report.participants} participants "
            f"and {report.votes} votes"
        )
    click.echo(f"Purged {sum(r.participants for r in reports)} expired participations.")
