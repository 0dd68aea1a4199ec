"""Command line: analyze a conversation, compare with Polis fixtures, synthesize test data.

    python -m clustering analyze PATH [--out FILE] [--in-conv-from MATH_JSON] [--min-votes N]
                                      [--projection pca|umap] [--seed N] [--timings]
                                      [--replay-batch N] [--summary]
    python -m clustering compare FIXTURE_DIR
    python -m clustering synth --participants N --statements M --votes-per-participant V
                               --groups G --seed S --out DIR
    python -m clustering agenda PATH [--seed N] [--resamples N] [--stability-resamples N]
                                     [--top N] [--json]

Bad input ends with one line `error: <file>:<line>: <problem>` on stderr and exit code 2, the
same code argparse uses for usage errors, so scripts can tell "your data" from "our bug".
The pipeline and compare modules are imported lazily: `synth` must work on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from clustering import agenda_cli
from clustering.loaders import InputError, LoadedConversation, load_conversation, load_math_json

EXIT_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m clustering", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    analyze = sub.add_parser("analyze", help="run the Polis math on a CSV export or fixture folder")
    analyze.add_argument(
        "path",
        metavar="PATH",
        help="folder with votes.csv+comments.csv or votes.json+comments.json",
    )
    analyze.add_argument(
        "--out", metavar="FILE", help="write the result JSON here instead of stdout"
    )
    analyze.add_argument(
        "--in-conv-from", metavar="MATH_JSON", help="start from this result's in-conv set"
    )
    analyze.add_argument("--min-votes", type=_non_negative, metavar="N")
    analyze.add_argument("--projection", choices=("pca", "umap"))
    analyze.add_argument("--seed", type=int, metavar="N")
    analyze.add_argument(
        "--timings", action="store_true", help="one JSON line of timings on stderr"
    )
    analyze.add_argument(
        "--replay-batch",
        type=_positive,
        metavar="N",
        help="update after every N votes, in time order",
    )
    analyze.add_argument(
        "--summary", action="store_true", help="print a readable summary instead of JSON"
    )
    analyze.set_defaults(run=_analyze)

    compare = sub.add_parser("compare", help="compare our math with a fixture's math-pca2.json")
    compare.add_argument("fixture_dir", metavar="FIXTURE_DIR")
    compare.set_defaults(run=_compare)

    synth = sub.add_parser(
        "synth", help="write a synthetic planted-group conversation as a Polis CSV export"
    )
    synth.add_argument("--participants", type=_positive, required=True, metavar="N")
    synth.add_argument("--statements", type=_positive, required=True, metavar="M")
    synth.add_argument("--votes-per-participant", type=_non_negative, required=True, metavar="V")
    synth.add_argument("--groups", type=_positive, required=True, metavar="G")
    synth.add_argument("--seed", type=int, required=True, metavar="S")
    synth.add_argument("--out", required=True, metavar="DIR")
    synth.set_defaults(run=_synth)

    agenda_cli.add_parser(sub)
    return parser


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


# --------------------------------------------------------------------------------------------
# analyze


def _analyze(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    conv = load_conversation(args.path)
    previous = _in_conv_seed(args.in_conv_from) if args.in_conv_from else None
    load_s = time.perf_counter() - t0

    from clustering.pipeline import (
        PolisParams,
        update,
    )  # lazy: heavy imports, and synth must not need it

    params = PolisParams(**_param_overrides(args))
    t1 = time.perf_counter()
    if args.replay_batch:
        result, last_update_s = _replay(conv, previous, params, args.replay_batch, update)
    else:
        result = update(conv.votes, conv.moderation, previous=previous, params=params)
        last_update_s = None
    pipeline_s = time.perf_counter() - t1

    text = _summary(conv, result.to_dict()) if args.summary else result.to_json()
    _emit(text, args.out)
    if args.timings:
        report: dict[str, Any] = {"load_s": load_s, "pipeline_s": pipeline_s}
        if last_update_s is not None:
            report["last_update_s"] = last_update_s
        report.update({k: float(v) for k, v in dict(result.timings).items() if k not in report})
        report["peak_rss_mb"] = _peak_rss_mb()
        print(json.dumps(report, sort_keys=False), file=sys.stderr)
    return 0


def _param_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Only the options given: unset ones keep PolisParams' own defaults."""
    given = {"min_votes": args.min_votes, "projection": args.projection, "seed": args.seed}
    return {k: v for k, v in given.items() if v is not None}


