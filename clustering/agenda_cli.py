"""`python -m clustering agenda PATH`: the common agenda of a conversation on disk, printed.

Runs the Polis pipeline (cold, with the seed given), then the agenda analyses
(clustering.agenda), and prints the statements ranked by group-informed consensus, each with its
90% bootstrap interval, majority share, bridging score and interval, and every group's agree
share with its Jeffreys interval; then divisive statements and cluster stability. `--json`
prints the analyses' dict instead. Moderated-out and meta statements are left out.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from clustering.common_ground import rank_by_consensus
from clustering.groups import group_label
from clustering.loaders import load_conversation

DEFAULT_TOP = 15


def add_parser(sub) -> None:
    agenda = sub.add_parser(
        "agenda", help="print the common agenda: consensus, bridging, intervals, stability"
    )
    agenda.add_argument("path", metavar="PATH", help="a Polis export or fixture folder")
    agenda.add_argument("--seed", type=int, default=0, metavar="N")
    agenda.add_argument(
        "--resamples",
        type=int,
        default=None,
        metavar="N",
        help="bootstrap resamples for the intervals (default 200)",
    )
    agenda.add_argument(
        "--stability-resamples",
        type=int,
        default=None,
        metavar="N",
        help="re-clustered resamples for stability (default 50)",
    )
    agenda.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        metavar="N",
        help=f"statements to print (default {DEFAULT_TOP}; 0: all)",
    )
    agenda.add_argument("--json", action="store_true", help="print the analyses as JSON")
    agenda.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from clustering.agenda import AgendaParams, agenda_analyses
    from clustering.pipeline import PolisParams, update

    conv = load_conversation(args.path)
    started = time.perf_counter()
    result = update(conv.votes, conv.moderation, params=PolisParams(seed=args.seed)).to_dict()
    given = {"resamples": args.resamples, "stability_resamples": args.stability_resamples}
    params = AgendaParams(seed=args.seed, **{k: v for k, v in given.items() if v is not None})
    analyses = agenda_analyses(conv.votes, result, conv.moderation, params=params)
    seconds = time.perf_counter() - started
    if args.json:
        print(json.dumps(analyses, allow_nan=False))
        return 0
    print(render(analyses, conv.texts, args.top, conv.moderation.mod_out, seconds))
    return 0


def render(analyses: dict, texts: dict[int, str], top: int, hidden, seconds: float) -> str:
    tids = np.asarray(analyses["tids"])
    groups = analyses["groups"]
    labels = [group_label(g) for g in groups["ids"]]
    value = _array(analyses["consensus"]["value"])
    ranked = rank_by_consensus(value, ~np.isin(tids, list(hidden)))
    if top:
        ranked = ranked[:top]
    params = analyses["params"]
    stability = analyses["stability"]
    lines = [
        f"{len(tids)} statements, {len(labels)} groups; 90% intervals (groups: Jeffreys; "
        f"consensus and bridging: bootstrap over participants, {params['resamples']} resamples, "
        f"seed {params['seed']}); computed in {seconds:.1f} s",
        _stability_line(stability, labels, groups["ids"]),
        "",
        "Common agenda (by group-informed consensus):",
    ]
    for rank, i in enumerate(ranked, 1):
        lines.extend(_statement_lines(rank, i, analyses, labels, texts))
    order = analyses["divisive"]["order"][:5]
    if order:
        lines.append("Divisive statements (spread of the groups' agree shares):")
        spread = analyses["divisive"]["spread"]
        position = {int(t): i for i, t in enumerate(tids)}
        for tid in order:
            lines.append(
                f"  #{tid} spread {spread[position[tid]]:.2f}  {_clip(texts.get(tid, ''))}"
            )
    return "\n".join(lines)


def _stability_line(stability: dict, labels: list[str], ids: list[int]) -> str:
    if stability.get("ari") is None:
        return "stability: not computed (fewer than two groups)"
    jaccard = stability["groups"]
    per_group = ", ".join(
        f"{label} {jaccard[str(gid)]:.2f}"
        for label, gid in zip(labels, ids, strict=True)
        if jaccard.get(str(gid)) is not None
    )
    return (
        f"stability: mean ARI {stability['ari']:.2f} over {stability['resamples']} re-clustered "
        f"resamples; per-group mean Jaccard {per_group}"
    )


def _statement_lines(rank: int, i: int, analyses: dict, labels: list[str], texts) -> list[str]:
    tid = analyses["tids"][i]
    consensus = analyses["consensus"]
    bridging = analyses["bridging"]
    overall = analyses["overall"]
    groups = analyses["groups"]
    seen = overall["seen"][i]
    majority = overall["agree"][i] / seen if seen else float("nan")
    shares = []
    for g, label in enumerate(labels):
        n = groups["seen"][g][i]
        share = groups["agree"][g][i] / n if n else float("nan")
        shares.append(
            f"{label} {share:.0%} [{_fmt(groups['agree_low'][g][i], '.0%')}, "
            f"{_fmt(groups['agree_high'][g][i], '.0%')}] n={n}"
        )
    return [
        f"{rank:>3}. #{tid} {_clip(texts.get(tid, ''))}",
        f"     consensus {consensus['value'][i]:.3f} [{_fmt(consensus['low'][i], '.3f')}, "
        f"{_fmt(consensus['high'][i], '.3f')}]  majority {majority:.0%} of {seen}  "
        f"bridging {_fmt(bridging['score'][i], '+.3f')} [{_fmt(bridging['low'][i], '+.3f')}, "
        f"{_fmt(bridging['high'][i], '+.3f')}]",
        "     groups: " + "  ".join(shares),
    ]


def _array(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _fmt(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def _clip(text: str, width: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
