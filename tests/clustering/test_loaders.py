"""Loading real exports and fixtures, and pinpointing malformed input.

Counts are checked against the files with an independent reader (the csv/json modules), so a
silent row drop or a mis-detected column in the pandas fast path would show up here.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from clustering import loaders
from clustering.loaders import (
    InputError,
    load_conversation,
    load_math_json,
    load_polis_groups,
)

DATA = Path(__file__).resolve().parents[1] / "data"
OPEN_DATA = sorted(p for p in (DATA / "polis-open-data").iterdir() if p.is_dir())
FIXTURES = sorted(p for p in (DATA / "polis-math-fixtures").iterdir() if p.is_dir())
SEATTLE = DATA / "polis-open-data" / "15-per-hour-seattle"
SMALL_FIXTURE = DATA / "polis-math-fixtures" / "below-100-ptpts"  # pid/tid, string timestamps
BIG_FIXTURE = DATA / "polis-math-fixtures" / "150ptpt-3gp-no-strict-no-meta"  # participant_id/...


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------------------------
# Real data


@pytest.mark.parametrize("folder", OPEN_DATA, ids=lambda p: p.name)
def test_open_data_counts_match_files(folder: Path) -> None:
    conv = load_conversation(folder)
    vote_rows = _csv_rows(folder / "votes.csv")
    comment_rows = _csv_rows(folder / "comments.csv")

    assert conv.source == "csv"
    assert len(conv.votes) == len(vote_rows)
    assert conv.votes.votes.dtype == np.int8
    assert set(np.unique(conv.votes.votes)) <= {-1, 0, 1}
    # Row order is kept: the first and last rows match the file.
    for i in (0, -1):
        row = vote_rows[i]
        assert conv.votes.participant_ids[i] == int(row["voter-id"])
        assert conv.votes.statement_ids[i] == int(row["comment-id"])
        assert conv.votes.votes[i] == int(row["vote"])
        assert conv.votes.timestamps[i] == int(row["timestamp"])

    tids = sorted(int(r["comment-id"]) for r in comment_rows)
    assert conv.statement_ids.tolist() == tids
    assert conv.moderation.accepted == {
        int(r["comment-id"]) for r in comment_rows if r["moderated"] == "1"
    }
    assert conv.moderation.rejected == {
        int(r["comment-id"]) for r in comment_rows if r["moderated"] == "-1"
    }
    assert conv.texts[tids[0]] == next(
        r["comment-body"] for r in comment_rows if int(r["comment-id"]) == tids[0]
    )

    # CSV convention: comments.csv `agrees` counts every votes.csv row with vote == 1.
    agrees = Counter(conv.votes.statement_ids[conv.votes.votes == 1].tolist())
    disagrees = Counter(conv.votes.statement_ids[conv.votes.votes == -1].tolist())
    for r in comment_rows:
        tid = int(r["comment-id"])
        assert agrees[tid] == int(r["agrees"]), tid
        assert disagrees[tid] == int(r["disagrees"]), tid


@pytest.mark.parametrize("folder", FIXTURES, ids=lambda p: p.name)
def test_fixture_counts_match_files(folder: Path) -> None:
    conv = load_conversation(folder)
    votes = json.loads((folder / "votes.json").read_text())
    comments = json.loads((folder / "comments.json").read_text())
    math = load_math_json(folder / "math-pca2.json")

    assert conv.source == "fixture"
    assert len(conv.votes) == len(votes)
    pid_key = "pid" if "pid" in votes[0] else "participant_id"
    assert conv.votes.participant_ids.tolist() == [v[pid_key] for v in votes]
    assert conv.votes.timestamps[0] == int(float(votes[0]["modified"]))
    tid_key = "tid" if "tid" in comments[0] else "statement_id"
    assert conv.statement_ids.tolist() == sorted(c[tid_key] for c in comments)
    assert len(conv.texts) == len(comments)

    # Fixture votes are latest-only and already agree = +1: counts match comments.json.
    agrees = Counter(conv.votes.statement_ids[conv.votes.votes == 1].tolist())
    disagrees = Counter(conv.votes.statement_ids[conv.votes.votes == -1].tolist())
    for c in comments:
        assert agrees[c[tid_key]] == c["agree_count"]
        assert disagrees[c[tid_key]] == c["disagree_count"]

    # Moderation agrees with what Polis's own math saw.
    assert conv.moderation.meta == set(math["meta-tids"])
    assert conv.moderation.rejected <= set(math["mod-out"])
    assert math["n-cmts"] <= len(conv.statement_ids)


def test_fixture_with_meta_statements() -> None:
    conv = load_conversation(DATA / "polis-math-fixtures" / "25ptpt-3gp-no-strict-with-meta")
    assert conv.moderation.meta == {0, 1, 2, 3}
    assert conv.moderation.mod_out >= {0, 1, 2, 3}


def test_load_accepts_a_votes_file_path() -> None:
    assert len(load_conversation(SEATTLE / "votes.csv").votes) == len(
        load_conversation(SEATTLE).votes
    )


@pytest.mark.parametrize("folder", OPEN_DATA, ids=lambda p: p.name)
def test_polis_groups(folder: Path) -> None:
    rows = _csv_rows(folder / "participants-votes.csv")
    groups = load_polis_groups(folder)
    expected = {int(r["participant"]): int(r["group-id"]) for r in rows if r["group-id"].strip()}
    assert groups == expected
    assert len(set(groups.values())) >= 2


def test_math_json() -> None:
    math = load_math_json(SMALL_FIXTURE)
    assert math["n"] == 35 and "in-conv" in math


# --------------------------------------------------------------------------------------------
# Edge cases that are valid


def test_header_only_votes_file_is_zero_votes(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    (folder / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n")
    conv = load_conversation(folder)
    assert len(conv.votes) == 0
    assert conv.votes.participant_ids.dtype == np.int64
    assert len(conv.statement_ids) == 54


def test_empty_json_votes_list_is_zero_votes(tmp_path: Path) -> None:
    folder = _copy(SMALL_FIXTURE, tmp_path)
    (folder / "votes.json").write_text("[]")
    assert len(load_conversation(folder).votes) == 0


def test_comments_with_is_meta_column_and_multiline_body(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    (folder / "comments.csv").write_text(
        "timestamp,comment-id,author-id,agrees,disagrees,moderated,is-meta,comment-body\n"
        '1,0,0,0,0,1,false,"two\nlines"\n'
        "2,1,0,0,0,-1,true,meta\n"
        "3,2,0,0,0,0,0,plain\n"
    )
    conv = load_conversation(folder)
    assert conv.moderation.accepted == {0}
    assert conv.moderation.rejected == {1}
    assert conv.moderation.meta == {1}
    assert conv.texts[0] == "two\nlines"


# --------------------------------------------------------------------------------------------
# Malformed input: the message names the file and the line


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    return dst


def _replace_line(path: Path, line_no: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line_no - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def _error(folder: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_conversation(folder)
    return info.value


def test_error_format() -> None:
    assert str(InputError("a/votes.csv", 17, "bad")) == "a/votes.csv:17: bad"
    assert str(InputError("a/votes.json", "record 3", "bad")) == "a/votes.json:record 3: bad"
    assert str(InputError("a", None, "missing")) == "a: missing"


def test_missing_folder(tmp_path: Path) -> None:
    err = _error(tmp_path / "nope")
    assert err.file == str(tmp_path / "nope") and "no such" in err.problem


def test_folder_without_votes(tmp_path: Path) -> None:
    err = _error(tmp_path)
    assert "votes.csv" in str(err)


def test_missing_comments_file(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    (folder / "comments.csv").unlink()
    err = _error(folder)
    assert err.file == str(folder / "comments.csv") and err.line is None


def test_missing_column(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 1, "timestamp,datetime,comment-id,voter,vote")
    err = _error(folder)
    assert str(err).startswith(f"{folder / 'votes.csv'}:1: missing column 'voter-id'")


def test_missing_comments_column(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(
        folder / "comments.csv",
        1,
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,mod,comment-body",
    )
    assert str(_error(folder)).startswith(
        f"{folder / 'comments.csv'}:1: missing column 'moderated'"
    )


def test_non_integer_id_reports_first_line(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 17, "1403054214196,Wed Jun 18 08:16:54 WIB 2014,3,abc,1")
    _replace_line(folder / "votes.csv", 40, "1403054214196,Wed Jun 18 08:16:54 WIB 2014,x,5,1")
    assert (
        str(_error(folder)) == f"{folder / 'votes.csv'}:17: voter-id must be an integer, got 'abc'"
    )


def test_vote_out_of_range(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 17, "1403054214196,Wed Jun 18 08:16:54 WIB 2014,3,4,2")
    assert str(_error(folder)) == f"{folder / 'votes.csv'}:17: vote must be -1, 0 or 1, got 2"


def test_fractional_vote(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 5, "1403054214196,Wed Jun 18 08:16:54 WIB 2014,3,4,0.5")
    assert str(_error(folder)) == f"{folder / 'votes.csv'}:5: vote must be an integer, got '0.5'"


def test_truncated_row(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 9, "1403054214196,Wed Jun 18 08:16:54 WIB 2014,3")
    assert str(_error(folder)) == f"{folder / 'votes.csv'}:9: missing voter-id"


def test_blank_line_in_the_middle(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 12, "")
    err = _error(folder)
    assert err.file == str(folder / "votes.csv") and err.line == 12


def test_extra_trailing_field_is_ignored(tmp_path: Path) -> None:
    """Documented leniency: pandas' usecols fast path does not count fields per row."""
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 23, "1403054214196,Wed Jun 18 08:16:54 WIB 2014,3,4,1,9")
    conv = load_conversation(folder)
    assert (conv.votes.statement_ids[21], conv.votes.participant_ids[21], conv.votes.votes[21]) == (
        3,
        4,
        1,
    )