def _in_conv_seed(path: str) -> dict:
    """`previous` holding only in-conv: Polis's in-conv is sticky, so a comparison run needs it."""
    math = load_math_json(path)
    if "in-conv" not in math:
        raise InputError(path, None, "no 'in-conv' key in this math JSON")
    if not isinstance(math["in-conv"], list):
        raise InputError(path, None, "'in-conv' must be a list of participant ids")
    return {"in-conv": math["in-conv"]}


def _replay(conv: LoadedConversation, previous: dict | None, params: Any, batch: int, update: Any):
    """Incremental updates as the votes arrived, `batch` votes at a time; returns the last one.

    Moderation is the final state throughout: the exports keep no moderation history.
    """
    order = np.argsort(conv.votes.timestamps, kind="stable")
    n = len(order)
    ends = list(range(batch, n, batch)) + [n]
    result, last_s = None, 0.0
    for end in ends:
        t = time.perf_counter()
        result = update(
            conv.votes.take(order[:end]), conv.moderation, previous=previous, params=params
        )
        last_s = time.perf_counter() - t
        previous = result.to_dict()
    return result, last_s


def _emit(text: str, out: str | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    try:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise InputError(out, None, f"cannot write: {exc.strerror}") from None


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


# --------------------------------------------------------------------------------------------
# summary


def _summary(conv: LoadedConversation, result: dict) -> str:
    """A facilitator-readable digest of the result: who is in which group, and on what."""
    texts = conv.texts
    people = (result.get("mesa") or {}).get("participants") or {}
    lines = [
        f"participants: {result.get('n', len(np.unique(conv.votes.participant_ids)))}",
        f"statements:   {result.get('n-cmts', len(conv.statement_ids))}",
        f"votes:        {len(conv.votes)}",
    ]
    groups = result.get("group-clusters") or []
    sizes = _group_sizes(people.get("group") or [])
    lines.append(f"groups:       {len(groups)}")
    for g in groups:
        gid = g.get("id")
        size = sizes.get(gid)
        lines.append(f"\ngroup {gid}: {size if size is not None else '?'} participants")
        repness = result.get("repness") or {}
        for rep in repness.get(str(gid), repness.get(gid)) or []:
            tid = rep.get("tid")
            side = rep.get("repful-for", "?")
            pct = _pct(rep.get("p-success"))
            lines.append(f"  [{side:>8} {pct}] #{tid} {_clip(texts.get(tid, ''))}")
    agree = (result.get("consensus") or {}).get("agree") or []
    lines.append(f"\nconsensus (agree): {len(agree)}")
    for item in agree:
        tid = item.get("tid")
        lines.append(f"  [{_pct(item.get('p-success'))}] #{tid} {_clip(texts.get(tid, ''))}")
    return "\n".join(lines) + "\n"


def _group_sizes(groups: list) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for g in groups:
        if g is not None:
            sizes[g] = sizes.get(g, 0) + 1
    return sizes


def _pct(p: Any) -> str:
    return f"{100 * p:3.0f}%" if isinstance(p, (int, float)) else "  ?%"


def _clip(text: str, width: int = 100) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------------------------
# compare, synth


def _compare(args: argparse.Namespace) -> int:
    import clustering.compare  # lazy: only this subcommand needs it

    return int(clustering.compare.main(args.fixture_dir))


def _synth(args: argparse.Namespace) -> int:
    from clustering.synth import planted_groups, synthesize, write_polis_csv

    if args.votes_per_participant > args.statements:
        print("error: --votes-per-participant cannot exceed --statements", file=sys.stderr)
        return EXIT_INPUT
    t0 = time.perf_counter()
    votes, statement_ids = synthesize(
        args.participants, args.statements, args.votes_per_participant, args.groups, args.seed
    )
    t1 = time.perf_counter()
    planted = planted_groups(args.participants, args.groups, args.seed)
    write_polis_csv(votes, statement_ids, args.out, planted=planted)
    t2 = time.perf_counter()
    print(
        f"wrote {len(votes)} votes, {len(statement_ids)} statements,"
        f" {args.participants} participants"
        f" to {os.path.join(args.out, '')} (synth {t1 - t0:.1f}s, write {t2 - t1:.1f}s,"
        f" peak {_peak_rss_mb():.0f} MB)",
        file=sys.stderr,
    )
    return 0
