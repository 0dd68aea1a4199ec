"""Long operator commands say how far along they are (issue 14, point 11): `load-demo`,
`import-polis` and `report --format pdf` print progress lines on stderr, and their stdout stays
what scripts read: the conversation's id, or the written file, alone on the last line."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.demo import DEMO_FACILITATOR_EMAIL
from deliberation.models import LatestVote, VoteRecord
from deliberation.polis_io import importer

CHROMIUM = Path("/usr/bin/chromium")


def _export(tmp_path: Path, participants: int, statements: int) -> Path:
    """A Polis export folder where every participant voted on every statement, some twice."""
    folder = tmp_path / "export"
    folder.mkdir()
    votes = ["timestamp,datetime,comment-id,voter-id,vote"]
    at = 1000
    for pid in range(participants):
        for tid in range(statements):
            votes.append(f"{at},,{tid},{pid},{(pid + tid) % 3 - 1}")
            at += 1
            if (pid + tid) % 4 == 0:  # a changed mind: history grows, standing votes do not
                votes.append(f"{at},,{tid},{pid},1")
                at += 1
    comments = ["timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body"]
    comments += [f"900,,{tid},0,0,0,1,Propuesta {tid}" for tid in range(statements)]
    (folder / "votes.csv").write_text("\n".join(votes) + "\n", encoding="utf-8")
    (folder / "comments.csv").write_text("\n".join(comments) + "\n", encoding="utf-8")
    return folder


def test_load_demo_reports_progress_on_stderr_and_its_id_last_on_stdout(app, db):
    answer = app.test_cli_runner().invoke(args=["load-demo", "--participants", "20"])

    assert answer.exit_code == 0, answer.output
    assert "simulating participant 2 of 20" in answer.stderr
    assert "simulating participant 20 of 20" in answer.stderr
    assert "simulating" not in answer.stdout
    stdout = answer.stdout.strip().splitlines()
    conversation_id = stdout[-1]
    assert services.get_conversation(conversation_id).public_id == conversation_id
    # Where the password is shown once, the way back in is said.
    [shown] = [i for i, line in enumerate(stdout) if "password: " in line]
    assert f"reset-password {DEMO_FACILITATOR_EMAIL}" in stdout[shown + 1]


def test_import_reports_its_votes_in_slices_on_stderr_and_loses_none(app, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_ROWS", 7)  # many slices from a small export
    folder = _export(tmp_path, participants=6, statements=5)
    history_rows = len((folder / "votes.csv").read_text().splitlines()) - 1

    answer = app.test_cli_runner().invoke(args=["import-polis", str(folder), "--title", "Mesa"])

    assert answer.exit_code == 0, answer.output
    stderr = answer.stderr.splitlines()
    assert f"read 6 participants, 5 statements and {history_rows} votes from export" in stderr
    assert f"writing votes… 7 of {history_rows}" in stderr
    assert f"writing votes… {history_rows} of {history_rows}" in stderr
    assert "writing standing votes… 30 of 30" in stderr
    assert "writing" not in answer.stdout
    conversation_id = answer.stdout.strip().splitlines()[-1]
    conversation = services.get_conversation(conversation_id)
    database.session.rollback()
    count = sa.select(sa.func.count())
    assert (
        database.session.scalar(
            count.select_from(VoteRecord).where(VoteRecord.conversation_id == conversation.id)
        )
        == history_rows
    )
    assert (
        database.session.scalar(
            count.select_from(LatestVote).where(LatestVote.conversation_id == conversation.id)
        )
        == 30
    )


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_report_pdf_says_it_is_printing_on_stderr_and_the_file_on_stdout(
    app, conversation, seeds, tmp_path
):
    pdf = tmp_path / "report.pdf"
    answer = app.test_cli_runner().invoke(
        args=["report", conversation.public_id, "--format", "pdf", "--out", str(pdf)]
    )

    assert answer.exit_code == 0, answer.output
    assert "printing the PDF with Chromium…" in answer.stderr
    assert answer.stdout.strip().splitlines() == [str(pdf)]
    assert pdf.read_bytes().startswith(b"%PDF")