def test_shifted_fields_are_caught(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 23, "1403054214196,Wed, Jun 18 08:16:54 WIB 2014,3,4,1")
    expected = "comment-id must be an integer, got 'Jun 18 08:16:54 WIB 2014'"
    assert str(_error(folder)) == f"{folder / 'votes.csv'}:23: {expected}"


def test_empty_votes_file(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    (folder / "votes.csv").write_text("")
    assert str(_error(folder)) == f"{folder / 'votes.csv'}:1: empty file, expected a header line"


def test_bad_comment_id_counts_physical_lines(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    (folder / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        '1,d,0,0,0,0,1,"a body\nover two lines"\n'
        "2,d,one,0,0,0,1,text\n"
    )
    assert (
        str(_error(folder))
        == f"{folder / 'comments.csv'}:4: comment-id must be an integer, got 'one'"
    )


def test_duplicate_comment_id(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    (folder / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1,d,0,0,0,0,1,a\n2,d,0,0,0,0,1,b\n"
    )
    assert (
        str(_error(folder))
        == f"{folder / 'comments.csv'}:3: duplicate comment-id 0 (first on line 2)"
    )


def test_truncated_json(tmp_path: Path) -> None:
    folder = _copy(SMALL_FIXTURE, tmp_path)
    text = (folder / "votes.json").read_text()
    (folder / "votes.json").write_text(text[: len(text) // 2])
    err = _error(folder)
    assert err.file == str(folder / "votes.json")
    assert isinstance(err.line, int) and err.line > 1
    assert "invalid JSON" in err.problem


def _edit_json(path: Path, index: int, key: str, value: object) -> None:
    records = json.loads(path.read_text())
    records[index][key] = value
    path.write_text(json.dumps(records))


def test_json_vote_out_of_range(tmp_path: Path) -> None:
    folder = _copy(BIG_FIXTURE, tmp_path)
    _edit_json(folder / "votes.json", 42, "vote", 2)
    assert (
        str(_error(folder)) == f"{folder / 'votes.json'}:record 42: vote must be -1, 0 or 1, got 2"
    )


def test_json_non_integer_id(tmp_path: Path) -> None:
    folder = _copy(SMALL_FIXTURE, tmp_path)
    _edit_json(folder / "votes.json", 7, "pid", "seven")
    assert (
        str(_error(folder))
        == f"{folder / 'votes.json'}:record 7: pid must be a number, got 'seven'"
    )


def test_json_missing_field(tmp_path: Path) -> None:
    folder = _copy(BIG_FIXTURE, tmp_path)
    records = json.loads((folder / "votes.json").read_text())
    del records[3]["statement_id"]
    (folder / "votes.json").write_text(json.dumps(records))
    assert str(_error(folder)) == f"{folder / 'votes.json'}:record 3: missing field 'statement_id'"


def test_json_comments_bad_moderation(tmp_path: Path) -> None:
    folder = _copy(SMALL_FIXTURE, tmp_path)
    _edit_json(folder / "comments.json", 5, "mod", 3)
    assert (
        str(_error(folder)) == f"{folder / 'comments.json'}:record 5: mod must be -1, 0 or 1, got 3"
    )


def test_json_not_a_list(tmp_path: Path) -> None:
    folder = _copy(SMALL_FIXTURE, tmp_path)
    (folder / "votes.json").write_text('{"votes": []}')
    assert (
        str(_error(folder))
        == f"{folder / 'votes.json'}:1: expected a JSON list of records, got dict"
    )


def test_polis_groups_bad_group_id(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    path = folder / "participants-votes.csv"
    lines = path.read_text().split("\n")
    fields = lines[4].split(",")
    fields[1] = "g"
    lines[4] = ",".join(fields)
    path.write_text("\n".join(lines))
    with pytest.raises(InputError) as info:
        load_polis_groups(folder)
    assert str(info.value) == f"{path}:5: group-id must be an integer, got 'g'"


@pytest.mark.parametrize(
    "line,row,problem",
    [
        (1717, "1403054214196,d,3,x1,1", "voter-id must be an integer, got 'x1'"),
        (2222, "1403054214196,d,3,4,-3", "vote must be -1, 0 or 1, got -3"),
        (502, "1403054214196,d,,4,1", "missing comment-id"),
    ],
)
def test_line_numbers_past_the_first_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: int, row: str, problem: str
) -> None:
    """Large files are read in chunks; line numbers must count from the file's start."""
    monkeypatch.setattr(loaders, "_VOTE_CHUNK", 500)
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", line, row)
    assert str(_error(folder)) == f"{folder / 'votes.csv'}:{line}: {problem}"


def test_chunked_read_matches_whole_read(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = load_conversation(SEATTLE).votes
    monkeypatch.setattr(loaders, "_VOTE_CHUNK", 400)
    chunked = load_conversation(SEATTLE).votes
    for field in ("participant_ids", "statement_ids", "votes", "timestamps"):
        assert np.array_equal(getattr(whole, field), getattr(chunked, field))


def test_fractional_timestamps_are_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "_VOTE_CHUNK", 500)
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 1300, "1403054214196.5,d,3,4,1")
    votes = load_conversation(folder).votes
    assert len(votes) == 2995
    assert votes.timestamps[1298] == 1403054214196
