"""Settings through a real `gunicorn web.wsgi:app`, started as an operator starts it.

Every row of web.settings takes effect when set in the server's environment (issue 15, part 2);
MESA_EMBED_FRAME_ANCESTORS and MESA_PUBLIC_URL hold over HTTP (issue 13, point 12); a login
limit holds across processes with Redis (point 10); the server refuses to start with a weak
SECRET_KEY (point 11) or with several processes counting limits each in its own memory.

Each test starts gunicorn without a recompute worker: a few seconds each. Redis is a
`redis-server` of the test's own on a free port.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from deliberation import services
from loadtest.deployment import REPO, Deployment
from loadtest.local_redis import local_redis, redis_available
from loadtest.seeding import app_on
from tests.settings_samples import sample_environment
from web.settings import SETTINGS

EMAIL = "settings@mesa.local"
PASSWORD = "settings-password-42"
# The gunicorn option that each server row of the table sets (gunicorn.conf.py).
GUNICORN_OPTIONS = {
    "MESA_BIND": "bind",
    "WEB_CONCURRENCY": "workers",
    "MESA_GUNICORN_WORKER_CLASS": "worker_class",
    "MESA_GUNICORN_THREADS": "threads",
    "MESA_GUNICORN_KEEPALIVE": "keepalive",
    "MESA_GUNICORN_TIMEOUT": "timeout",
    "MESA_GUNICORN_ACCESSLOG": "accesslog",
    "MESA_GUNICORN_LOGLEVEL": "loglevel",
}
# The repository's gunicorn.conf.py, plus a hook that writes what the running server holds:
# the served app's config for each app setting, gunicorn's own for each server setting.
REPORTING_CONFIG = """
exec(compile(open({real!r}).read(), {real!r}, "exec"))


def when_ready(server):
    import json

    from web.settings import SETTINGS

    config = server.app.wsgi().config
    held = {{
        setting.name: server.cfg.settings[{options!r}[setting.name]].get()
        if setting.server
        else config[setting.key]
        for setting in SETTINGS
    }}
    with open({out!r}, "w") as out:
        json.dump(held, out)
"""


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A redis-server of this test's own, on a free port of 127.0.0.1, keeping nothing on disk."""
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed: .ci/run installs it")
        pytest.skip("redis-server is not installed (apt install redis-server)")
    with local_redis(tmp_path) as redis_server:
        yield redis_server.url


@pytest.fixture
def server(tmp_path) -> Iterator[Callable[..., Deployment]]:
    """`server(env, web_workers=..., gunicorn_config=...)`: a migrated SQLite database with a
    facilitator and a conversation, and gunicorn on it (not yet started); stopped afterwards."""
    started: list[Deployment] = []

    def make(env: dict[str, str], **options) -> Deployment:
        deployment = Deployment(workdir=tmp_path / f"server{len(started)}", **options)
        deployment.workdir.mkdir()
        deployment.env.update(env)
        started.append(deployment)
        deployment.prepare_database()
        with app_on(deployment.database_url):
            owner = services.create_facilitator(EMAIL, PASSWORD)
            deployment.conversation_id = services.create_conversation(
                owner.id, "Mesa de seguridad"
            ).public_id
        return deployment

    yield make
    for deployment in started:
        deployment.stop()


def _log_in(deployment: Deployment, password: str, host: str | None = None) -> requests.Response:
    return requests.post(
        f"{deployment.base_url}/api/v1/session",
        json={"email": EMAIL, "password": password},
        headers={"Host": host} if host else {},
        timeout=30,
    )


