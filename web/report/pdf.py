"""Printing the report page to PDF with headless Chromium, run as a subprocess.

The page is written to a temporary file with its styles inlined and its charts as inline SVG,
so Chromium needs no server and fetches nothing (the app's Content-Security-Policy applies only
to served pages; this file has no script at all)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_PATHS = ("/usr/bin/chromium",)
CHROMIUM_NAMES = ("chromium", "chromium-browser")
# Headless, offline and quiet: no sandbox (CI runs as root), no calls home, no first-run UI.
# The browser tests launch Chromium with the same switches.
HEADLESS_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CHROMIUM_ARGS = (*HEADLESS_ARGS, "--no-pdf-header-footer")
INSTALL_HINT = (
    "PDF needs Chromium. Install it (Debian/Ubuntu: apt-get install chromium), or open the "
    "printable page in the console (/console/c/<conversation>/report) and print it from any "
    "browser."
)
TIMEOUT_S = 120


class ChromiumMissing(RuntimeError):
    pass


class PrintFailed(RuntimeError):
    pass


def find_chromium() -> str | None:
    for path in CHROMIUM_PATHS:
        if Path(path).is_file():
            return path
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    return None


def print_to_pdf(html: str, out: Path, chromium: str | None = None) -> Path:
    """Write `html` as a PDF at `out`; raise ChromiumMissing or PrintFailed."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise ChromiumMissing(INSTALL_HINT)
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="mesa-report-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        target = Path(folder) / "report.pdf"
        command = [
            chromium,
            *CHROMIUM_ARGS,
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        try:
            finished = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise PrintFailed(f"Chromium did not finish within {TIMEOUT_S} s") from None
        if finished.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
            detail = (finished.stderr or "").strip().splitlines()[-3:]
            raise PrintFailed(f"Chromium could not print the report: {' '.join(detail)}")
        shutil.move(str(target), out)
    return out
