"""Run the benchmark sections: `python -m benchmarks.run [--only NAME ...] [--quick] [--out DIR]`.

Each section prints its tables to stdout (Markdown) and writes `OUT/<name>.md` and
`OUT/<name>.json`. Progress goes to stderr. To add a section (HTTP votes/s, map payload, ...),
write a module with `run(options) -> Section` (see benchmarks/common.py), register it in
SECTIONS below, and end it with `section_main`, so that `python -m benchmarks.<module>` runs it
alone with the same options (and answers --help).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, Options, Section, child_main, environment, progress

# name -> module with run(options) -> Section; run in this order.
SECTIONS: dict[str, str] = {
    "clustering": "benchmarks.clustering_bench",
    "map": "benchmarks.map_bench",
    "recompute": "benchmarks.recompute_bench",
    "http": "benchmarks.http_bench",
    "agenda": "benchmarks.agenda_bench",
    "vote_cpu": "benchmarks.vote_cpu_bench",
    "topics": "benchmarks.topics",
}


def main(argv: Sequence[str] | None = None, *, section: str | None = None) -> int:
    """Every section, those named by --only, or only `section` (see `section_main`)."""
    args = _parser(section).parse_args(argv)
    names = [section] if section else _selected(args.only)
    options = Options(quick=args.quick)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = environment()
    print(
        f"# Mesa benchmarks ({'quick' if args.quick else 'full'}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {env['git_commit']}, "
        f"{env['cpus']} CPUs ({env['cpu_model']}), Python {env['python']}\n",
        flush=True,
    )
    started = time.perf_counter()
    elapsed: dict[str, float] = {}
    for name in names:
        progress(f"== section {name}")
        t0 = time.perf_counter()
        section: Section = importlib.import_module(SECTIONS[name]).run(options)
        elapsed[name] = time.perf_counter() - t0
        _write(section, out_dir, options, env, elapsed[name])
        for table in section.tables:
            print(table.to_markdown(), flush=True)
        print(f"section {name}: {elapsed[name]:.1f} s elapsed\n", flush=True)
    total = time.perf_counter() - started
    summary = ", ".join(f"{n} {s:.1f} s" for n, s in elapsed.items())
    print(f"total {total:.1f} s ({summary}); written to {_shown(out_dir)}/", flush=True)
    return 0


def section_main(section: str, children: dict[str, Any] | None = None) -> int:
    """`python -m benchmarks.<module>`: its section alone, as `--only SECTION` runs it (same
    options; --help shows the module's docstring). `--child JSON` runs one of the section's
    `children` instead: the entry of its child processes (`common.run_child`)."""
    argv = sys.argv[1:]
    if children and argv[:1] == ["--child"]:
        return child_main(argv, children)
    return main(argv, section=section)


def _parser(section: str | None = None) -> argparse.ArgumentParser:
    if section is None:
        prog, doc = "python -m benchmarks.run", __doc__
    else:
        prog = f"python -m {SECTIONS[section]}"
        doc = importlib.import_module(SECTIONS[section]).__doc__
    parser = argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    if section is None:
        parser.add_argument(
            "--only",
            action="append",
            metavar="NAME",
            help="run only this section (repeatable or comma-separated; one of "
            f"{', '.join(SECTIONS)})",
        )
    parser.add_argument(
        "--quick", action="store_true", help="skip the slowest inputs (e.g. 100k participants)"
    )
    parser.add_argument(
        "--out", default=str(REPO / "bench-out"), metavar="DIR", help="default: bench-out/"
    )
    return parser


def _selected(only: list[str] | None) -> list[str]:
    if not only:
        return list(SECTIONS)
    wanted = [n.strip() for item in only for n in item.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    return [n for n in SECTIONS if n in wanted]


def _write(section: Section, out_dir: Path, options: Options, env: dict, seconds: float) -> None:
    header = (
        f"# {section.name} benchmark\n\n"
        f"{'Quick' if options.quick else 'Full'} run, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit {env['git_commit']}, {env['cpus']} CPUs ({env['cpu_model']}), "
        f"Python {env['python']}, numpy {env['numpy']}, numba {env['numba']}. "
        f"Section took {seconds:.1f} s.\n\n"
    )
    md = header + "\n".join(t.to_markdown() for t in section.tables)
    (out_dir / f"{section.name}.md").write_text(md, encoding="utf-8")
    doc = {
        "section": section.name,
        "quick": options.quick,
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(seconds, 3),
        "environment": env,
        "tables": [t.to_dict() for t in section.tables],
        "data": section.data,
    }
    with open(out_dir / f"{section.name}.json", "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, allow_nan=False)
        fh.write("\n")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
