"""Importing Polis exports and exporting Polis's files, on SQLite and PostgreSQL.

Every conversation in tests/data/polis-open-data (CC BY 4.0, see tests/data/LICENCE.md) is
imported once per database and module, exported and imported again; the tests then compare
what was stored and written with what pandas reads straight from Polis's own files.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from clustering.pipeline import PolisParams, update
from deliberation import services
from deliberation.db import db as database
from deliberation.errors import Invalid, NotFound
from deliberation.math_inputs import math_inputs
from deliberation.models import (
    Conversation,
    LatestVote,
    MathKind,
    ModerationState,
    Participant,
    Statement,
    VoteRecord,
)
from deliberation.polis_io import (
    ATTRIBUTION_FILE,
    POLIS_ATTRIBUTION,
    import_polis_export,
    importer,
    json_export,
    participant_groups,
    polis_csv_export,
    write_polis_csv,
)
from tests.conftest import BACKENDS, _truncate_all_tables, make_app, release_connections
from tests.deliberation.conftest import make_facilitator

OPEN_DATA = Path(__file__).resolve().parents[1] / "data" / "polis-open-data"
DATASETS = sorted(folder.name for folder in OPEN_DATA.iterdir() if folder.is_dir())
ROUND_TRIP = ("15-per-hour-seattle", "canadian-electoral-reform")  # the math costs ~1 s a set
SEED = 20240601
SHARED_FILES = ("summary.csv", "comments.csv", "votes.csv", "participants-votes.csv")


@dataclass
class ImportedSet:
    """What one open-data set became in the database and in its export."""

    conversation_id: str
    seconds: float
    participants: set[int]
    statements: pd.DataFrame  # tid, moderation, author_pid
    latest: pd.DataFrame  # pid, tid, vote, sorted
    counters: tuple[int, int]  # next_pid, next_tid
    exported: Path
    round_trip_latest: pd.DataFrame | None = None
    groups: dict | None = None
    round_trip_groups: dict | None = None


@pytest.fixture(scope="module", params=BACKENDS)
def open_data(request, tmp_path_factory) -> dict[str, ImportedSet]:
    """Each open-data set imported, exported and (for ROUND_TRIP) imported again, per database."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("polis-io") / "mesa.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        flask_app = make_app(f"sqlite:///{path}")
    else:
        flask_app = make_app(request.getfixturevalue("postgres_url"))
    imported: dict[str, ImportedSet] = {}
    with flask_app.app_context():
        if request.param == "postgresql":
            _truncate_all_tables()
        for name in DATASETS:
            started = time.perf_counter()
            conversation_id = import_polis_export(OPEN_DATA / name, math_seed=SEED).conversation_id
            seconds = time.perf_counter() - started
            exported = tmp_path_factory.mktemp(name)
            write_polis_csv(services.OPERATOR, conversation_id, exported)
            result = ImportedSet(
                conversation_id, seconds, *_stored(conversation_id), exported=exported
            )
            if name in ROUND_TRIP:
                again = import_polis_export(exported, math_seed=SEED).conversation_id
                result.round_trip_latest = _stored(again)[2]
                result.groups = participant_groups(conversation_id)
                result.round_trip_groups = participant_groups(again)
            imported[name] = result
        release_connections()
    timings = ", ".join(f"{name} {item.seconds:.2f} s" for name, item in imported.items())
    print(f"\nimport times on {request.param}: {timings}")
    return imported


def _stored(conversation_id: str):
    conversation = services.get_conversation(conversation_id)
    where = {"conversation_id": conversation.id}
    participants = set(
        database.session.scalars(sa.select(Participant.pid).filter_by(**where)).all()
    )
    statements = _frame(
        sa.select(Statement.tid, Statement.moderation, Statement.author_pid).filter_by(**where)
    )
    latest = _frame(sa.select(LatestVote.pid, LatestVote.tid, LatestVote.vote).filter_by(**where))
    latest = latest.sort_values(["pid", "tid"], ignore_index=True)
    return participants, statements, latest, (conversation.next_pid, conversation.next_tid)


def _frame(query) -> pd.DataFrame:
    result = database.session.execute(query)
    return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))


