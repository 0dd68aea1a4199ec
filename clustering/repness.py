"""What each group stands for, and what nearly everyone shares (repness.clj; spec §8–9).

A statement represents a group when the group agrees (or disagrees) with it both more than half
the time and more than the other groups do, each significant at one-sided 90%. Polis keeps a
"best agree" statement in front even when it is not significant, so every group shows at least
one thing it agrees with; we keep that rule, and every other quirk, so lists match Polis's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from clustering.stats import Z_90, prop_test, two_prop

MAX_REPRESENTATIVE = 5
MAX_CONSENSUS = 5


@dataclass(frozen=True)
class GroupCounts:
    """Agree, disagree and seen counts per group and statement, each (n_groups, m).

    Counts come from the raw latest votes of in-conv group members (Polis's `group-votes`).
    """

    agree: np.ndarray
    disagree: np.ndarray
    seen: np.ndarray


def _float32(x: float) -> float:
    """Polis stores repness-test as a 32-bit float; compare with its exact value."""
    return float(np.float32(x))


def _json_float32(x: float) -> float:
    """The float Cheshire prints for a 32-bit float (e.g. 5.100021), as a Python float."""
    return float(repr(np.float32(x)).removeprefix("np.float32(").removesuffix(")"))


@dataclass
class _Stats:
    """Per-statement statistics of one group against the other groups, each (m,)."""

    na: np.ndarray
    nd: np.ndarray
    ns: np.ndarray
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


def _group_stats(counts: GroupCounts, g: int) -> _Stats:
    na, nd, ns = counts.agree[g], counts.disagree[g], counts.seen[g]
    rest_a = counts.agree.sum(axis=0) - na
    rest_d = counts.disagree.sum(axis=0) - nd
    rest_s = counts.seen.sum(axis=0) - ns
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    return _Stats(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=prop_test(na, ns),
        pdt=prop_test(nd, ns),
        ra=pa / ((rest_a + 1.0) / (rest_s + 2.0)),
        rd=pd / ((rest_d + 1.0) / (rest_s + 2.0)),
        rat=two_prop(na, rest_a, ns, rest_s),
        rdt=two_prop(nd, rest_d, ns, rest_s),
    )


def _finalize(s: _Stats, j: int, tid: int) -> dict:
    """One statement's entry, for whichever of agree/disagree it represents (ties: disagree)."""
    agree = s.rat[j] > s.rdt[j]
    return {
        "tid": int(tid),
        "n-success": int(s.na[j] if agree else s.nd[j]),
        "n-trials": int(s.ns[j]),
        "p-success": float(s.pa[j] if agree else s.pd[j]),
        "p-test": float(s.pat[j] if agree else s.pdt[j]),
        "repness": float(s.ra[j] if agree else s.rd[j]),
        "repness-test": _float32(s.rat[j] if agree else s.rdt[j]),
        "repful-for": "agree" if agree else "disagree",
    }


def _best_agree(s: _Stats, candidates: np.ndarray) -> int | None:
    """Polis's running "best agree" over statements in column order (beats-best-agr?)."""
    best = _best_agree_scan(
        *(
            np.ascontiguousarray(x[candidates], dtype=np.float64)
            for x in (s.na, s.nd, s.ra, s.rat, s.pa, s.pat)
        )
    )
    return None if best < 0 else int(candidates[best])


@njit(cache=True, nogil=True)
def _best_agree_scan(na, nd, ra, rat, pa, pat):  # pragma: no cover - compiled
    """The running comparison itself, compiled: it is sequential (each step depends on the
    best so far), so it cannot be vectorised, and a Python loop over 10k statements per group
    showed up in incremental updates. Plain IEEE arithmetic in the same order as Polis's, no
    fastmath, so the winner is the one the Python loop picked. Returns -1 for none."""
    best = -1
    for i in range(len(na)):
        if na[i] == 0 and nd[i] == 0:
            continue
        if best >= 0 and ra[best] > 1.0:
            wins = ra[i] * rat[i] * pa[i] * pat[i] > ra[best] * rat[best] * pa[best] * pat[best]
        elif best >= 0:
            wins = pa[i] * pat[i] > pa[best] * pat[best]
        else:
            wins = pat[i] > Z_90 or (ra[i] > 1.0 and pa[i] > 0.5)
        if wins:
            best = i
    return best


def _best_any(s: _Stats, candidates: np.ndarray) -> int | None:
    """The first statement with the highest repness-test, compared at float32 like Polis."""
    best, best_test = None, None
    for j, test in zip(
        candidates.tolist(), np.maximum(s.rat, s.rdt)[candidates].tolist(), strict=True
    ):
        if best is None or test > best_test:
            best, best_test = j, _float32(test)
    return best


def _select_for_group(s: _Stats, tids: np.ndarray, mod_out: np.ndarray) -> list[dict]:
    candidates = np.flatnonzero(~mod_out)
    passes = ((s.rat > Z_90) & (s.pat > Z_90)) | ((s.rdt > Z_90) & (s.pdt > Z_90))
    sufficient = candidates[passes[candidates]]
    best_agree = _best_agree(s, candidates)

    front: list[dict] = []
    if best_agree is not None:
        entry = _finalize(s, best_agree, tids[best_agree])
        entry["n-agree"] = int(s.na[best_agree])
        entry["best-agree"] = True
        front = [entry]
    if len(sufficient) == 0:
        if front:
            return front
        best = _best_any(s, candidates)
        return [] if best is None else [_finalize(s, best, tids[best])]
    sufficient = sufficient[sufficient != best_agree]
    # Rank by repness · repness-test (float32, as stored) · p-success · p-test, stable, and
    # finalise only the few that can make the list.
    agree = s.rat[sufficient] > s.rdt[sufficient]
    key = (
        np.where(agree, s.ra[sufficient], s.rd[sufficient])
        * np.where(agree, s.rat[sufficient], s.rdt[sufficient]).astype(np.float32)
        * np.where(agree, s.pa[sufficient], s.pd[sufficient])
        * np.where(agree, s.pat[sufficient], s.pdt[sufficient])
    )
    ranked = sufficient[np.argsort(-key, kind="stable")][: MAX_REPRESENTATIVE - len(front)]
    chosen = front + [_finalize(s, j, tids[j]) for j in ranked]
    return [e for e in chosen if e["repful-for"] == "agree"] + [
        e for e in chosen if e["repful-for"] != "agree"
    ]


def representative_statements(
    counts: GroupCounts, group_ids: np.ndarray, tids: np.ndarray, mod_out: np.ndarray
) -> dict[int, list[dict]]:
    """Each group's representative statements, Polis's `repness` (gid → entries)."""
    out: dict[int, list[dict]] = {}
    for g, gid in enumerate(group_ids):
        out[int(gid)] = _select_for_group(_group_stats(counts, g), tids, mod_out)
    for entries in out.values():
        for entry in entries:
            entry["repness-test"] = _json_float32(entry["repness-test"])
    return out


def majority_consensus(
    agree: np.ndarray, disagree: np.ndarray, seen: np.ndarray, tids: np.ndarray, mod_out: np.ndarray
) -> dict[str, list[dict]]:
    """Statements most of everyone agrees (or disagrees) with, Polis's `consensus` lists.

    Counts are over every participant who voted, not only the clustered ones: (m,) each.
    """
    out: dict[str, list[dict]] = {}
    for label, successes in (("agree", agree), ("disagree", disagree)):
        share = (successes + 1.0) / (seen + 2.0)
        test = prop_test(successes, seen)
        keep = np.flatnonzero((share > 0.5) & (test > Z_90) & ~mod_out)
        order = sorted(keep, key=lambda j: -(share[j] * test[j]))[:MAX_CONSENSUS]
        out[label] = [
            {
                "tid": int(tids[j]),
                "n-success": int(successes[j]),
                "n-trials": int(seen[j]),
                "p-success": float(share[j]),
                "p-test": float(test[j]),
            }
            for j in order
        ]
    return out


def group_aware_consensus(counts: GroupCounts) -> np.ndarray:
    """Π over groups of (A+1)/(S+2): high only when every group leans agree. Shape (m,)."""
    shares = (counts.agree + 1.0) / (counts.seen + 2.0)
    out = np.ones(shares.shape[1])
    for row in shares:
        out = out * row
    return out
