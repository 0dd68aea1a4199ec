"""The CLI's contract for bad input: one `error: file:line: problem` line, exit code 2.

Errors are raised while loading, before the pipeline runs, so these tests do not depend on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
SEATTLE = DATA / "polis-open-data" / "15-per-hour-seattle"
FIXTURE = DATA / "polis-math-fixtures" / "below-100-ptpts"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "clustering", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_one_error_line(proc: subprocess.CompletedProcess, starts: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {starts}"), lines[0]
    assert proc.stdout == ""


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    return dst


def _replace_line(path: Path, line_no: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line_no - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def test_vote_out_of_range(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 17, "1403054214196,Wed Jun 18 08:16:54 WIB 2014,3,4,2")
    proc = _run("analyze", str(folder))
    _assert_one_error_line(proc, f"{folder / 'votes.csv'}:17: vote must be -1, 0 or 1, got 2")


def test_non_integer_id(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 30, "1403054214196,Wed Jun 18 08:16:54 WIB 2014,3,x7,1")
    _assert_one_error_line(
        _run("analyze", str(folder)), f"{folder / 'votes.csv'}:30: voter-id must be an integer"
    )


def test_missing_column(tmp_path: Path) -> None:
    folder = _copy(SEATTLE, tmp_path)
    _replace_line(folder / "votes.csv", 1, "timestamp,datetime,comment-id,voter-id")
    _assert_one_error_line(
        _run("analyze", str(folder)), f"{folder / 'votes.csv'}:1: missing column 'vote'"
    )


def test_missing_folder(tmp_path: Path) -> None:
    _assert_one_error_line(_run("analyze", str(tmp_path / "absent")), f"{tmp_path / 'absent'}: ")


def test_truncated_json(tmp_path: Path) -> None:
    folder = _copy(FIXTURE, tmp_path)
    text = (folder / "comments.json").read_text()
    (folder / "comments.json").write_text(text[:-40])
    _assert_one_error_line(_run("analyze", str(folder)), f"{folder / 'comments.json'}:")


def test_json_record_error(tmp_path: Path) -> None:
    folder = _copy(FIXTURE, tmp_path)
    records = json.loads((folder / "votes.json").read_text())
    records[12]["vote"] = -2
    (folder / "votes.json").write_text(json.dumps(records))
    proc = _run("analyze", str(folder))
    _assert_one_error_line(
        proc, f"{folder / 'votes.json'}:record 12: vote must be -1, 0 or 1, got -2"
    )


def test_bad_in_conv_file(tmp_path: Path) -> None:
    bad = tmp_path / "math.json"
    bad.write_text('{"n": 3,')
    proc = _run("analyze", str(SEATTLE), "--in-conv-from", str(bad))
    _assert_one_error_line(proc, f"{bad}:1: invalid JSON")


def test_in_conv_file_without_in_conv(tmp_path: Path) -> None:
    bad = tmp_path / "math.json"
    bad.write_text('{"n": 3}')
    proc = _run("analyze", str(SEATTLE), "--in-conv-from", str(bad))
    _assert_one_error_line(proc, f"{bad}: no 'in-conv' key")


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("analyze",),
        ("analyze", str(SEATTLE), "--projection", "tsne"),
        ("analyze", str(SEATTLE), "--replay-batch", "0"),
        ("synth", "--participants", "10"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    assert _run(*args).returncode == 2


def test_synth_command_writes_a_loadable_export(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    proc = _run(
        "synth",
        "--participants",
        "50",
        "--statements",
        "20",
        "--votes-per-participant",
        "8",
        "--groups",
        "2",
        "--seed",
        "3",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("votes.csv", "comments.csv", "planted-groups.csv"):
        assert (out / name).is_file()
    assert len((out / "votes.csv").read_text().splitlines()) == 1 + 50 * 8


def test_synth_too_many_votes_per_participant(tmp_path: Path) -> None:
    proc = _run(
        "synth",
        "--participants",
        "5",
        "--statements",
        "3",
        "--votes-per-participant",
        "4",
        "--groups",
        "2",
        "--seed",
        "0",
        "--out",
        str(tmp_path / "x"),
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
