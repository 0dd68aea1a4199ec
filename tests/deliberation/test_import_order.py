"""Each entry module imports on its own in a fresh interpreter: a process may start from any of
them (the slow stage's child process starts from deliberation.recompute, a command from its
module), and the services facade and the recompute import each other."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
# A few seconds each (numba, scikit-learn): the modules a process really starts from.
ENTRY_MODULES = ["deliberation.recompute.child", "deliberation.services", "web"]


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_the_module_imports_first_in_a_fresh_interpreter(module):
    imported = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
