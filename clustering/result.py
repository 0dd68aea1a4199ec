"""The result of one update, shaped key for key like Polis's `math-pca2.json` (spec §11).

Every Polis key keeps Polis's meaning and sign, so an analyst can diff our output against
Polis's. Mesa's additions live under the single key `mesa`: each participant's map position and
group, the state the next incremental update needs, the UMAP map when computed, and the
parameters used. Serialisation is canonical (fixed key order, shortest float repr), so the same
input and seed give byte-identical JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from clustering.groups import GroupSelection
from clustering.inputs import Moderation
from clustering.kmeans import Clustering
from clustering.matrix import RatingMatrix
from clustering.pca import PCAResult
from clustering.repness import GroupCounts

MESA_FORMAT_VERSION = 1

# The keys of math-pca2.json as Polis's server sends them (spec §11): the twenty of the
# fixtures. `mesa` (map positions, parameters, the next update's state) and anything later
# added beside them are not Polis's and not served.
POLIS_MATH_KEYS = (
    "n",
    "n-cmts",
    "tids",
    "user-vote-counts",
    "in-conv",
    "mod-out",
    "mod-in",
    "meta-tids",
    "pca",
    "base-clusters",
    "group-clusters",
    "votes-base",
    "group-votes",
    "group-aware-consensus",
    "repness",
    "consensus",
    "comment-priorities",
    "lastVoteTimestamp",
    "lastModTimestamp",
    "math_tick",
)


@dataclass
class PolisResult:
    """A computed update: `data` is the JSON-ready dict; `timings` (seconds per phase) is not
    part of it, so timings never break byte-identical output."""

    data: dict
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return self.data

    def to_json(self) -> str:
        return json.dumps(self.data, separators=(",", ":"), allow_nan=False)

    def record_inputs(self, inputs: dict) -> None:
        """Store under mesa.inputs what the result was computed from (the worker's watermark,
        the version it continued from), for freshness checks and exports."""
        self.data["mesa"]["inputs"] = inputs

    def attach_agenda(self, analyses: dict) -> None:
        """Store the common agenda's analyses (clustering.agenda) under mesa.agenda."""
        self.data["mesa"]["agenda"] = analyses


def _ints(values) -> list[int]:
    return np.asarray(values, dtype=np.int64).tolist()


def _clustering_json(clustering: Clustering, member_names: np.ndarray) -> dict:
    members = clustering.members()
    return {
        "id": _ints(clustering.ids),
        "members": [np.sort(member_names[ms]).tolist() for ms in members],
        "center": clustering.centers.tolist(),
    }


