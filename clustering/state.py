"""Reading the previous update's result as warm-start state (spec §2, "conv-update is stateful").

An incremental update takes the previous result JSON as its state. Everything Polis carries is
read from the Polis keys of that JSON (so a real `math-pca2.json` works as state), and what Polis
keeps only in memory (per-k clusterings, the k-smoother, row order) from Mesa's own `mesa` key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from clustering.groups import GROUP_K_BUFFER, KSmoother


@dataclass(frozen=True)
class PreviousState:
    """The parts of the previous result that steer this update; any may be absent."""

    tids: list[int] = field(default_factory=list)
    components: np.ndarray | None = None  # (k, len(tids))
    in_conv: list[int] = field(default_factory=list)
    base_ids: list[int] = field(default_factory=list)
    base_members: list[list[int]] = field(default_factory=list)  # pids
    group_clusterings: dict[int, tuple[list[int], list[list[int]]]] = field(default_factory=dict)
    smoother: KSmoother | None = None
    group_votes: dict | None = None
    group_vote_sums: dict | None = None
    row_order: list[int] = field(default_factory=list)
    math_tick: int = 0

    @classmethod
    def from_result(cls, previous: dict | None) -> PreviousState:
        if not previous:
            return cls()
        pca = previous.get("pca") or {}
        tids = [int(t) for t in previous.get("tids") or []]
        comps = pca.get("comps")
        components = None
        if comps is not None and len(comps) and len(comps[0]) == len(tids):
            components = np.asarray(comps, dtype=np.float64)
        base = previous.get("base-clusters") or {}
        mesa_state = (previous.get("mesa") or {}).get("state") or {}

        group_clusterings: dict[int, tuple[list[int], list[list[int]]]] = {}
        for k, clustering in (mesa_state.get("group_clusterings") or {}).items():
            group_clusterings[int(k)] = (
                [int(i) for i in clustering["id"]],
                [[int(b) for b in members] for members in clustering["members"]],
            )
        shown = previous.get("group-clusters") or []
        if shown and len(shown) not in group_clusterings:
            group_clusterings[len(shown)] = (
                [int(g["id"]) for g in shown],
                [[int(b) for b in g["members"]] for g in shown],
            )

        smoother = None
        if mesa_state.get("k_smoother"):
            s = mesa_state["k_smoother"]
            smoother = KSmoother(s["last_k"], int(s["last_k_count"]), s["smoothed_k"])
        elif shown:
            # A Polis result alone does not say how long its k has won; a shown k has won
            # at least the buffer's worth of updates, or it was the first k ever chosen.
            smoother = KSmoother(len(shown), GROUP_K_BUFFER, len(shown))

        return cls(
            tids=tids,
            components=components,
            in_conv=list(previous.get("in-conv") or []),
            base_ids=[int(i) for i in base.get("id") or []],
            base_members=[list(members) for members in base.get("members") or []],
            group_clusterings=group_clusterings,
            smoother=smoother,
            group_votes=previous.get("group-votes"),
            group_vote_sums=mesa_state.get("group_vote_sums"),
            row_order=list(mesa_state.get("row_order") or []),
            math_tick=int(previous.get("math_tick") or 0),
        )


def aligned_components(state: PreviousState, tids: np.ndarray) -> np.ndarray | None:
    """Previous axes laid on the current statement columns, new statements padded with 1.0."""
    if state.components is None:
        return None
    out = np.ones((state.components.shape[0], len(tids)))
    position = {tid: j for j, tid in enumerate(state.tids)}
    for j, tid in enumerate(tids):
        if int(tid) in position:
            out[:, j] = state.components[:, position[int(tid)]]
    return out


def group_vote_sums(state: PreviousState, tids: np.ndarray) -> tuple[np.ndarray, ...]:
    """A, D, S of the previous update summed over its groups, per current tid (0 if missing).

    Read from Mesa's array form when present; otherwise from a Polis `group-votes` object.
    """
    agree = np.zeros(len(tids))
    disagree = np.zeros(len(tids))
    seen = np.zeros(len(tids))
    position = {int(t): j for j, t in enumerate(tids.tolist())}
    if state.group_vote_sums:
        sums = state.group_vote_sums
        for source, target in ((sums["A"], agree), (sums["D"], disagree), (sums["S"], seen)):
            for tid, value in zip(sums["tids"], source, strict=True):
                j = position.get(tid)
                if j is not None:
                    target[j] = value
        return agree, disagree, seen
    for group in (state.group_votes or {}).values():
        for tid, counts in (group.get("votes") or {}).items():
            j = position.get(int(tid))
            if j is None:
                continue
            agree[j] += counts.get("A", 0)
            disagree[j] += counts.get("D", 0)
            seen[j] += counts.get("S", 0)
    return agree, disagree, seen
