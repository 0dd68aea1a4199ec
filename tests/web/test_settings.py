"""The one table of settings (web.settings): the docs name only its rows, the README shows it,
the environment reaches the app's config, secrets never print, weak keys never serve.

Through a real `gunicorn web.wsgi:app`: tests/faults/test_deployment_settings.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.settings_samples import SAMPLE_KEY, sample_environment
from web import _instance_secret_key, create_app
from web.rate_limits import PerProcessLimits, refuse_per_process_limits
from web.secret_keys import WeakSecretKey, is_strong
from web.settings import BY_NAME, SETTINGS, markdown_table

REPO = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "SECURITY.md", "OPERATIONS.md")
# Upper-case names with an underscore, e.g. MESA_PUBLIC_URL or SECRET_KEY_FALLBACKS.
VARIABLE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
# Names the docs use that are not Mesa's settings: the test and CI harness's, one a backup
# command derives from DATABASE_URL, and commands' placeholders.
NOT_SETTINGS = {"TEST_DATABASE_URL", "PGPORT_MESA", "DATABASE_URL_LIBPQ"}
PLACEHOLDERS = {"CONVERSATION_ID", "SNAPSHOT_ID", "MATH_JSON", "FIXTURE_DIR"}
README_TABLE = re.compile(
    r"<!-- settings table: begin.*?-->\n(.*?)\n<!-- settings table: end -->", re.DOTALL
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No setting from the caller's environment; the database a file of the test's own."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'mesa.sqlite3'}")


def documented_names() -> set[str]:
    names = set()
    for doc in DOCS:
        names |= set(VARIABLE.findall((REPO / doc).read_text(encoding="utf-8")))
    return names - NOT_SETTINGS - PLACEHOLDERS


def test_every_setting_the_docs_name_is_in_the_table():
    named = documented_names()
    # The four settings that production could not set are among them.
    assert {"MESA_PUBLIC_URL", "MESA_EMBED_FRAME_ANCESTORS", "SECRET_KEY_FALLBACKS"} <= named
    assert {"PASSWORD_HASH_METHOD", "MESA_RATE_LIMITS_PER_PROCESS"} <= named
    assert named - set(BY_NAME) == set()


def test_the_readme_settings_section_is_the_table():
    found = README_TABLE.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no settings table between its markers"
    assert found.group(1) == markdown_table(), "run: flask --app web settings --markdown"


def test_every_app_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    environment = sample_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'mesa.sqlite3'}",
        RATELIMIT_STORAGE_URI="memory://?sample=1",
    )
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = create_app().config  # no config of its own: as web/wsgi.py builds it
    for setting in SETTINGS:
        if setting.server:
            continue
        expected = setting.read(environment)
        assert expected != setting.default_value(), f"{setting.name}: the sample is the default"
        assert config[setting.key] == expected, setting.name


def test_the_environment_is_parsed_by_type_and_refused_with_the_name(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://mesa:pw@db.internal/mesa")
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", f" {SAMPLE_KEY}a , {SAMPLE_KEY}b ,")
    monkeypatch.setenv("MESA_RATE_LIMIT_PER_ADDRESS", "on")
    monkeypatch.setenv("MESA_RECOMPUTE_LEASE_S", "12.5")
    monkeypatch.setenv("SECRET_KEY", SAMPLE_KEY)
    config = create_app().config
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://mesa:pw@db.internal/mesa"
    assert config["SECRET_KEY_FALLBACKS"] == [f"{SAMPLE_KEY}a", f"{SAMPLE_KEY}b"]
    assert config["MESA_RATE_LIMIT_PER_ADDRESS"] is True
    assert config["MESA_RECOMPUTE_LEASE_S"] == 12.5
    monkeypatch.setenv("MESA_PROXY_HOPS", "one")
    with pytest.raises(ValueError, match="MESA_PROXY_HOPS='one' is not a valid whole number"):
        create_app()
    monkeypatch.setenv("MESA_PROXY_HOPS", "1")
    monkeypatch.setenv("MESA_EMBEDDED_WORKER", "maybe")
    with pytest.raises(ValueError, match="MESA_EMBEDDED_WORKER='maybe'"):
        create_app()


def test_config_given_to_create_app_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("MESA_MIN_SECTOR_CELL", "9")
    assert create_app({"TESTING": True}).config["MESA_MIN_SECTOR_CELL"] == 9
    given = create_app({"TESTING": True, "MESA_MIN_SECTOR_CELL": 3})
    assert given.config["MESA_MIN_SECTOR_CELL"] == 3


def test_the_settings_command_prints_effective_values_with_secrets_masked(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", SAMPLE_KEY)
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", SAMPLE_KEY + "-old")
    monkeypatch.setenv("MESA_DEMO_PASSWORD", "demo-password-42")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://:redis-pass-42@cache.internal:6379/0")
    monkeypatch.setenv("MESA_PUBLIC_URL", "https://mesa.example.org")
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://mesa:db-pass-42@db/mesa"})
    result = app.test_cli_runner().invoke(args=["settings"])
    assert result.exit_code == 0, result.output
    printed = dict(line.split(None, 1) for line in result.output.splitlines())
    assert set(printed) == set(BY_NAME)
    assert printed["MESA_PUBLIC_URL"] == "https://mesa.example.org"
    assert printed["WEB_CONCURRENCY"] == "4"
    assert printed["SECRET_KEY"] == printed["SECRET_KEY_FALLBACKS"] == "(set, hidden)"
    assert printed["MESA_DEMO_PASSWORD"] == "(set, hidden)"
    assert printed["DATABASE_URL"] == "postgresql+psycopg://mesa:***@db/mesa"
    assert printed["RATELIMIT_STORAGE_URI"] == "redis://:***@cache.internal:6379/0"
    for secret in (SAMPLE_KEY, "demo-password-42", "redis-pass-42", "db-pass-42"):
        assert secret not in result.output


@pytest.mark.parametrize(
    ("key", "fallbacks", "refused"),
    [
        ("short", [], True),
        ("x" * 31 + "0123456789", [], False),
        ("0123456789abcdefghijklmnopqrstu", [], True),  # 31 characters
        ("0123456789abcdefghijklmnopqrstuv", [], False),  # 32
        ("ab" * 32, [], True),  # long, but two different characters
        (SAMPLE_KEY, ["old"], True),  # a former key still verifies: the same rule
        (SAMPLE_KEY, [SAMPLE_KEY + "-old"], False),
    ],
)
def test_a_weak_secret_key_refuses_to_start_outside_debug_and_tests(key, fallbacks, refused):
    config = {"SECRET_KEY": key, "SECRET_KEY_FALLBACKS": fallbacks}
    if refused:
        with pytest.raises(WeakSecretKey, match="too weak to resist offline guessing"):
            create_app(config)
        assert create_app({**config, "TESTING": True}).testing
        assert create_app({**config, "DEBUG": True}).debug
    else:
        assert create_app(config).config["SECRET_KEY"] == key


def test_the_generated_instance_key_is_strong(tmp_path):
    assert is_strong(_instance_secret_key(tmp_path))


@pytest.mark.parametrize(
    ("storage", "processes", "explicit", "refused"),
    [
        ("memory://", 1, False, False),
        ("memory://", 5, False, True),
        ("memory://", 5, True, False),
        ("redis://127.0.0.1:6379/0", 5, False, False),
    ],
)
def test_several_processes_refuse_per_process_limits_unless_told(
    storage, processes, explicit, refused
):
    config = {
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_ENABLED": True,
        "MESA_RATE_LIMITS_PER_PROCESS": explicit,
    }
    if refused:
        with pytest.raises(PerProcessLimits, match="RATELIMIT_STORAGE_URI=redis://"):
            refuse_per_process_limits(config, processes)
    else:
        refuse_per_process_limits(config, processes)
