"""How sure we are: intervals for shares, and the bootstrap over participants.

Two kinds of interval, both 90% (`CONFIDENCE`):

* A share of voters (a group's or a sector's agree share) gets a **Jeffreys interval**: the 5%
  and 95% quantiles of Beta(a + ½, n − a + ½), with the lower end 0 when a = 0 and the upper 1
  when a = n (Brown, Cai & DasGupta 2001, "Interval estimation for a binomial proportion").
  It behaves well for the small n of a round-table, where Wald intervals collapse.
* A statistic of the whole conversation (group-informed consensus, the bridging score) gets a
  **percentile bootstrap interval over participants**: participants are drawn with replacement,
  each draw becoming a weight (how many times the participant was drawn), the statistic is
  recomputed on the weighted votes, and the 5% and 95% quantiles of the resamples are the
  interval (Efron & Tibshirani 1993, ch. 13). Resample b uses its own random stream spawned
  from the seed, so results do not depend on how resamples are batched.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
from scipy.special import betaincinv

CONFIDENCE = 0.90
DEFAULT_RESAMPLES = 200
# Resamples processed at once: bounds memory at (participants x BATCH) floats per array.
BATCH = 25


def jeffreys_interval(successes, trials, confidence: float = CONFIDENCE):
    """(low, high) arrays of the Jeffreys interval of successes / trials, shapes as the inputs.

    Where trials is 0 both ends are NaN (nobody voted: nothing is known).
    """
    a = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    tail = (1.0 - confidence) / 2.0
    with np.errstate(invalid="ignore"):
        low = betaincinv(a + 0.5, n - a + 0.5, tail)
        high = betaincinv(a + 0.5, n - a + 0.5, 1.0 - tail)
    low = np.where(a <= 0, 0.0, low)
    high = np.where(a >= n, 1.0, high)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def plain_share(successes, trials) -> np.ndarray:
    """successes / trials, NaN where trials is 0. Shape as the inputs."""
    a = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, a / np.where(n > 0, n, 1.0), np.nan)


def resample_weights(n: int, resamples: range, seed: int) -> np.ndarray:
    """(len(resamples), n) float64: how often each of n participants is drawn in each resample.

    Resample b draws n participants with replacement from its own stream (seed, b), so any
    batch of resamples gives the same weights for the same b.
    """
    out = np.empty((len(resamples), n))
    for row, b in enumerate(resamples):
        rng = np.random.default_rng([seed, b])
        out[row] = np.bincount(rng.integers(0, n, size=n), minlength=n) if n else 0.0
    return out


def resample_batches(n_resamples: int, batch: int = BATCH) -> Iterator[range]:
    for lo in range(0, n_resamples, batch):
        yield range(lo, min(n_resamples, lo + batch))


def percentile_interval(samples: np.ndarray, confidence: float = CONFIDENCE):
    """(low, high) along axis 0 of (n_resamples, ...) samples, ignoring NaN resamples."""
    tail = 100.0 * (1.0 - confidence) / 2.0
    if not np.isnan(samples).any():
        low, high = np.percentile(samples, [tail, 100.0 - tail], axis=0)
        return low, high
    with warnings.catch_warnings():  # an all-NaN column (never estimable) gives NaN ends
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(samples, [tail, 100.0 - tail], axis=0)
    return low, high


def centred_percentile_interval(samples: np.ndarray, estimate: np.ndarray, confidence=CONFIDENCE):
    """The percentile interval moved so the resamples' mean sits on the estimate: (low, high).

    For an estimator whose resamples are shifted as a whole (the penalised bridging fit: each
    resample holds fewer distinct participants, and its statement intercepts come out ~0.03
    lower on the open-data conversations), the plain percentile interval can miss the estimate
    altogether; re-centring keeps its width and removes that shift (Efron & Tibshirani 1993,
    §10.6, bias correction by the bootstrap mean).
    """
    low, high = percentile_interval(samples, confidence)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        shift = np.nanmean(samples, axis=0) - estimate
    return low - shift, high - shift


def group_informed_consensus(agree: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Π over groups of (A + 1)/(S + 2) (Polis's group-aware consensus, repness.clj).

    agree, seen: (..., n_groups, m) counts. Returns (..., m): high only when every group
    leans agree, so one large group cannot carry a statement alone.
    """
    return np.prod((agree + 1.0) / (seen + 2.0), axis=-2)


def bootstrap_consensus(
    agree: sp.csr_matrix,
    seen: sp.csr_matrix,
    group_of_row: np.ndarray,
    n_groups: int,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> np.ndarray:
    """Group-informed consensus of each bootstrap resample over participants: (B, m).

    agree, seen: (n, m) 0/1 indicators of agree and of any vote (passes included) per
    participant and statement. group_of_row: (n,) group position of each participant in
    0..n_groups-1, or -1 (not grouped: left out, as Polis leaves them out of group votes).
    Groups are held fixed; who is in the sample varies. Weighted counts are sparse products
    per group and batch: cost O(votes x resamples).
    """
    grouped = np.flatnonzero(group_of_row >= 0)
    m = agree.shape[1]
    out = np.empty((n_resamples, m))
    if n_groups == 0 or len(grouped) == 0:
        out[:] = np.nan
        return out
    labels = group_of_row[grouped]
    members = [np.flatnonzero(labels == g) for g in range(n_groups)]
    agree_t = [sp.csr_matrix(agree[grouped[ms]]).T.tocsr() for ms in members]  # (m, n_g)
    seen_t = [sp.csr_matrix(seen[grouped[ms]]).T.tocsr() for ms in members]
    for batch in resample_batches(n_resamples):
        weights = resample_weights(len(grouped), batch, seed)  # (b, n_grouped)
        counts_a = np.empty((len(batch), n_groups, m))
        counts_s = np.empty((len(batch), n_groups, m))
        for g, ms in enumerate(members):
            w = np.ascontiguousarray(weights[:, ms].T)  # (n_g, b)
            counts_a[:, g] = np.asarray(agree_t[g] @ w).T
            counts_s[:, g] = np.asarray(seen_t[g] @ w).T
        out[batch.start : batch.stop] = group_informed_consensus(counts_a, counts_s)
    return out
