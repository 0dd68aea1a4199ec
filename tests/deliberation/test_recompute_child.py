"""The slow stage's child process ends with its parent, however the parent ends (issue 10:
stopping `make run` left the recompute's children running)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# A parent that starts the child, prints the child's pid, then waits to be stopped.
PARENT = """
import os, sys, time
from deliberation.recompute.child import run_in_child
print(run_in_child(os.getpid), flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_the_child_exits_when_its_parent_is_stopped(stop):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        # A shell's background job ignores SIGINT, and its children inherit that: run from one
        # (`make e2e &`), the parent would never see the signal this test sends.
        preexec_fn=_default_sigint,
    )
    try:
        child_pid = int(parent.stdout.readline())
        assert child_pid != parent.pid and _alive(child_pid)
        parent.send_signal(stop)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(child_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child_pid), f"child {child_pid} outlived its parent ({stop.name})"
    finally:
        parent.kill()
        parent.wait()
