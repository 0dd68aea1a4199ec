"""A stored result is read once per version and process: the same view for every reader until a
newer version is stored, and each version's own figures."""

from __future__ import annotations

import json
from pathlib import Path

from clustering.result_view import ResultView
from deliberation import services
from deliberation.models import MathKind
from deliberation.services.lookup import find_conversation
from deliberation.services.math_results import latest_math_stamp, newest_result, stored_result

FIXTURE = Path("tests/data/polis-math-fixtures/25ptpt-3gp-no-strict-with-meta/math-pca2.json")


def test_each_version_is_read_once_and_kept(conversation):
    cid = conversation.public_id
    polis = json.loads(FIXTURE.read_text())
    assert newest_result(cid) is None

    services.record_math_result(cid, MathKind.FAST, polis)
    first = newest_result(cid)
    assert first.stamp.version == 1
    assert isinstance(first.view, ResultView)
    assert first.view.participants == polis["n"]
    # Read again, by any route: the very same object, not a second parse.
    again = stored_result(find_conversation(cid), latest_math_stamp(find_conversation(cid)))
    assert again is first.view
    assert newest_result(cid).view is first.view

    changed = {**polis, "n": polis["n"] + 5}
    services.record_math_result(cid, MathKind.SLOW, changed)
    second = newest_result(cid)
    assert second.stamp.version == 2
    assert second.view is not first.view
    assert second.view.participants == polis["n"] + 5
    # Each kind still names its own newest version, and the old view stays as it was.
    assert newest_result(cid, kind=MathKind.FAST).view is first.view
    assert first.view.participants == polis["n"]
