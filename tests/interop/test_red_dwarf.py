"""red-dwarf, a Polis client nobody here wrote, reads Mesa as it reads Polis.

A small Polis math fixture is imported through Mesa's Polis importer, its math computed by the
recompute worker, its data opened and a report id created; then the app is served on
127.0.0.1 and red-dwarf's `Loader` fetches it twice, from the API (one request per
participant) and from the report's CSV exports. Checked: the votes it loaded equal Mesa's and
the fixture's; red-dwarf's pipeline on them gives the groups it gives on the fixture's own
files; the consensus lists it computes equal those in Mesa's math/pca2.

red-dwarf throttles itself to 5 requests per second, so this runs in `make e2e`, on SQLite only
(the routes' database behaviour is covered on both databases in tests/web/test_polis_api.py).
"""

from __future__ import annotations

import csv
import json
import shutil
import threading
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from reddwarf.data_loader import Loader
from reddwarf.implementations import polis as reddwarf_polis
from reddwarf.utils.statements import process_statements
from werkzeug.serving import make_server

from deliberation import services
from deliberation.db import db as database
from deliberation.models import Conversation, LatestVote
from deliberation.polis_io import import_polis_export
from deliberation.recompute import run_once
from deliberation.services import polis_reports
from tests.conftest import make_app, release_connections

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "polis-math-fixtures"
SEED = 20260
OWNER = "owner@example.org"