def assemble_result(
    *,
    matrix: RatingMatrix,
    tids: np.ndarray,
    rows: np.ndarray,
    vote_counts: np.ndarray,
    in_conv: np.ndarray,
    moderation: Moderation,
    pca: PCAResult,
    base: Clustering,
    clustered_rows: np.ndarray,
    base_counts: tuple[np.ndarray, np.ndarray, np.ndarray],
    selection: GroupSelection,
    counts: GroupCounts,
    group_ids: np.ndarray,
    repness: dict,
    consensus: dict,
    gac: np.ndarray | None,
    priorities: np.ndarray,
    umap_map: dict | None,
    params: dict,
    math_tick: int,
) -> PolisResult:
    pids = matrix.participant_ids
    tid_keys = list(map(str, tids.tolist()))
    base_pids = pids[clustered_rows]
    base_members = [np.sort(base_pids[ms]).tolist() for ms in base.members()]
    base_agree, base_disagree, base_seen = (np.rint(a).astype(np.int64) for a in base_counts)

    chosen = selection.chosen
    group_clusters = []
    if chosen is not None:
        for gid, members, center in zip(chosen.ids, chosen.members(), chosen.centers, strict=True):
            group_clusters.append(
                {"id": int(gid), "members": _ints(base.ids[members]), "center": center.tolist()}
            )

    group_votes = {}
    g_agree, g_disagree, g_seen = (
        np.rint(a).astype(np.int64) for a in (counts.agree, counts.disagree, counts.seen)
    )
    base_sizes = base.sizes()
    for g, gid in enumerate(group_ids):
        n_members = int(base_sizes[chosen.labels == g].sum())
        votes = {
            key: {"A": a, "D": d, "S": seen}
            for key, a, d, seen in zip(
                tid_keys,
                g_agree[g].tolist(),
                g_disagree[g].tolist(),
                g_seen[g].tolist(),
                strict=True,
            )
        }
        group_votes[str(int(gid))] = {"n-members": n_members, "votes": votes, "id": int(gid)}

    # Each participant's place on the map and group (None: not clustered), by ascending pid.
    group_of_row: list = [None] * len(pids)
    if chosen is not None and len(base.ids):
        # An object array fills in C: Python ints where clustered, None elsewhere.
        by_row = np.full(len(pids), None, dtype=object)
        by_row[clustered_rows] = chosen.ids[chosen.labels[base.labels]].tolist()
        group_of_row = by_row.tolist()

    data = {
        "n": int(len(pids)),
        "n-cmts": int(len(tids)),
        "tids": _ints(tids),
        "user-vote-counts": dict(zip(map(str, pids.tolist()), vote_counts.tolist(), strict=True)),
        "in-conv": sorted(_ints(pids[in_conv])),
        "mod-out": sorted(moderation.mod_out),
        "mod-in": sorted(moderation.mod_in),
        "meta-tids": sorted(moderation.meta),
        "pca": {
            "center": pca.center.tolist(),
            "comps": pca.components.tolist(),
            "comment-projection": pca.statement_xy.T.tolist(),
            "comment-extremity": pca.statement_extremity.tolist(),
        },
        "base-clusters": {
            "id": _ints(base.ids),
            "members": base_members,
            "x": base.centers[:, 0].tolist(),
            "y": base.centers[:, 1].tolist(),
            "count": _ints(base.sizes()),
        },
        "group-clusters": group_clusters,
        "votes-base": {
            key: {"A": a, "D": d, "S": seen}
            for key, a, d, seen in zip(
                tid_keys,
                base_agree.T.tolist(),
                base_disagree.T.tolist(),
                base_seen.T.tolist(),
                strict=True,
            )
        },
        "group-votes": group_votes,
        "group-aware-consensus": (
            {} if gac is None else dict(zip(tid_keys, gac.tolist(), strict=True))
        ),
        "repness": {str(gid): entries for gid, entries in repness.items()},
        "consensus": consensus,
        "comment-priorities": dict(zip(tid_keys, priorities.tolist(), strict=True)),
        "lastVoteTimestamp": matrix.last_vote_timestamp,
        "lastModTimestamp": None,
        "math_tick": int(math_tick),
        "mesa": {
            "version": MESA_FORMAT_VERSION,
            "params": params,
            "participants": {
                "pid": _ints(pids),
                "x": pca.participant_xy[:, 0].tolist() if len(pids) else [],
                "y": pca.participant_xy[:, 1].tolist() if len(pids) else [],
                "group": group_of_row,
            },
            "silhouettes": {str(k): v for k, v in selection.silhouettes.items()},
            "umap": umap_map,
            "state": {
                "row_order": _ints(pids[rows]),
                # Sums of this update's group-votes, which the next update's priorities use.
                "group_vote_sums": {
                    "tids": _ints(tids),
                    "A": g_agree.sum(axis=0).tolist(),
                    "D": g_disagree.sum(axis=0).tolist(),
                    "S": g_seen.sum(axis=0).tolist(),
                },
                "group_clusterings": {
                    str(k): _clustering_json(c, base.ids) for k, c in selection.clusterings.items()
                },
                "k_smoother": {
                    "last_k": selection.smoother.last_k,
                    "last_k_count": selection.smoother.last_k_count,
                    "smoothed_k": selection.smoother.smoothed_k,
                },
            },
        },
    }
    return PolisResult(data)