def _polis_latest(folder: Path) -> pd.DataFrame:
    """The standing votes computed from votes.csv: the latest by timestamp."""
    votes = pd.read_csv(folder / "votes.csv")
    latest = votes.sort_values("timestamp", kind="stable").drop_duplicates(
        ["voter-id", "comment-id"], keep="last"
    )
    latest = latest.rename(columns={"voter-id": "pid", "comment-id": "tid"})[["pid", "tid", "vote"]]
    return latest.sort_values(["pid", "tid"], ignore_index=True)


def _first_line(path: Path) -> str:
    with path.open(encoding="utf-8") as lines:
        return lines.readline()


# --------------------------------------------------------------------------------------------
# Every open-data set


@pytest.mark.parametrize("name", DATASETS)
def test_import_keeps_participants_statements_and_latest_votes(open_data, name):
    imported, folder = open_data[name], OPEN_DATA / name
    votes = pd.read_csv(folder / "votes.csv")
    comments = pd.read_csv(folder / "comments.csv")

    assert imported.participants == set(votes["voter-id"]) | set(comments["author-id"])
    assert set(imported.latest["tid"]) == set(votes["comment-id"])
    pd.testing.assert_frame_equal(imported.latest, _polis_latest(folder), check_dtype=False)

    statements = imported.statements.set_index("tid").sort_index()
    comments = comments.set_index("comment-id").sort_index()
    assert statements.index.tolist() == comments.index.tolist()
    moderation = {1: "accepted", 0: "todo", -1: "rejected"}
    assert [state.value for state in statements["moderation"]] == [
        moderation[m] for m in comments["moderated"]
    ]
    assert statements["author_pid"].tolist() == comments["author-id"].tolist()
    next_pid, next_tid = imported.counters
    assert next_pid == max(imported.participants) + 1 and next_tid == comments.index.max() + 1
    assert imported.seconds < 30  # a few seconds each; generous for a loaded CI machine


@pytest.mark.parametrize("name", DATASETS)
def test_exported_files_have_polis_headers_and_summary_keys(open_data, name):
    exported, shared = open_data[name].exported, OPEN_DATA / name
    for file in ("comments.csv", "votes.csv", "participants-votes.csv"):
        assert _first_line(exported / file) == _first_line(shared / file), file
    summary_keys = [row[0] for row in csv.reader((exported / "summary.csv").open())]
    assert summary_keys == [row[0] for row in csv.reader((shared / "summary.csv").open())]
    assert (exported / ATTRIBUTION_FILE).read_text().startswith("Data was gathered")


@pytest.mark.parametrize("name", DATASETS)
def test_exported_votes_and_comment_counts_equal_polis(open_data, name):
    exported, shared = open_data[name].exported, OPEN_DATA / name
    columns = ["timestamp", "comment-id", "voter-id", "vote"]  # datetime is in another zone
    pd.testing.assert_frame_equal(
        pd.read_csv(exported / "votes.csv")[columns], pd.read_csv(shared / "votes.csv")[columns]
    )
    counts = ["agrees", "disagrees", "moderated", "author-id", "timestamp"]
    ours = pd.read_csv(exported / "comments.csv").set_index("comment-id").sort_index()
    theirs = pd.read_csv(shared / "comments.csv").set_index("comment-id").sort_index()
    pd.testing.assert_frame_equal(ours[counts], theirs[counts])

    # Same rows, order and cells as Polis wrote; only the groups are our math's.
    ours = pd.read_csv(exported / "participants-votes.csv").drop(columns="group-id")
    theirs = pd.read_csv(shared / "participants-votes.csv").drop(columns="group-id")
    pd.testing.assert_frame_equal(ours, theirs)


@pytest.mark.parametrize("name", DATASETS)
def test_comment_groups_are_sums_over_groups(open_data, name):
    table = pd.read_csv(open_data[name].exported / "comment-groups.csv")
    letters = sorted({column.split("-")[1] for column in table if column.startswith("group-")})
    assert letters == [chr(97 + gid) for gid in range(len(letters))] and len(letters) >= 2
    for count in ("votes", "agrees", "disagrees", "passes"):
        groups = sum(table[f"group-{letter}-{count}"] for letter in letters)
        assert (table[f"total-{count}"] == groups).all()
    for letter in letters:
        group = table.filter(like=f"group-{letter}-")
        passes = group.iloc[:, 0] - group.iloc[:, 1] - group.iloc[:, 2]
        assert (group.iloc[:, 3] == passes).all()
    summary = dict(csv.reader((open_data[name].exported / "summary.csv").open()))
    assert int(summary["groups"]) == len(letters)


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_round_trip_keeps_latest_votes_and_groups(open_data, name):
    imported = open_data[name]
    pd.testing.assert_frame_equal(imported.round_trip_latest, imported.latest)
    assert imported.round_trip_groups == imported.groups
    assert len(set(imported.groups.values()) - {None}) >= 2


