"""Field-by-field comparison of our update against Polis's stored `math-pca2.json` (spec §11).

`python -m clustering compare FIXTURE_DIR` runs the update Polis would run on its next tick
(no new votes, the fixture's own result as previous state) and checks every field within the
spec's tolerances; then a cold start (no state), where history-dependent fields can only be
compared as partitions (adjusted Rand index).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from clustering.pipeline import update

ABS_FLOOR = 1e-12
NOT_COMPARED = ("math_tick", "lastVoteTimestamp", "lastModTimestamp")
# Fields that do not depend on the update history (in-conv is shown for information).
COLD_COMPARABLE = frozenset(
    {
        "n",
        "n-cmts",
        "tids",
        "user-vote-counts",
        "in-conv",
        "mod-out",
        "mod-in",
        "meta-tids",
        "pca.center",
        "pca.comps",
        "pca.comment-projection",
        "pca.comment-extremity",
        "consensus.agree",
        "consensus.disagree",
    }
)


@dataclass(frozen=True)
class FieldCheck:
    field: str
    ok: bool
    detail: str


def _close(a, b, rel: float) -> bool:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    return bool(np.all(np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b)) + ABS_FLOOR))


def _worst(a, b) -> str:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if a.size == 0:
        return "empty"
    return f"max abs diff {np.abs(a - b).max():.3g}"


def _as_sets(lists: list[list[int]]) -> list[list[int]]:
    return [sorted(members) for members in lists]


def axis_signs(ours: dict, polis: dict) -> np.ndarray:
    """+1/-1 per principal axis: PCA signs are arbitrary, so align ours to Polis's."""
    signs = np.ones(2)
    for k, (a, b) in enumerate(zip(ours["pca"]["comps"], polis["pca"]["comps"], strict=False)):
        signs[k] = -1.0 if np.dot(a, b) < 0 else 1.0
    return signs


def _stat_entries_match(ours: list, polis: list) -> tuple[bool, str]:
    if [e["tid"] for e in ours] != [e["tid"] for e in polis]:
        return False, f"tids {[e['tid'] for e in ours]} vs {[e['tid'] for e in polis]}"
    for a, b in zip(ours, polis, strict=True):
        for key, value in b.items():
            if key not in a:
                return False, f"tid {b['tid']}: missing {key}"
            if key == "repness-test":
                ok = _close(a[key], value, 1e-6)
            elif isinstance(value, float) and not isinstance(value, bool):
                ok = _close(a[key], value, 1e-9)
            else:
                ok = a[key] == value
            if not ok:
                return False, f"tid {b['tid']}: {key} {a[key]} vs {value}"
        if set(a) - set(b):
            return False, f"tid {b['tid']}: extra {sorted(set(a) - set(b))}"
    return True, f"{len(polis)} entries"


