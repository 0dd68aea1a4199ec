"""Every `python -m ...` entry point answers --help with its usage and runs nothing.

The entry points are found, not listed: any module with a `__main__` block (or a package's
`__main__.py`) in the repository's packages, so a new one is held to the same rule.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("benchmarks", "clustering", "deliberation", "loadtest", "web")


def _entry_points() -> list[str]:
    modules = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            dotted = ".".join(path.relative_to(REPO).with_suffix("").parts)
            if path.name == "__main__.py":
                modules.append(dotted.removesuffix(".__main__"))
            elif 'if __name__ == "__main__":' in path.read_text(encoding="utf-8"):
                modules.append(dotted)
    return modules


@pytest.mark.slow  # a dozen interpreters importing numpy, scipy and Flask: a minute when busy
def test_every_entry_point_answers_help():
    modules = _entry_points()
    assert {"benchmarks.recompute_bench", "clustering", "loadtest"} <= set(modules)

    # All at once: each is an interpreter importing its libraries, then printing its usage.
    running = {
        module: subprocess.Popen(
            [sys.executable, "-m", module, "--help"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for module in modules
    }
    for module, process in running.items():
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, (module, output)
        assert output.startswith(f"usage: python -m {module} "), (module, output)
