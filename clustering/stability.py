"""Are the groups on the map real? Re-cluster bootstrap resamples and see if they come back.

Participants are drawn with replacement (a resample), the Polis pipeline's clustering steps
(PCA, in-conv, base clusters, group k-means with k chosen by silhouette) run on the drawn
participants' votes, and the groups found are compared with the groups shown, over the
participants that are in both:

* overall, the adjusted Rand index (Hubert & Arabie 1985) between the two partitions, averaged
  over resamples and clipped at 0 (chance level) so it reads as a score in [0, 1];
* per group, the Jaccard similarity |G ∩ H| / |G ∪ H| of the group G with its best-matching
  resample group H, averaged over resamples: Hennig's (2007) "clusterwise cluster stability"
  (Comput. Stat. Data Anal. 52, 258-271), where below 0.5 a group "dissolves" and above 0.75
  it is stable.

A participant drawn several times enters the clustering several times (that is the bootstrap)
but counts once in the comparison. Deterministic for a seed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from clustering.groups import BASE_K, MAX_GROUPS, base_clusters, choose_groups
from clustering.inconv import MIN_IN_CONV, MIN_VOTES, select_in_conv
from clustering.pca import polis_pca
from clustering.threads import one_blas_thread

DEFAULT_STABILITY_RESAMPLES = 50


@dataclass(frozen=True)
class StabilityResult:
    """ari: mean adjusted Rand index in [0, 1]; ari_per_resample: (B,) unclipped values
    (NaN where fewer than 2 participants were comparable); jaccard: (G,) mean best-match
    Jaccard per reference group, in the order of its labels 0..G-1."""

    ari: float
    ari_per_resample: np.ndarray
    jaccard: np.ndarray
    n_resamples: int


def polis_groups(
    votes: sp.csr_matrix,
    mod_out: np.ndarray | None = None,
    *,
    seed: int = 0,
    min_votes: int = MIN_VOTES,
    in_conv_target: int = MIN_IN_CONV,
    base_k: int = BASE_K,
    max_groups: int = MAX_GROUPS,
) -> np.ndarray:
    """Opinion group (0..k-1) of every row of a rating matrix, −1 when not clustered: the
    clustering steps of `clustering.pipeline.update`, cold (no history, no k smoothing).

    votes: (n, m) CSR in Polis's internal sign with explicit zeros for passes; rows are taken
    in their order (Polis's k-means starts from the first distinct points in row order).
    """
    n, m = votes.shape
    mod_out = np.zeros(m, dtype=bool) if mod_out is None else mod_out
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0 or m == 0:
        return labels
    pca = polis_pca(votes, mod_out, None, seed=seed)
    counts = np.diff(votes.indptr)
    in_conv = select_in_conv(counts, np.arange(n), m, None, min_votes, in_conv_target)
    rows = np.flatnonzero(in_conv)
    base = base_clusters(pca.participant_xy[rows], None, base_k)
    if len(base.ids) == 0:
        return labels
    selection = choose_groups(base.centers, base.sizes().astype(np.float64), {}, None, max_groups)
    if selection.chosen is None:
        return labels
    labels[rows] = selection.chosen.labels[base.labels]
    return labels


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """ARI of two labelings (n,) of the same items (labels ≥ 0); 1 for identical partitions,
    about 0 for unrelated ones. Defined as 1 when both put everyone in one group."""
    n = len(a)
    if n < 2:
        return float("nan")
    _, a_idx = np.unique(a, return_inverse=True)
    _, b_idx = np.unique(b, return_inverse=True)
    table = sp.coo_matrix((np.ones(n), (a_idx, b_idx))).toarray()
    pairs = (table * (table - 1) / 2).sum()
    row = table.sum(axis=1)
    col = table.sum(axis=0)
    pairs_a = (row * (row - 1) / 2).sum()
    pairs_b = (col * (col - 1) / 2).sum()
    total = n * (n - 1) / 2
    expected = pairs_a * pairs_b / total
    maximum = (pairs_a + pairs_b) / 2
    if maximum == expected:
        return 1.0
    return float((pairs - expected) / (maximum - expected))


def best_jaccard(reference: np.ndarray, other: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_groups,) Jaccard similarity of each reference group with its best match in `other`;
    both (n,) labels ≥ 0 of the same items. NaN for a group with no member among them."""
    _, other_idx = np.unique(other, return_inverse=True)
    table = sp.coo_matrix(
        (np.ones(len(reference)), (reference, other_idx)),
        shape=(n_groups, int(other_idx.max(initial=-1)) + 1),
    ).toarray()
    size_ref = table.sum(axis=1, keepdims=True)
    size_other = table.sum(axis=0, keepdims=True)
    union = size_ref + size_other - table
    jaccard = np.divide(table, union, out=np.zeros_like(table), where=union > 0)
    best = jaccard.max(axis=1, initial=0.0)
    return np.where(size_ref[:, 0] > 0, best, np.nan)


@one_blas_thread
def cluster_stability(
    votes: sp.csr_matrix,
    reference: np.ndarray,
    mod_out: np.ndarray | None = None,
    *,
    n_resamples: int = DEFAULT_STABILITY_RESAMPLES,
    seed: int = 0,
) -> StabilityResult:
    """Stability of the grouping `reference` (n,) (group positions 0..G-1, −1 not grouped) of
    the rows of `votes` (n, m), over `n_resamples` bootstrap resamples of the participants."""
    votes = sp.csr_matrix(votes)
    n = votes.shape[0]
    n_groups = int(reference.max(initial=-1)) + 1
    aris = np.full(n_resamples, np.nan)
    jaccards = np.full((n_resamples, n_groups), np.nan)
    for b in range(n_resamples):
        rng = np.random.default_rng([seed, b, 1])  # a stream apart from the other bootstraps
        drawn = rng.integers(0, n, size=n)
        labels = polis_groups(votes[drawn], mod_out, seed=seed)
        # Each drawn participant once: duplicates have the same votes, hence the same group.
        unique, first = np.unique(drawn, return_index=True)
        found = labels[first]
        both = (reference[unique] >= 0) & (found >= 0)
        if both.sum() < 2:
            continue
        aris[b] = adjusted_rand_index(reference[unique][both], found[both])
        jaccards[b] = best_jaccard(reference[unique][both], found[both], n_groups)
    with warnings.catch_warnings():  # resamples where nothing was comparable are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        ari = float(np.clip(np.nanmean(aris), 0.0, 1.0)) if np.isfinite(aris).any() else np.nan
        jaccard = np.nanmean(jaccards, axis=0) if n_groups else np.zeros(0)
    return StabilityResult(ari, aris, jaccard, n_resamples)
