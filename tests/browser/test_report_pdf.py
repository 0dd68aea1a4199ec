"""`flask --app web report --format pdf` prints the demo conversation's report through headless
Chromium: the pages are not blank, and the first is saved as a picture for people to look at.
Without Chromium, the command says how to install it and fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from deliberation.db import db
from deliberation.demo import DEMO_FACILITATOR_EMAIL, PASSWORD_VARIABLE, load_demo
from deliberation.models import Facilitator
from deliberation.recompute import run_once
from deliberation.report import plenary_report
from deliberation.services.agenda import add_agenda_note, change_agenda_status, promote_statement
from deliberation.services.snapshots import create_snapshot
from tests.browser.conftest import ARTIFACTS, CHROMIUM, PASSWORD, assert_accessible, screenshot
from tests.browser.test_console_flow import desktop  # noqa: F401  (a fixture)

pytestmark = pytest.mark.e2e
RESOLUTION = 50  # dots per inch: enough to tell text from a blank page, quick to read


def _pages(pdf: Path, folder: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", str(RESOLUTION), str(pdf), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.ppm"))


def _ink(ppm: Path) -> float:
    """Share of pixels that are not white, read from a binary PPM (P6, 8 bits a channel)."""
    data = ppm.read_bytes()
    fields, position = [], 0
    while len(fields) < 4:  # magic, width, height, maximum; comments start with #
        while data[position : position + 1].isspace():
            position += 1
        if data[position : position + 1] == b"#":
            position = data.index(b"\n", position)
            continue
        end = position
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    assert fields[0] == b"P6" and fields[3] == b"255", fields
    pixels = data[position + 1 :]
    width, height = int(fields[1]), int(fields[2])
    assert len(pixels) == width * height * 3
    inked = sum(1 for i in range(0, len(pixels), 3) if min(pixels[i : i + 3]) < 200)
    return inked / (width * height)


@pytest.fixture
def demo(live_server):
    """The demo conversation (60 participants) with its fast results."""
    conversation_id = load_demo(participants=60, seed=1, report=lambda _line: None)
    run_once("fast")
    return live_server.app, conversation_id


def _plenary_ready(conversation_id: str) -> None:
    """The slow analyses, an agenda item with a status and a note, and a snapshot."""
    run_once("slow")
    owner = db.session.scalar(
        sa.select(Facilitator.id).where(Facilitator.email == DEMO_FACILITATOR_EMAIL)
    )
    agenda = plenary_report(owner, conversation_id).common_agenda
    tid = agenda[0].statement.tid if agenda else 0
    promote_statement(
        owner,
        conversation_id,
        tid,
        subcommittee="Acceso a la justicia",
        responsible_body="Fiscalía General del Estado",
        government_level="state",
    )
    change_agenda_status(owner, conversation_id, tid, "agreed")
    add_agenda_note(owner, conversation_id, tid, "Primera reunión con la fiscalía.")
    create_snapshot(owner, conversation_id, "Plenaria de prueba")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_report_prints_to_a_pdf_whose_pages_are_not_blank(demo, tmp_path):
    app, conversation_id = demo
    _plenary_ready(conversation_id)
    pdf = tmp_path / "report.pdf"
    result = app.test_cli_runner().invoke(
        args=["report", conversation_id, "--format", "pdf", "--lang", "es", "--out", str(pdf)]
    )
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")

    pages = _pages(pdf, tmp_path)
    assert len(pages) >= 3  # cover and participation, agenda, groups, items
    for page in pages[:-1]:
        assert _ink(page) > 0.01, page.name  # every full page carries text or charts
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    first = ARTIFACTS / "report-first-page"
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(first)],
        check=True,
    )
    assert first.with_suffix(".png").stat().st_size > 10_000


def test_without_chromium_the_command_says_how_to_install_it(demo, tmp_path):
    app, conversation_id = demo
    pdf = tmp_path / "report.pdf"
    result = app.test_cli_runner().invoke(
        args=[
            "report",
            conversation_id,
            "--format",
            "pdf",
            "--out",
            str(pdf),
            "--chromium",
            str(tmp_path / "no-chromium-here"),
        ]
    )
    assert result.exit_code == 3
    assert "apt-get install chromium" in result.output
    assert not pdf.exists()
    # The printable page is still there for any browser, as a file.
    page = tmp_path / "report.html"
    result = app.test_cli_runner().invoke(
        args=["report", conversation_id, "--format", "html", "--out", str(page)]
    )
    assert result.exit_code == 0, result.output
    assert "<svg" in page.read_text(encoding="utf-8")
    assert shutil.which("pdftoppm")


def test_printable_page_in_the_console_runs_under_the_csp(
    desktop,  # noqa: F811 - the console flow's fixture, imported above
    live_server,
    monkeypatch,
):
    """The served page: styles linked, charts drawn, no script error, the CSP refuses nothing,
    no serious accessibility problem; printed from the browser, the toolbar is gone."""
    monkeypatch.setitem(live_server.app.config, PASSWORD_VARIABLE, PASSWORD)
    conversation_id = load_demo(participants=40, seed=2, report=lambda _line: None)
    run_once("fast")
    page, recorder = desktop
    base = f"{live_server.url}/console"
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(DEMO_FACILITATOR_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/c/{conversation_id}/report?lang=en")
    # The demo's topic in the report's language (issue 14, point 1: its English translation).
    expect(page.locator("h1")).to_contain_text("Security round-table")
    assert page.locator("svg.chart").count() >= 3  # timeline, agreement bars, map
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert_accessible(page, "console report")
    screenshot(page, "console-report")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    page.get_by_role("link", name="Methods").click()
    expect(page.locator("h1")).to_have_text("How Mesa computes what it shows")
    # (The login page's missing favicon is the console's, not the report's.)
    assert [e for e in recorder.console_errors if "/report" in e or "/methods" in e] == []
