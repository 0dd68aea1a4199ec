"""Hostile and broken files at the Polis import, and formula injection through the exports.

An import that is refused names the file (and the line where there is one) and leaves the
database exactly as it was. Every cell of every CSV export that a spreadsheet would run as a
formula starts with a quote, and an export imports back with the texts it was made from.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from clustering.loaders import InputError
from deliberation import services
from deliberation.db import db as database
from deliberation.polis_io import import_polis_export, polis_csv_export, write_polis_csv
from deliberation.polis_io.csv_formats import neutralise, restore_neutralised
from deliberation.recompute import run_once
from tests.deliberation.conftest import join

SUMMARY = "topic,Mesa de seguridad\nconversation-description,Sesión de marzo\n"
COMMENTS = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    "1000,x,0,0,1,0,1,Más fiscales e investigadores\n"
    "1100,x,1,1,0,1,1,Mejores salarios para la policía\n"
)
VOTES = "timestamp,datetime,comment-id,voter-id,vote\n1000,x,0,0,1\n1500,x,0,1,-1\n2000,x,1,1,1\n"
# What an attacker would type, and what a spreadsheet would run.
FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","clic")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1 after a tab",
    "\r=1+1 after a carriage return",
    "'=already quoted by its author",
    "''@twice quoted",
    "it is fine = in the middle",
]


def folder_with(tmp_path: Path, **files: bytes | str) -> Path:
    folder = tmp_path / "export"
    folder.mkdir(parents=True, exist_ok=True)
    contents = {"summary.csv": SUMMARY, "comments.csv": COMMENTS, "votes.csv": VOTES, **files}
    for name, content in contents.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def row_counts() -> dict[str, int]:
    database.session.rollback()
    return {
        table.name: database.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in database.metadata.sorted_tables
    }


def refused_by_cli(app, folder: Path, *options: str) -> str:
    """Runs import-polis, which must fail as bad input (exit 2); returns its error line."""
    result = app.test_cli_runner().invoke(args=["import-polis", str(folder), *options])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: "), result.output
    return result.output


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_written(app, tmp_path):
    existing = services.create_facilitator("owner@example.org", "a long enough password")
    services.create_conversation(existing.id, "Ya existe")
    before = row_counts()
    big_votes = VOTES + "".join(f"{3000 + i},x,0,{i % 7},1\n" for i in range(80_000))
    folder = folder_with(tmp_path, **{"votes.csv": big_votes})
    assert (folder / "votes.csv").stat().st_size > 1024 * 1024

    output = refused_by_cli(app, folder, "--max-file-mb", "1")
    assert "votes.csv" in output and "larger than the import limit of 1,048,576 bytes" in output
    with pytest.raises(InputError, match="larger than the import limit"):
        import_polis_export(folder, max_file_bytes=4096)
    assert row_counts() == before

    small = folder_with(tmp_path / "small")  # the same limit lets a small export in
    assert import_polis_export(small, max_file_bytes=4096).votes == 3


@pytest.mark.parametrize(
    ("encoding", "line", "expected"),
    [
        ("latin-1", 2, "comments.csv:2: not UTF-8 text (byte 0xe1 at column 19"),
        ("cp1252", 2, "comments.csv:2: not UTF-8 text (byte 0xe1 at column 19"),
        ("utf-16", 1, "comments.csv:1: UTF-16 text; save the file as UTF-8"),
    ],
)
def test_a_file_in_another_encoding_names_file_and_line(app, tmp_path, encoding, line, expected):
    before = row_counts()
    folder = folder_with(tmp_path, **{"comments.csv": COMMENTS.encode(encoding)})

    output = refused_by_cli(app, folder)
    assert expected in output
    with pytest.raises(InputError) as refusal:
        import_polis_export(folder)
    assert refusal.value.line == line and refusal.value.file.endswith("comments.csv")
    assert row_counts() == before


def test_a_bad_byte_deep_in_votes_is_placed_on_its_line(app, tmp_path):
    votes = VOTES + "2500,x,1,0,1\n" + "2600,x,1,2,\xff\n"
    folder = folder_with(tmp_path, **{"votes.csv": votes.encode("latin-1")})
    before = row_counts()
    with pytest.raises(InputError, match=r"votes.csv:6: not UTF-8 text \(byte 0xff at column 12"):
        import_polis_export(folder)
    assert row_counts() == before


def test_a_utf8_byte_order_mark_is_fine(app, tmp_path):
    folder = folder_with(tmp_path, **{"comments.csv": b"\xef\xbb\xbf" + COMMENTS.encode()})
    imported = import_polis_export(folder)
    texts = [s.text for s in services.list_statements(services.OPERATOR, imported.conversation_id)]
    assert texts[0] == "Más fiscales e investigadores"


@pytest.mark.parametrize("text", FORMULAS)
def test_neutralising_is_undone_exactly_by_the_import(text):
    exported = neutralise(text)
    assert restore_neutralised(exported) == text
    if text.lstrip("'").startswith(("=", "+", "-", "@", "\t", "\r")):
        assert exported == "'" + text
    else:
        assert exported == text


def formula_conversation(app, tmp_path) -> str:
    """A conversation whose topic, description, statements and an xid are formulas, with
    votes and a computed result (so comment-groups.csv has groups)."""
    owner = services.create_facilitator("owner@example.org", "a long enough password")
    conversation = services.create_conversation(
        owner.id,
        "=1+1 topic",
        description="@description",
        languages=["es"],
        statement_max_length=500,
    )
    cid = conversation.public_id
    for text in FORMULAS[:5]:
        services.add_seed_statement(owner.id, cid, text)
    voters = [join(conversation) for _ in range(6)]
    for index, voter in enumerate(voters):
        for text in FORMULAS[5:] if index == 0 else []:
            added = services.submit_statement(cid, voter.pid, text)
            services.moderate_statement(owner.id, cid, added.tid, "accepted")
    database.session.rollback()
    tids = [s.tid for s in services.list_statements(services.OPERATOR, cid)]
    for index, voter in enumerate(voters):
        for tid in tids:
            services.cast_vote(cid, voter.pid, tid, (index + tid) % 3 - 1)
    run_once("fast")
    return cid


def test_every_csv_export_neutralises_formulas_and_imports_back_unchanged(app, tmp_path):
    cid = formula_conversation(app, tmp_path)
    files = polis_csv_export(services.OPERATOR, cid)
    cells = 0
    for name, text in files.items():
        if not name.endswith(".csv"):
            continue
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                cells += 1
                if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                    float(cell)  # only a number may start so (a negative vote: -1)
    assert cells > 100
    comments = list(csv.DictReader(io.StringIO(files["comments.csv"])))
    assert "'=cmd|' /C calc'!A0" in [row["comment-body"] for row in comments]
    assert dict(csv.reader(io.StringIO(files["summary.csv"])))["topic"] == "'=1+1 topic"
    groups = list(csv.DictReader(io.StringIO(files["comment-groups.csv"])))
    assert "'@SUM(A1:A9)" in [row["comment"] for row in groups]

    original = sorted(s.text for s in services.list_statements(services.OPERATOR, cid))
    write_polis_csv(services.OPERATOR, cid, tmp_path / "out")
    again = import_polis_export(tmp_path / "out")
    assert (
        sorted(s.text for s in services.list_statements(services.OPERATOR, again.conversation_id))
        == original
    )
    reimported = services.get_conversation(again.conversation_id)
    assert (reimported.topic, reimported.description) == ("=1+1 topic", "@description")


def test_a_polis_export_with_raw_formulas_imports_as_written(app, tmp_path):
    """Polis itself does not neutralise: its texts arrive as they are, and leave quoted."""
    comments = COMMENTS.replace("Más fiscales e investigadores", '"=SUM(1,2)"')
    imported = import_polis_export(folder_with(tmp_path, **{"comments.csv": comments}))
    texts = [s.text for s in services.list_statements(services.OPERATOR, imported.conversation_id)]
    assert texts[0] == "=SUM(1,2)"
    exported = polis_csv_export(services.OPERATOR, imported.conversation_id, names=["comments.csv"])
    assert "'=SUM(1,2)" in exported["comments.csv"]