# --------------------------------------------------------------------------------------------
# Small hand-written exports

VOTES = """timestamp,datetime,comment-id,voter-id,vote
1000,Thu Jan 01 00:00:01 UTC 1970,0,0,1
1500,Thu Jan 01 00:00:01 UTC 1970,0,1,-1
2500,Thu Jan 01 00:00:02 UTC 1970,0,1,0
2000,Thu Jan 01 00:00:02 UTC 1970,1,1,1
3000,Thu Jan 01 00:00:03 UTC 1970,1,5,-1
"""
COMMENTS = """timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body
900,Thu Jan 01 00:00:00 UTC 1970,0,0,1,1,1,"First, with a comma"
1900,Thu Jan 01 00:00:01 UTC 1970,1,1,1,1,0,=HYPERLINK("http://evil.example")
2900,Thu Jan 01 00:00:02 UTC 1970,2,7,0,0,-1,-5 is a fine minimum
"""
SUMMARY = "topic,@Small table\nurl,https://pol.is/2demo\nconversation-description,A test\n"


def _folder(tmp_path: Path, votes=VOTES, comments=COMMENTS, summary=SUMMARY) -> Path:
    folder = tmp_path / "small"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("votes.csv", votes), ("comments.csv", comments), ("summary.csv", summary)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _row_counts() -> dict[str, int]:
    return {
        table.name: database.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in database.metadata.sorted_tables
    }


def test_import_command_prints_the_new_id_last(app, tmp_path):
    owner = make_facilitator("owner@example.org")
    result = app.test_cli_runner().invoke(
        args=["import-polis", str(_folder(tmp_path)), "--owner", owner.email, "--title", "Mesa"]
    )
    assert result.exit_code == 0, result.output
    conversation_id = result.output.strip().splitlines()[-1]
    conversation = services.get_conversation(conversation_id)
    assert conversation.topic == "Mesa" and conversation.description == "A test"
    assert conversation.attribution == POLIS_ATTRIBUTION
    assert [c.public_id for c, _ in services.conversations_of(owner.id)] == [conversation_id]
    assert (conversation.next_pid, conversation.next_tid) == (8, 3)

    history = database.session.execute(
        sa.select(VoteRecord.pid, VoteRecord.tid, VoteRecord.vote, VoteRecord.created_ms)
        .filter_by(conversation_id=conversation.id)
        .order_by(VoteRecord.created_ms)
    ).all()
    assert [tuple(row) for row in history] == [
        (0, 0, 1, 1000),
        (1, 0, -1, 1500),
        (1, 1, 1, 2000),
        (1, 0, 0, 2500),
        (5, 1, -1, 3000),
    ]
    latest = database.session.execute(
        sa.select(LatestVote.pid, LatestVote.tid, LatestVote.vote, LatestVote.created_ms)
        .filter_by(conversation_id=conversation.id)
        .order_by(LatestVote.pid, LatestVote.tid)
    ).all()
    assert [tuple(row) for row in latest] == [
        (0, 0, 1, 1000),
        (1, 0, 0, 2500),
        (1, 1, 1, 2000),
        (5, 1, -1, 3000),
    ]
    statements = services.list_statements(services.OPERATOR, conversation_id)
    assert [(s.tid, s.moderation, s.author_pid, s.created_ms) for s in statements] == [
        (0, ModerationState.ACCEPTED, 0, 900),
        (1, ModerationState.TODO, 1, 1900),
        (2, ModerationState.REJECTED, 7, 2900),
    ]
    # Participants: the voters and the author of statement 2; none can be acted as.
    participants = database.session.scalars(
        sa.select(Participant).filter_by(conversation_id=conversation.id).order_by(Participant.pid)
    ).all()
    assert [(p.pid, p.created_ms) for p in participants] == [
        (0, 900),
        (1, 1500),
        (5, 3000),
        (7, 2900),
    ]
    assert len({p.token_digest for p in participants}) == 4


