"""What every benchmark section shares: result tables, the section contract, child processes.

A section is a module with a `run(options: Options) -> Section` function, registered by name in
`benchmarks/run.py`. It returns tables (rendered as Markdown on stdout and in
`bench-out/<name>.md`) and a JSON-ready `data` dict (written to `bench-out/<name>.json`).
Figures that depend on a process's memory are measured in a child process started with
`run_child`, which reads back one JSON object from the child's stdout.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Options:
    quick: bool = False  # skip the slowest inputs (each section decides which)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_markdown(self) -> str:
        cells = [[_cell(v) for v in row] for row in self.rows]
        widths = [len(c) for c in self.columns]
        for row in cells:
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

        def line(values: Sequence[str]) -> str:
            return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

        out = [f"### {self.title}", "", line(self.columns)]
        out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        out += [line(row) for row in cells]
        if self.notes:
            out.append("")
            out += [f"- {note}" for note in self.notes]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "columns": self.columns,
            "rows": self.rows,
            "notes": self.notes,
        }


@dataclass
class Section:
    name: str
    tables: list[Table]
    data: dict = field(default_factory=dict)


def _cell(value: Any) -> str:
    """Sections format their own numbers (as strings); this is only the fallback."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux, B on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def run_child(module: str, payload: dict, timeout: float = 1800) -> dict:
    """Run `python -m module --child JSON` from the repo root; return the JSON on its last
    stdout line. The child's stderr (progress, warnings) goes straight to ours."""
    proc = subprocess.run(
        [sys.executable, "-m", module, "--child", json.dumps(payload)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{module} child failed (exit {proc.returncode}) for {payload}")
    return json.loads(lines[-1])


def child_main(argv: Sequence[str], handlers: dict[str, Any]) -> int:
    """Entry point of a child: `--child JSON` where JSON has a "task" naming a handler."""
    if len(argv) != 2 or argv[0] != "--child":
        print(
            f"usage: python -m <module> --child JSON (tasks: {sorted(handlers)})", file=sys.stderr
        )
        return 2
    payload = json.loads(argv[1])
    result = handlers[payload["task"]](payload)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def environment() -> dict:
    """Where the figures come from: enough to tell two runs' machines apart."""
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
    }
    for name in ("numpy", "scipy", "numba", "sklearn", "pandas"):
        try:
            env[name] = __import__(name).__version__
        except ImportError:
            env[name] = None
    try:
        env["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        env["git_commit"] = None
    return env


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None