@pytest.mark.timeout(180)
def test_every_setting_takes_effect_from_gunicorns_environment(server, redis_url, tmp_path):
    reported = tmp_path / "held.json"
    config = tmp_path / "reporting.gunicorn.conf.py"
    config.write_text(
        REPORTING_CONFIG.format(
            real=str(REPO / "gunicorn.conf.py"), options=GUNICORN_OPTIONS, out=str(reported)
        )
    )
    deployment = server({}, web_workers=2, gunicorn_config=config)
    environment = sample_environment(
        DATABASE_URL=deployment.database_url,
        RATELIMIT_STORAGE_URI=redis_url,
        MESA_BIND=deployment.env["MESA_BIND"],
        MESA_GUNICORN_ACCESSLOG=str(deployment.workdir / "access.log"),
    )
    deployment.env.update(environment)
    deployment.start_server()

    held = json.loads(reported.read_text())
    assert set(held) == {setting.name for setting in SETTINGS}
    assert {s.name for s in SETTINGS if s.server} == set(GUNICORN_OPTIONS)
    for setting in SETTINGS:
        expected = json.loads(json.dumps(setting.read(environment)))
        actual = held[setting.name]
        if setting.name == "MESA_BIND":
            actual = actual[0]  # gunicorn keeps a list of addresses
        assert actual == expected, setting.name
        assert expected != json.loads(json.dumps(setting.default_value())), setting.name

    # Issue 13, point 12: the embed's frame-ancestors and the public address, over HTTP.
    embed = requests.get(f"{deployment.base_url}/embed/{deployment.conversation_id}", timeout=30)
    assert embed.status_code == 200
    assert "frame-ancestors https://municipio.example;" in (
        embed.headers["Content-Security-Policy"] + ";"
    )
    logged_in = _log_in(deployment, PASSWORD, host="attacker.example")
    assert logged_in.status_code == 200, logged_in.text
    assert "Secure" in logged_in.headers["Set-Cookie"]  # SESSION_COOKIE_SECURE, on plain HTTP
    share = requests.get(
        f"{deployment.base_url}/console/c/{deployment.conversation_id}/share",
        headers={"Host": "attacker.example"},
        cookies=dict(logged_in.cookies),  # sent over plain HTTP although marked Secure
        timeout=30,
    )
    assert share.status_code == 200
    assert f"https://mesa.example.org/c/{deployment.conversation_id}" in share.text
    assert "attacker.example" not in share.text
    # MESA_PROXY_HOPS=1 (the sample): the proxy's X-Forwarded-Proto is believed.
    proxied = requests.get(
        f"{deployment.base_url}/", headers={"X-Forwarded-Proto": "https"}, timeout=30
    )
    assert "Strict-Transport-Security" in proxied.headers
    assert (deployment.workdir / "access.log").stat().st_size > 0  # MESA_GUNICORN_ACCESSLOG


LIMIT = 5
ATTEMPTS = 15


@pytest.mark.timeout(180)
@pytest.mark.parametrize("storage", ["redis", "memory"])
def test_a_login_limit_holds_across_gunicorn_processes_with_redis(server, storage, request):
    environment = {
        "MESA_RATE_LIMIT_LOGIN": f"{LIMIT}/minute",
        # sync: a process serves one request at a time, so concurrent requests must spread
        "MESA_GUNICORN_WORKER_CLASS": "sync",
    }
    if storage == "redis":
        environment["RATELIMIT_STORAGE_URI"] = request.getfixturevalue("redis_url")
        environment["MESA_RATE_LIMITS_PER_PROCESS"] = "0"
    else:  # the control: each process counts alone, as the operator explicitly accepted
        environment["MESA_RATE_LIMITS_PER_PROCESS"] = "1"
    deployment = server(environment, web_workers=3)
    deployment.start_server()

    # Only failed logins count, and a failure is counted once it has happened: attempts in
    # flight together are all checked against the count before any of them adds to it. So the
    # first LIMIT go together, and the rest once those have been counted (SECURITY.md).
    answers = []
    for batch in (LIMIT, ATTEMPTS - LIMIT):
        with ThreadPoolExecutor(batch) as pool:
            answers += pool.map(lambda _: _log_in(deployment, "wrong").status_code, range(batch))
    assert set(answers) <= {403, 429}, answers
    let_through = answers.count(403)
    if storage == "redis":
        assert let_through == LIMIT, answers
    else:
        assert let_through > LIMIT, answers  # the requests did reach several processes


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too weak to resist offline guessing"),
        (
            {"RATELIMIT_STORAGE_URI": "memory://", "MESA_RATE_LIMITS_PER_PROCESS": "0"},
            "2 server processes would each count rate limits in their own memory",
        ),
    ],
    ids=["weak-secret-key", "per-process-limits"],
)
def test_gunicorn_refuses_to_start(server, environment, refusal):
    deployment = server(environment, web_workers=2)
    with pytest.raises(RuntimeError, match="gunicorn exited") as failure:
        deployment.start_server()
    assert refusal in str(failure.value)
    assert deployment.server.returncode != 0
