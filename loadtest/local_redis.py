"""A redis-server of one's own, on a free port of 127.0.0.1, keeping nothing on disk: the
shared rate-limit storage of a several-process deployment, for load runs and fault tests."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from loadtest.deployment import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass(frozen=True)
class LocalRedis:
    url: str
    pid: int


def redis_available() -> bool:
    return Path(REDIS_SERVER).exists()


@contextmanager
def local_redis(folder: Path, start_timeout_s: float = 10.0) -> Iterator[LocalRedis]:
    """Start redis-server in `folder`, wait until it answers, stop it afterwards."""
    import redis

    port = free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--dir", str(folder), "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield LocalRedis(f"redis://127.0.0.1:{port}/0", server.pid)
    finally:
        client.close()
        server.terminate()
        server.wait(10)