def _ms(value) -> int:
    """A fixture time: milliseconds as a number or text, or an ISO date."""
    if isinstance(value, str) and not value.replace(".", "").isdigit():
        return round(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    return int(float(value))


def write_polis_csv(fixture: Path, folder: Path) -> None:
    """The fixture's API-shaped JSON as the classic Polis export the importer reads (its vote
    sign is already the CSV one, agree = 1)."""
    folder.mkdir()
    comments = json.loads((fixture / "comments.json").read_text())
    votes = json.loads((fixture / "votes.json").read_text())
    with (folder / "comments.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["timestamp", "comment-id", "author-id", "agrees", "disagrees", "moderated"]
            + ["is-meta", "is-seed", "comment-body"]
        )
        for c in comments:
            writer.writerow(
                [
                    _ms(c["created"]),
                    c.get("tid", c.get("statement_id")),
                    c.get("pid", c.get("participant_id")),
                    c["agree_count"],
                    c["disagree_count"],
                    c.get("mod", c.get("moderated")),
                    str(bool(c["is_meta"])).lower(),
                    str(bool(c["is_seed"])).lower(),
                    c["txt"],
                ]
            )
    with (folder / "votes.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["timestamp", "comment-id", "voter-id", "vote"])
        for v in votes:
            writer.writerow(
                [
                    _ms(v["modified"]),
                    v.get("tid", v.get("statement_id")),
                    v.get("pid", v.get("participant_id")),
                    v["vote"],
                ]
            )


@pytest.fixture(params=["below-100-ptpts", "25ptpt-3gp-no-strict-with-meta"])
def served(request, sqlite_template, tmp_path):
    """(server url, conversation id, report id, fixture folder) of the imported fixture."""
    fixture = FIXTURES / request.param
    path = tmp_path / "mesa.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="polis-api-server", daemon=True)
    with app.app_context():
        owner = services.create_facilitator(OWNER, "a long enough password")
        write_polis_csv(fixture, tmp_path / "export")
        cid = import_polis_export(
            tmp_path / "export", owner_email=OWNER, math_seed=SEED
        ).conversation_id
        assert [o.status for o in run_once("fast")] == ["computed"]
        polis_reports.set_data_open(owner.id, cid, True)
        report_id = polis_reports.create_report_id(owner.id, cid).report_id
        database.session.rollback()
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}", cid, report_id, fixture
        server.shutdown()
        thread.join(10)
        release_connections()


def standing_votes(votes: list[dict]) -> dict[tuple[int, int], int]:
    """(pid, tid) → vote, agree = 1, from red-dwarf's vote records (deduplicated already)."""
    cells = {(v["participant_id"], v["statement_id"]): v["vote"] for v in votes}
    assert len(cells) == len(votes), "red-dwarf kept two votes for one cell"
    return cells


def mesa_votes(conversation_id: str) -> dict[tuple[int, int], int]:
    conversation = database.session.scalar(
        sa.select(Conversation).where(Conversation.public_id == conversation_id)
    )
    rows = database.session.execute(
        sa.select(LatestVote.pid, LatestVote.tid, LatestVote.vote).where(
            LatestVote.conversation_id == conversation.id
        )
    )
    return {(pid, tid): vote for pid, tid, vote in rows}


def red_dwarf_groups(loader) -> tuple[dict[int, int], dict]:
    """red-dwarf's own pipeline, as its README runs it, on what a loader loaded: each
    clustered participant's group, and the consensus lists."""
    _, _, mod_out, meta = process_statements(loader.comments_data)
    result = reddwarf_polis.run_pipeline(
        votes=loader.votes_data,
        mod_out_statement_ids=mod_out,
        meta_statement_ids=meta,
        random_state=SEED,
    )
    labels = result.participants_df["cluster_id"].dropna()
    return {int(pid): int(gid) for pid, gid in labels.items()}, result.consensus


def test_red_dwarf_loads_mesa_like_polis(served):
    url, cid, report_id, fixture = served
    from_api = Loader(polis_instance_url=url, conversation_id=cid, is_cache_enabled=False)
    from_csv = Loader(
        polis_instance_url=url,
        report_id=report_id,
        data_source="csv_export",
        is_cache_enabled=False,
    )
    original = Loader(
        filepaths=[str(fixture / f) for f in ("votes.json", "comments.json", "math-pca2.json")]
    )

    # The votes: red-dwarf's (sign fixed back to agree = 1 from the API's raw agree = -1, and
    # from the CSV as it is) equal Mesa's standing votes and the fixture's.
    ours = mesa_votes(cid)
    assert standing_votes(from_api.votes_data) == ours
    assert standing_votes(from_csv.votes_data) == ours
    assert standing_votes(original.votes_data) == ours
    # The CSV path read comments.csv, found no is-meta column (the node server writes none)
    # and took the statements from the API through the report, as it does with Polis.
    assert from_csv.report_data["conversation_id"] == cid
    assert from_api.conversation_data["conversation_id"] == cid

    def moderation(loader):
        return {c["statement_id"]: (c["moderated"], c["is_meta"]) for c in loader.comments_data}

    assert moderation(from_api) == moderation(from_csv) == moderation(original)
    texts = {c["statement_id"]: c["txt"] for c in original.comments_data}
    assert {c["statement_id"]: c["txt"] for c in from_api.comments_data} == texts

    # red-dwarf's pipeline gives the same groups on every load as on the fixture's files.
    groups, consensus = red_dwarf_groups(from_api)
    assert len(set(groups.values())) >= 2
    assert red_dwarf_groups(from_csv)[0] == groups
    assert red_dwarf_groups(original)[0] == groups

    # The consensus lists red-dwarf computes from the votes it loaded are those in Mesa's
    # math/pca2 (which the loader fetched too): same statements in the same order, same
    # counts, and the same probabilities to rounding.
    served_math = from_api.math_data
    assert set(served_math) >= {"consensus", "math_tick", "group-clusters", "in-conv"}
    assert "mesa" not in served_math
    for direction in ("agree", "disagree"):
        mine, theirs = served_math["consensus"][direction], consensus[direction]
        assert [e["tid"] for e in theirs] == [e["tid"] for e in mine], direction
        for a, b in zip(mine, theirs, strict=True):
            assert (a["n-success"], a["n-trials"]) == (b["n-success"], b["n-trials"])
            assert a["p-success"] == pytest.approx(b["p-success"], rel=1e-9)
            assert a["p-test"] == pytest.approx(b["p-test"], rel=1e-9)
    assert served_math["consensus"]["agree"], "the fixture has agree consensus to compare"