def compare_results(ours: dict, polis: dict) -> list[FieldCheck]:
    """Every Polis field, checked with the spec's tolerances."""
    checks: list[FieldCheck] = []

    def add(name: str, ok: bool, detail: str = "") -> None:
        checks.append(FieldCheck(name, bool(ok), detail))

    for key in ("n", "n-cmts", "tids", "user-vote-counts"):
        add(key, ours[key] == polis[key], "exact")
    for key in ("in-conv", "mod-out", "mod-in", "meta-tids"):
        a, b = set(ours[key]), set(polis[key])
        add(key, a == b, f"{len(a)} vs {len(b)}" + ("" if a == b else f", differ {sorted(a ^ b)}"))

    signs = axis_signs(ours, polis)
    pca_o, pca_p = ours["pca"], polis["pca"]
    add(
        "pca.center",
        _close(pca_o["center"], pca_p["center"], 0)
        or np.allclose(pca_o["center"], pca_p["center"], rtol=0, atol=1e-9),
        _worst(pca_o["center"], pca_p["center"]),
    )
    comps_o = np.asarray(pca_o["comps"]) * signs[: len(pca_o["comps"]), None]
    add(
        "pca.comps",
        np.allclose(comps_o, pca_p["comps"], rtol=0, atol=1e-6),
        _worst(comps_o, pca_p["comps"]),
    )
    proj_o = (
        np.asarray(pca_o["comment-projection"]) * signs[: len(pca_o["comment-projection"]), None]
    )
    add(
        "pca.comment-projection",
        _close(proj_o, pca_p["comment-projection"], 1e-9),
        _worst(proj_o, pca_p["comment-projection"]),
    )
    add(
        "pca.comment-extremity",
        _close(pca_o["comment-extremity"], pca_p["comment-extremity"], 1e-9),
        _worst(pca_o["comment-extremity"], pca_p["comment-extremity"]),
    )

    base_o, base_p = ours["base-clusters"], polis["base-clusters"]
    for key in ("id", "count"):
        add(f"base-clusters.{key}", base_o[key] == base_p[key], f"{len(base_p[key])} clusters")
    # Members are sets: Polis lists them in its row order, we list them ascending.
    add(
        "base-clusters.members",
        _as_sets(base_o["members"]) == _as_sets(base_p["members"]),
        "as sets",
    )
    for axis, key in enumerate(("x", "y")):
        a = np.asarray(base_o[key]) * signs[axis]
        add(f"base-clusters.{key}", _close(a, base_p[key], 1e-9), _worst(a, base_p[key]))

    groups_o, groups_p = ours["group-clusters"], polis["group-clusters"]
    add(
        "group-clusters.id",
        [g["id"] for g in groups_o] == [g["id"] for g in groups_p],
        f"{len(groups_o)} vs {len(groups_p)} groups",
    )
    add(
        "group-clusters.members",
        _as_sets([g["members"] for g in groups_o]) == _as_sets([g["members"] for g in groups_p]),
        "as sets",
    )
    centers_o = np.asarray([g["center"] for g in groups_o]).reshape(-1, 2) * signs
    centers_p = np.asarray([g["center"] for g in groups_p]).reshape(-1, 2)
    add("group-clusters.center", _close(centers_o, centers_p, 1e-9), _worst(centers_o, centers_p))

    add("votes-base", ours["votes-base"] == polis["votes-base"], "exact")
    add("group-votes", ours["group-votes"] == polis["group-votes"], "exact")
    gac_keys = sorted(polis["group-aware-consensus"], key=int)
    same_keys = sorted(ours["group-aware-consensus"], key=int) == gac_keys
    add(
        "group-aware-consensus",
        same_keys
        and _close(
            [ours["group-aware-consensus"][k] for k in gac_keys],
            [polis["group-aware-consensus"][k] for k in gac_keys],
            1e-9,
        ),
        "relative 1e-9",
    )

    rep_ok, rep_detail = set(ours["repness"]) == set(polis["repness"]), "groups differ"
    if rep_ok:
        for gid in polis["repness"]:
            rep_ok, rep_detail = _stat_entries_match(ours["repness"][gid], polis["repness"][gid])
            if not rep_ok:
                rep_detail = f"group {gid}: {rep_detail}"
                break
        if rep_ok:
            total = sum(len(entries) for entries in polis["repness"].values())
            rep_detail = f"{total} entries in {len(polis['repness'])} groups"
    add("repness", rep_ok, rep_detail)
    for side in ("agree", "disagree"):
        ok, detail = _stat_entries_match(ours["consensus"][side], polis["consensus"][side])
        add(f"consensus.{side}", ok, detail)

    prio_keys = sorted(polis["comment-priorities"], key=int)
    same = sorted(ours["comment-priorities"], key=int) == prio_keys
    a = [ours["comment-priorities"].get(k, np.nan) for k in prio_keys]
    b = [polis["comment-priorities"][k] for k in prio_keys]
    add("comment-priorities", same and _close(a, b, 1e-9), _worst(a, b))
    return checks


def _participant_labels(result: dict) -> tuple[dict[int, int], dict[int, int]]:
    """pid → base-cluster id and pid → group id, from a math-pca2-shaped result."""
    base = result["base-clusters"]
    base_of = {
        pid: bid
        for bid, members in zip(base["id"], base["members"], strict=True)
        for pid in members
    }
    group_of_base = {b: g["id"] for g in result["group-clusters"] for b in g["members"]}
    group_of = {pid: group_of_base[b] for pid, b in base_of.items() if b in group_of_base}
    return base_of, group_of


def partition_agreement(ours: dict, polis: dict) -> dict[str, float]:
    """Adjusted Rand index of base and group partitions over participants both clustered."""
    out = {}
    for name, (a, b) in zip(
        ("base", "group"),
        zip(_participant_labels(ours), _participant_labels(polis), strict=True),
        strict=True,
    ):
        common = sorted(set(a) & set(b))
        out[name] = (
            float(adjusted_rand_score([a[p] for p in common], [b[p] for p in common]))
            if common
            else float("nan")
        )
    return out


def _table(checks: list[FieldCheck]) -> str:
    width = max(len(c.field) for c in checks)
    return "\n".join(
        f"{c.field:<{width}}  {'ok  ' if c.ok else 'DIFF'}  {c.detail}" for c in checks
    )


def main(fixture_dir: str) -> int:
    from clustering.loaders import load_conversation, load_math_json

    path = Path(fixture_dir)
    conversation = load_conversation(path)
    polis = load_math_json(path / "math-pca2.json")
    warm = update(conversation.votes, conversation.moderation, previous=polis).to_dict()
    checks = compare_results(warm, polis)
    print(
        f"# {path.name}: next tick from Polis's own state (not compared: {', '.join(NOT_COMPARED)})"
    )
    print(_table(checks))
    failed = [c.field for c in checks if not c.ok]
    print(
        f"{len(checks) - len(failed)} of {len(checks)} fields match"
        + (f"; differ: {', '.join(failed)}" if failed else "")
    )

    cold = update(conversation.votes, conversation.moderation).to_dict()
    cold_checks = [c for c in compare_results(cold, polis) if c.field in COLD_COMPARABLE]
    agreement = partition_agreement(cold, polis)
    print(
        f"\n# {path.name}: cold start (no previous state); in-conv, clusters and what is "
        "counted over them depend on Polis's history, so they are compared as partitions"
    )
    print(_table(cold_checks))
    print(
        f"adjusted Rand index: base clusters {agreement['base']:.4f}, "
        f"groups {agreement['group']:.4f}"
    )
    return 0 if not failed else 1
