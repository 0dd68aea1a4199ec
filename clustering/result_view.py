"""A stored result, read: one typed, immutable view of a `math-pca2.json`-shaped document.

`clustering.result` writes the document (Polis's keys, Mesa's additions under `mesa`); this is
the one place that reads it back by key. Everything that shows a result (the console's map and
findings, the participants' summary, the common agenda, the public API) reads a `ResultView`,
so a renamed key or a new layout is a change here and nowhere else. Documents imported from
Polis have no `mesa` block: their views place nobody and carry no agenda analyses.

Arrays are aligned with ascending tids (`tids`), per group in ascending group id
(`group_ids`); counts are float64 so shares divide without casts. Every array is read-only and
every mapping a read-only proxy: a view is shared by all requests of a process (it is cached per
stored version, see deliberation.services.result_cache), so no reader may change it for another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

Interval = tuple[float, float]  # (low, high) of a 90% interval, in the quantity's units
UNGROUPED = -1  # the group of a participant the groups leave out


def _frozen(values: Any, dtype: type = np.float64) -> np.ndarray:
    """A read-only array of stored values; in a float array None (JSON's missing value) is NaN,
    which numpy's float conversion gives without a Python loop."""
    array = np.array(values if values is not None else [], dtype=dtype)
    array.flags.writeable = False
    return array


def _grid(values: Any, rows: int, columns: int) -> np.ndarray:
    """A stored (rows, columns) list of lists; all NaN when not stored at all."""
    if values is None or rows == 0:
        array = np.full((rows, columns), np.nan)
        array.flags.writeable = False
        return array
    return _frozen(values).reshape(rows, columns)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _proxy(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart (Polis's repness entry): `repful_for` says which way
    the group leans; `p_success` is the share of its voters who voted so (Beta(1,1) prior),
    `repness` that share over the same share among everyone else."""

    tid: int
    repful_for: str  # "agree" or "disagree"
    n_success: int
    n_trials: int
    p_success: float
    p_test: float | None  # the tests' z-scores; None in a document that leaves them out
    repness: float | None
    repness_test: float | None
    best_agree: bool = False

    @property
    def agrees(self) -> bool:
        return self.repful_for == "agree"

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> RepresentativeStatement:
        return cls(
            tid=int(entry["tid"]),
            repful_for=entry["repful-for"],
            n_success=int(entry["n-success"]),
            n_trials=int(entry["n-trials"]),
            p_success=float(entry["p-success"]),
            p_test=_optional_float(entry.get("p-test")),
            repness=_optional_float(entry.get("repness")),
            repness_test=_optional_float(entry.get("repness-test")),
            best_agree=bool(entry.get("best-agree", False)),
        )


@dataclass(frozen=True)
class MajorityStatement:
    """A statement most of everyone agreed (or disagreed) with, Polis's `consensus` entry."""

    tid: int
    n_success: int
    n_trials: int
    p_success: float
    p_test: float | None

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> MajorityStatement:
        return cls(
            tid=int(entry["tid"]),
            n_success=int(entry["n-success"]),
            n_trials=int(entry["n-trials"]),
            p_success=float(entry["p-success"]),
            p_test=_optional_float(entry.get("p-test")),
        )


@dataclass(frozen=True)
class GroupVotes:
    """How each opinion group voted on each statement: agree, disagree and seen counts
    (passes included in seen), each (n_groups, n_statements), aligned with `group_ids` and
    `tids`; `sizes[g]` members in group g."""

    tids: np.ndarray  # (m,) ascending
    group_ids: np.ndarray  # (G,) ascending
    sizes: np.ndarray  # (G,)
    agree: np.ndarray  # (G, m)
    disagree: np.ndarray
    seen: np.ndarray

    @classmethod
    def from_polis(cls, document: Mapping[str, Any]) -> GroupVotes:
        """From Polis's `group-votes` object (per group, per tid as text: A, D, S)."""
        by_group = document.get("group-votes") or {}
        group_ids = sorted(int(g) for g in by_group)
        # Every statement listed, and any a group voted on (a hand-made document may omit tids).
        listed = {int(t) for t in document.get("tids") or []}
        for group in by_group.values():
            listed.update(int(t) for t in group.get("votes") or {})
        tids = sorted(listed)
        counts = np.zeros((3, len(group_ids), len(tids)))
        for g, gid in enumerate(group_ids):
            cells = by_group[str(gid)].get("votes") or {}
            for t, tid in enumerate(tids):
                cell = cells.get(str(tid))
                if cell:
                    counts[:, g, t] = cell["A"], cell["D"], cell["S"]
        sizes = [int(by_group[str(gid)].get("n-members", 0)) for gid in group_ids]
        return cls(
            _frozen(tids, np.int64),
            _frozen(group_ids, np.int64),
            _frozen(sizes, np.int64),
            *(_frozen(c) for c in counts),
        )

    def size_of(self, group_id: int) -> int:
        at = np.flatnonzero(self.group_ids == group_id)
        return int(self.sizes[at[0]]) if len(at) else 0


@dataclass(frozen=True)
class Placements:
    """Each participant's place on the PCA map and group, by ascending pid (group UNGROUPED
    when the groups leave them out)."""

    pid: np.ndarray  # (n,)
    x: np.ndarray
    y: np.ndarray
    group: np.ndarray  # (n,) int64

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any]) -> Placements:
        groups = _frozen(columns.get("group") or [])  # None (not grouped) is NaN here
        group = np.where(np.isnan(groups), UNGROUPED, groups).astype(np.int64)
        group.flags.writeable = False
        return cls(
            _frozen(columns.get("pid") or [], np.int64),
            _frozen(columns.get("x") or []),
            _frozen(columns.get("y") or []),
            group,
        )

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Placements:
        """Only the placements of a result document (the agenda analyses and the follow-up
        rounds need nothing else of it)."""
        return cls.from_columns((document.get("mesa") or {}).get("participants") or {})

    def place_of(self, pid: int) -> tuple[float, float, int | None] | None:
        """(x, y, group or None) of one participant, None when the map does not place them."""
        at = np.flatnonzero(self.pid == pid)
        if not len(at) or at[0] >= len(self.x):
            return None
        group = int(self.group[at[0]])
        return float(self.x[at[0]]), float(self.y[at[0]]), None if group == UNGROUPED else group

    def group_or_none(self) -> list[int | None]:
        """Each participant's group as JSON writes it (None: not grouped)."""
        return [None if g == UNGROUPED else g for g in self.group.tolist()]

    def groups_of(self, pids: np.ndarray) -> np.ndarray:
        """The group of each of `pids` (UNGROUPED for anyone not placed)."""
        if not len(self.pid):
            return np.full(len(pids), UNGROUPED, dtype=np.int64)
        at = np.clip(np.searchsorted(self.pid, pids), 0, len(self.pid) - 1)
        return np.where(self.pid[at] == pids, self.group[at], UNGROUPED)


@dataclass(frozen=True)
class UmapMap:
    """The slow stage's alternative map of the grouped participants, grouped again by HDBSCAN;
    `agreement_with_groups` is the adjusted Rand index between those groups and Polis's."""

    available: bool
    reason: str | None
    pid: np.ndarray
    x: np.ndarray
    y: np.ndarray
    hdbscan_group: np.ndarray  # (n,) int64; -1: HDBSCAN's noise
    agreement_with_groups: float | None

    @classmethod
    def from_block(cls, block: Mapping[str, Any]) -> UmapMap:
        return cls(
            available=bool(block.get("available")),
            reason=block.get("reason"),
            pid=_frozen(block.get("pid") or [], np.int64),
            x=_frozen(block.get("x") or []),
            y=_frozen(block.get("y") or []),
            hdbscan_group=_frozen(block.get("hdbscan_group") or [], np.int64),
            agreement_with_groups=block.get("adjusted_rand_vs_polis"),
        )


@dataclass(frozen=True)
class SectorVotes:
    """How each declared sector voted (clustering.sectors), each (n_sectors, m), NaN where not
    stored; intervals are 90% Jeffreys intervals of the agree and disagree shares."""

    names: tuple[str, ...]
    agree: np.ndarray
    disagree: np.ndarray
    seen: np.ndarray
    agree_low: np.ndarray
    agree_high: np.ndarray
    disagree_low: np.ndarray
    disagree_high: np.ndarray


@dataclass(frozen=True)
class StabilityBlock:
    """Cluster stability (clustering.stability): mean adjusted Rand index (None: fewer than two
    groups) and each group's mean Jaccard similarity, over `resamples` re-clusterings."""

    ari: float | None
    jaccard: Mapping[int, float]
    resamples: int


@dataclass(frozen=True)
class AgendaAnalyses:
    """The slow stage's common-agenda analyses (clustering.agenda), arrays aligned with
    `groups.tids`; a missing value (nobody voted, too few ratings) is NaN."""

    params: Mapping[str, Any]
    excluded: tuple[int, ...]
    overall_agree: np.ndarray  # (m,) over everyone who voted
    overall_disagree: np.ndarray
    overall_seen: np.ndarray
    groups: GroupVotes
    group_agree_low: np.ndarray  # (G, m)
    group_agree_high: np.ndarray
    consensus: np.ndarray  # (m,) group-informed consensus
    consensus_low: np.ndarray
    consensus_high: np.ndarray
    bridging: np.ndarray  # (m,) bridging score
    bridging_low: np.ndarray
    bridging_high: np.ndarray
    divisive_spread: np.ndarray  # (m,)
    divisive_order: tuple[int, ...]  # tids, most divisive first
    stability: StabilityBlock
    sectors: SectorVotes

    @property
    def tids(self) -> np.ndarray:
        return self.groups.tids

    @classmethod
    def from_block(cls, block: Mapping[str, Any], sizes: Mapping[int, int]) -> AgendaAnalyses:
        tids = _frozen(block["tids"], np.int64)
        m = len(tids)
        groups = block["groups"]
        group_ids = _frozen(groups["ids"], np.int64)
        n_groups = len(group_ids)
        overall = block.get("overall") or {}
        consensus = block.get("consensus") or {}
        bridging = block.get("bridging") or {}
        divisive = block.get("divisive") or {}
        stability = block.get("stability") or {}
        sectors = block.get("sectors") or {}
        names = tuple(sectors.get("names") or ())

        def column(values) -> np.ndarray:
            return _frozen(values) if values is not None else _grid(None, 1, m)[0]

        return cls(
            params=_proxy(block.get("params") or {}),
            excluded=tuple(block.get("excluded") or ()),
            overall_agree=column(overall.get("agree")),
            overall_disagree=column(overall.get("disagree")),
            overall_seen=column(overall.get("seen")),
            groups=GroupVotes(
                tids,
                group_ids,
                _frozen([sizes.get(int(g), 0) for g in group_ids], np.int64),
                *(_grid(groups[k], n_groups, m) for k in ("agree", "disagree", "seen")),
            ),
            group_agree_low=_grid(groups.get("agree_low"), n_groups, m),
            group_agree_high=_grid(groups.get("agree_high"), n_groups, m),
            consensus=column(consensus.get("value")),
            consensus_low=column(consensus.get("low")),
            consensus_high=column(consensus.get("high")),
            bridging=column(bridging.get("score")),
            bridging_low=column(bridging.get("low")),
            bridging_high=column(bridging.get("high")),
            divisive_spread=column(divisive.get("spread")),
            divisive_order=tuple(divisive.get("order") or ()),
            stability=StabilityBlock(
                ari=stability.get("ari"),
                jaccard=_proxy(
                    {
                        int(g): float(j)
                        for g, j in (stability.get("groups") or {}).items()
                        if j is not None
                    }
                ),
                resamples=int(stability.get("resamples", 0)),
            ),
            sectors=SectorVotes(
                names,
                *(
                    _grid(sectors.get(k), len(names), m)
                    for k in (
                        "agree",
                        "disagree",
                        "seen",
                        "agree_low",
                        "agree_high",
                        "disagree_low",
                        "disagree_high",
                    )
                ),
            ),
        )


@dataclass(frozen=True)
class ResultView:
    """One stored result, read once (see the module doc).

    Polis's figures: `participants` ("n"), `statements` ("n-cmts"), `group_votes`
    ("group-votes"), `repness`, `majority` ("consensus": agree and disagree lists),
    `group_aware_consensus`, `priorities` ("comment-priorities"), `in_conv`, `mod_out`,
    `meta_tids`. Mesa's: `placements` (mesa.participants), `umap`, `agenda` (None before the
    slow stage), `inputs` (what the result was computed from).
    """

    participants: int
    statements: int
    group_votes: GroupVotes
    repness: Mapping[int, tuple[RepresentativeStatement, ...]]
    majority: Mapping[str, tuple[MajorityStatement, ...]]
    group_aware_consensus: Mapping[int, float]
    priorities: Mapping[int, float]
    in_conv: np.ndarray  # pids
    mod_out: frozenset[int]
    meta_tids: frozenset[int]
    placements: Placements
    umap: UmapMap | None
    agenda: AgendaAnalyses | None
    inputs: Mapping[str, Any]

    @property
    def tids(self) -> np.ndarray:
        return self.group_votes.tids

    @property
    def group_ids(self) -> np.ndarray:
        return self.group_votes.group_ids

    @property
    def agenda_votes(self) -> GroupVotes:
        """The group counts the common agenda is read from: the slow stage's when it ran (its
        tids are every statement voted on), else Polis's group-votes."""
        return self.agenda.groups if self.agenda is not None else self.group_votes

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> ResultView:
        mesa = document.get("mesa") or {}
        group_votes = GroupVotes.from_polis(document)
        sizes = dict(zip(group_votes.group_ids.tolist(), group_votes.sizes.tolist(), strict=True))
        repness = document.get("repness") or {}
        majority = document.get("consensus") or {}
        umap = mesa.get("umap")
        agenda = mesa.get("agenda")
        return cls(
            participants=int(document.get("n", 0)),
            statements=int(document.get("n-cmts", 0)),
            group_votes=group_votes,
            repness=_proxy(
                {
                    int(gid): tuple(RepresentativeStatement.from_entry(e) for e in entries)
                    for gid, entries in repness.items()
                }
            ),
            majority=_proxy(
                {
                    side: tuple(MajorityStatement.from_entry(e) for e in majority.get(side) or ())
                    for side in ("agree", "disagree")
                }
            ),
            group_aware_consensus=_proxy(
                {
                    int(tid): float(value)
                    for tid, value in (document.get("group-aware-consensus") or {}).items()
                }
            ),
            priorities=_proxy(
                {
                    int(tid): float(value)
                    for tid, value in (document.get("comment-priorities") or {}).items()
                }
            ),
            in_conv=_frozen(document.get("in-conv") or [], np.int64),
            mod_out=frozenset(int(t) for t in document.get("mod-out") or ()),
            meta_tids=frozenset(int(t) for t in document.get("meta-tids") or ()),
            placements=Placements.from_document(document),
            umap=UmapMap.from_block(umap) if umap is not None else None,
            agenda=AgendaAnalyses.from_block(agenda, sizes) if agenda is not None else None,
            inputs=_proxy(mesa.get("inputs") or {}),
        )