@pytest.mark.parametrize(
    ("file", "text", "line", "problem"),
    [
        ("votes.csv", VOTES.replace("voter-id", "voter"), 1, "missing column 'voter-id'"),
        ("votes.csv", VOTES.replace(",1,5,", ",1,five,"), 6, "voter-id must be an integer"),
        ("votes.csv", VOTES[:-12], 6, "missing"),  # cut in the middle of the last line
        ("votes.csv", VOTES.replace(",1,-1\n", ",1,2\n"), 3, "vote must be -1, 0 or 1"),
        ("votes.csv", VOTES.replace("1,5,-1", "9,5,-1"), 6, "comment-id 9 is not in comments"),
        ("comments.csv", COMMENTS.replace("comment-body", "body"), 1, "'comment-body'"),
        ("comments.csv", COMMENTS.replace("1970,1,1,", "1970,1,x,"), 3, "author-id must be"),
        ("comments.csv", COMMENTS.replace('"First', "First"), 2, "expected 8 fields"),
        ("comments.csv", COMMENTS + '4000,Thu,3,0,0,0,1,"no end\n', 5, "unterminated quote"),
        ("comments.csv", COMMENTS.replace(",0,0,-1,", ",0,0,2,"), 4, "moderated must be"),
    ],
)
def test_a_malformed_export_is_refused_naming_file_and_line(
    app, tmp_path, file, text, line, problem
):
    import_polis_export(_folder(tmp_path / "good"))  # so that "unchanged" means something
    before = _row_counts()
    folder = _folder(tmp_path, **{file.removesuffix(".csv"): text})

    result = app.test_cli_runner().invoke(args=["import-polis", str(folder)])

    assert result.exit_code == 2, result.output
    assert f"{folder / file}:{line}: " in result.stderr and problem in result.stderr
    assert _row_counts() == before


def test_a_failure_while_writing_leaves_the_database_unchanged(app, tmp_path, monkeypatch):
    before = _row_counts()
    write_votes = importer._insert_votes

    def fail_on_latest_votes(model, *arguments):
        if model is LatestVote:
            raise RuntimeError("disk full")
        write_votes(model, *arguments)

    monkeypatch.setattr(importer, "_insert_votes", fail_on_latest_votes)
    with pytest.raises(RuntimeError):
        import_polis_export(_folder(tmp_path))
    assert _row_counts() == before


def test_attribution_and_owner_are_checked_before_anything_is_written(app, tmp_path):
    with pytest.raises(Invalid):
        import_polis_export(_folder(tmp_path), attribution="  ")
    with pytest.raises(NotFound):
        import_polis_export(_folder(tmp_path), owner_email="nobody@example.org")
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == 0


def test_a_folder_with_only_participants_votes(app, tmp_path):
    folder = tmp_path / "only-participants-votes"
    folder.mkdir()
    shared = OPEN_DATA / "15-per-hour-seattle" / "participants-votes.csv"
    shutil.copy(shared, folder)

    conversation_id = import_polis_export(folder).conversation_id

    participant_ids, statements, latest, _ = _stored(conversation_id)
    cells = pd.read_csv(shared).drop(columns=["group-id", "n-comments", "n-votes", "n-agree"])
    cells = cells.drop(columns="n-disagree").melt("participant", var_name="tid", value_name="vote")
    cells = cells.dropna().astype(int).rename(columns={"participant": "pid"})
    expected = cells.sort_values(["pid", "tid"], ignore_index=True)
    pd.testing.assert_frame_equal(latest, expected, check_dtype=False)
    assert participant_ids == set(pd.read_csv(shared)["participant"])
    assert statements["tid"].tolist() == sorted(expected["tid"].unique())
    exported = polis_csv_export(
        services.OPERATOR, conversation_id, names=["participants-votes.csv"]
    )
    assert exported["participants-votes.csv"].splitlines()[0] == _first_line(shared).rstrip("\n")


def test_formula_cells_are_neutralised_and_numbers_are_not(app, tmp_path):
    conversation_id = import_polis_export(_folder(tmp_path)).conversation_id
    files = polis_csv_export(services.OPERATOR, conversation_id, base_url="https://mesa.example/")

    summary = dict(csv.reader(io.StringIO(files["summary.csv"])))
    assert summary["topic"] == "'@Small table"
    assert summary["url"] == f"https://mesa.example/{conversation_id}"
    comments = list(csv.DictReader(io.StringIO(files["comments.csv"])))
    assert [row["comment-body"] for row in comments] == [
        "First, with a comma",
        '\'=HYPERLINK("http://evil.example")',
        "'-5 is a fine minimum",
    ]
    assert [row["moderated"] for row in comments] == ["1", "0", "-1"]
    votes = list(csv.DictReader(io.StringIO(files["votes.csv"])))
    assert [row["vote"] for row in votes] == ["1", "-1", "0", "1", "-1"]
    participants = list(csv.DictReader(io.StringIO(files["participants-votes.csv"])))
    assert [row["1"] for row in participants] == ["", "1", "-1"]


