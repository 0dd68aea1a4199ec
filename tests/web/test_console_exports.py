"""The console's exports (issue 13, point 16): vote times are rounded down to their UTC day
unless the owner asks for the exact ones, as `flask export --coarsen-timestamps` does."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import VoteRecord
from deliberation.polis_io.exporters import DAY_MS
from tests.deliberation.conftest import join
from tests.web.test_console import CONSOLE, log_in


@pytest.fixture
def voted(conversation, seeds):
    """Two participants' votes, cast at times that are not the start of a day."""
    cid = conversation.public_id
    for vote in (1, -1):
        services.cast_vote(cid, join(conversation).pid, seeds[0], vote)
    database.session.rollback()
    times = database.session.scalars(sa.select(VoteRecord.created_ms)).all()
    assert len(times) == 2 and all(ms % DAY_MS for ms in times)
    return sorted(times)


def _json_vote_times(client, cid: str, query: str = "") -> list[int]:
    response = client.get(f"{CONSOLE}/c/{cid}/export.json{query}")
    assert response.status_code == 200
    return sorted(vote["created_ms"] for vote in json.loads(response.data)["votes"])


def _csv_vote_times(client, cid: str, query: str = "") -> list[int]:
    response = client.get(f"{CONSOLE}/c/{cid}/export.zip{query}")
    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(response.data))
    rows = csv.DictReader(io.StringIO(bundle.read(f"{cid}/votes.csv").decode("utf-8")))
    return sorted(int(row["timestamp"]) for row in rows)


def test_console_exports_give_days_by_default(client, owner, conversation, voted):
    log_in(client, owner.email)
    cid = conversation.public_id
    days = sorted(ms - ms % DAY_MS for ms in voted)
    assert _json_vote_times(client, cid) == days
    assert _csv_vote_times(client, cid) == days


def test_the_owner_may_ask_for_exact_times(client, owner, conversation, voted):
    log_in(client, owner.email)
    cid = conversation.public_id
    assert _json_vote_times(client, cid, "?exact_times=1") == voted
    assert _csv_vote_times(client, cid, "?exact_times=1") == voted
    page = client.get(f"{CONSOLE}/c/{cid}/archive").get_data(as_text=True)
    assert "export.json?exact_times=1" in page and "export.zip?exact_times=1" in page
