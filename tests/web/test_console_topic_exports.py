"""The console's exports carry each statement's topics and subcommittee (owners only)."""

import csv
import io
import json
import zipfile

from tests.deliberation.test_topic_exports import _table
from tests.web.test_console import CONSOLE, log_in


def test_the_console_exports_carry_topics_and_subcommittees(client, owner, conversation):
    _table(owner, conversation)
    log_in(client, owner.email)
    cid = conversation.public_id
    bundle = zipfile.ZipFile(io.BytesIO(client.get(f"{CONSOLE}/c/{cid}/export.zip").data))
    rows = list(csv.DictReader(io.StringIO(bundle.read(f"{cid}/comment-topics.csv").decode())))
    assert {r["comment-id"] for r in rows} == {str(tid) for tid in range(9)}
    assert rows[0]["subcommittee-source"] == "assigned"
    exported = json.loads(client.get(f"{CONSOLE}/c/{cid}/export.json").data)
    assert exported["statements"][0]["subcommittee"]["source"] == "assigned"
    assert exported["statements"][1]["topics"] and exported["topics"]["topics"]