def test_export_uses_a_stored_math_result_only_while_it_covers_the_votes(app, tmp_path):
    conversation_id = import_polis_export(OPEN_DATA / "15-per-hour-seattle").conversation_id
    computed = participant_groups(conversation_id)
    conversation = services.get_conversation(conversation_id)
    result = update(*math_inputs(conversation), params=PolisParams(seed=conversation.math_seed))
    stored = result.to_dict()
    stored["mesa"]["participants"]["group"] = [4] * len(stored["mesa"]["participants"]["pid"])
    services.record_math_result(conversation_id, MathKind.FAST, stored)
    assert set(participant_groups(conversation_id).values()) == {4}

    services.cast_vote(conversation_id, 0, 0, 1)  # a new vote: the stored result is stale
    assert set(participant_groups(conversation_id).values()) != {4}
    assert participant_groups(conversation_id).keys() == computed.keys()


def test_json_export(app, tmp_path):
    conversation_id = import_polis_export(_folder(tmp_path)).conversation_id
    runner = app.test_cli_runner()
    out = tmp_path / "export.json"
    result = runner.invoke(args=["export", conversation_id, "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document == json_export(services.OPERATOR, conversation_id)
    assert document["conversation"]["attribution"] == POLIS_ATTRIBUTION
    assert [s["tid"] for s in document["statements"]] == [0, 1, 2]
    assert [(s["agrees"], s["disagrees"]) for s in document["statements"]] == [
        (1, 1),
        (1, 1),
        (0, 0),
    ]
    assert len(document["votes"]) == 5 and document["votes"][0] == {
        "pid": 0,
        "tid": 0,
        "vote": 1,
        "created_ms": 1000,
    }
    assert {g["pid"] for g in document["groups"]} == {0, 1, 5}
    assert {"repness", "consensus", "group-aware-consensus"} <= document.keys()

    folder = tmp_path / "csv"
    result = runner.invoke(args=["export", conversation_id, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    assert {path.name for path in folder.iterdir()} == {*SHARED_FILES, "comment-groups.csv"} | {
        ATTRIBUTION_FILE
    }


def test_the_newer_comments_layout_with_meta_seed_and_repeated_texts(app, tmp_path):
    # As Polis's current exporter and the bg2050 open-data set write it (spec §12.1).
    header = "timestamp,comment-id,author-id,agrees,disagrees,moderated,is-meta,is-seed,"
    header += "group-informed-consensus,comment-body\n"
    comments = header + "900,0,0,1,1,1,false,true,0.5,Same words\n"
    comments += "1900,1,1,1,1,1,true,false,0.5,same   WORDS\n"
    conversation_id = import_polis_export(_folder(tmp_path, comments=comments)).conversation_id
    statements = services.list_statements(services.OPERATOR, conversation_id)
    assert [(s.is_seed, s.is_meta) for s in statements] == [(True, False), (False, True)]
    assert statements[0].text_fingerprint == services.statement_fingerprint("Same words")
    assert statements[1].text_fingerprint != statements[0].text_fingerprint


def test_a_conversation_without_votes_exports_empty_tables(app, tmp_path):
    owner = make_facilitator("owner@example.org")
    conversation = services.create_conversation(owner.id, "Nothing yet")
    services.add_seed_statement(owner.id, conversation.public_id, "A first statement")
    files = polis_csv_export(services.OPERATOR, conversation.public_id)
    assert (
        files["votes.csv"]
        == ",".join(("timestamp", "datetime", "comment-id", "voter-id", "vote")) + "\n"
    )
    assert files["participants-votes.csv"].splitlines() == [
        "participant,group-id,n-comments,n-votes,n-agree,n-disagree"
    ]
    assert files["comments.csv"].count("\n") == 2 and ATTRIBUTION_FILE not in files
    assert dict(csv.reader(io.StringIO(files["summary.csv"])))["groups"] == "0"
