"""Browser fixtures: the app served on 127.0.0.1 from a background thread, and Debian's Chromium
driven by Playwright at a phone's size, recording every request, dialog and console error.

Run with `make e2e`. Screenshots go to tests/artifacts/ (ignored by git) for people to look at.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from deliberation import services
from deliberation.db import db as database
from tests.conftest import release_connections
from web import create_app
from web.report.pdf import HEADLESS_ARGS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = list(HEADLESS_ARGS)
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "a long enough password"

pytestmark = pytest.mark.e2e


@dataclass
class LiveServer:
    url: str
    app: object

    def conversation_url(self, conversation_id: str, path: str = "") -> str:
        return f"{self.url}/c/{conversation_id}{path}"


@pytest.fixture
def live_server(sqlite_template, tmp_path) -> Iterator[LiveServer]:
    """The app on a copy of the migrated SQLite template, served on a free port of 127.0.0.1.

    Its app context stays pushed for the test's own service calls and database checks; the
    server's threads push their own, with their own database sessions.
    """
    path = tmp_path / "mesa.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "browser-test-secret",
            "TESTING": True,
            "MESA_EMBEDDED_WORKER": False,  # the tests compute groups when they want them
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # The simulated crowds join from 127.0.0.1 faster than any venue would.
            "MESA_RATE_LIMIT_JOINS": False,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="mesa-live-server", daemon=True)
    thread.start()
    with app.app_context():
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
        server.shutdown()
        thread.join(10)
        release_connections()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@dataclass
class Recorder:
    """Everything a page did that a test may want to assert on."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(url).netloc for url in self.requests if not url.startswith("data:")}


def open_context(browser, recorder: Recorder, **options):
    context = browser.new_context(viewport=PHONE, locale="en-US", **options)
    context.on("request", lambda request: recorder.requests.append(request.url))

    def on_page(page):
        page.on(
            "dialog", lambda dialog: (recorder.dialogs.append(dialog.message), dialog.dismiss())
        )
        page.on(
            "console",
            lambda message: (
                message.type == "error" and recorder.console_errors.append(message.text)
            ),
        )
        page.on("pageerror", lambda error: recorder.page_errors.append(str(error)))

    context.on("page", on_page)
    return context


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def phone(browser, live_server, recorder):
    """A fresh phone-sized page with JavaScript; afterwards, every request must have gone to
    the test server on 127.0.0.1 and no dialog may have opened."""
    context = open_context(browser, recorder)
    page = context.new_page()
    yield page
    context.close()
    assert recorder.hosts() <= {urlsplit(live_server.url).netloc}, recorder.hosts()
    assert recorder.dialogs == []


@pytest.fixture
def phone_without_javascript(browser, live_server, recorder):
    context = open_context(browser, recorder, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()
    assert recorder.hosts() <= {urlsplit(live_server.url).netloc}, recorder.hosts()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def owner(live_server):
    return services.create_facilitator("owner@example.org", PASSWORD)


def fresh_session() -> None:
    """End the test's read transaction, so it sees what the server's requests committed."""
    database.session.rollback()


def assert_accessible(page, name: str) -> None:
    """axe-core (through axe-playwright-python) finds no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    severe = [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert not severe, f"{name}: {severe}"
