"""The printed report's section per subcommittee (issue 17), in Spanish and English: the PDF the
`report` command prints has it, with the demo's subcommittees and the agenda item under its own;
its page is rendered to PNG (tests/artifacts/report-subcommittees-<lang>.png)."""

from __future__ import annotations

import subprocess

import pytest

from deliberation.recompute import run_once
from deliberation.services.topics import latest_topics
from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.browser.test_report_pdf import _plenary_ready, demo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.e2e
HEADINGS = {
    "es": ("Por subcomisión", "Donde los grupos coinciden"),
    "en": ("By subcommittee", "Where the groups agree"),
}


def _page_texts(pdf) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_printed_report_has_a_section_per_subcommittee(demo, tmp_path, language):  # noqa: F811
    app, conversation_id = demo
    _plenary_ready(conversation_id)  # the slow pass computes the topics too
    assert latest_topics(conversation_id) is not None
    run_once("fast")
    pdf = tmp_path / "report.pdf"
    result = app.test_cli_runner().invoke(
        args=["report", conversation_id, "--format", "pdf", "--lang", language, "--out", str(pdf)]
    )
    assert result.exit_code == 0, result.output

    pages = _page_texts(pdf)
    heading, agree = HEADINGS[language]
    found = [n for n, text in enumerate(pages) if heading in text]
    assert found, f"no page with {heading!r}"
    section = "".join(pages[found[0] :])
    assert agree.upper() in section  # the section's small headings print in capitals
    for name in ("Acceso a la justicia", "Respuesta inmediata a amenazas", "Derechos humanos"):
        assert name in section
    # The agenda item promoted for "Acceso a la justicia" is under it, with its status.
    justice = section.split("Acceso a la justicia", 1)[1].split("Respuesta inmediata", 1)[0]
    assert ("Acordado" if language == "es" else "agreed").lower() in justice.lower()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image = ARTIFACTS / f"report-subcommittees-{language}"
    page_number = str(found[0] + 1)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-png",
            "-f",
            page_number,
            "-l",
            page_number,
            "-singlefile",
            str(pdf),
            str(image),
        ],
        check=True,
    )
    assert image.with_suffix(".png").stat().st_size > 10_000
