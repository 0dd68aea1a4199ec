"""Bridging scores: what people agree with across the divide, as Community Notes scores notes.

Each agree (1) or disagree (0) is modelled as

    rating(i, j) ≈ μ + i_participant(i) + i_statement(j) + f_participant(i) · f_statement(j)

with one-dimensional factors. The factor product soaks up agreement that follows the main
divide (one side agrees, the other does not); what is left in a statement's intercept is
agreement *beyond* the divide: its **bridging score** (higher bridges more). Parameters
minimise the objective of Community Notes' scorer (communitynotes `matrix_factorization.py`;
Wojcik et al. 2022, "Birdwatch"): the mean squared error over the cast votes plus, per kind of
parameter, λ times the mean of its squares, λ_i = 0.15 for intercepts (μ included) and
λ_f = 0.03 for factors (see `_Penalties`). Passes are not ratings and are left out.

Fitting is alternating least squares over the sparse matrix: with the statements' parameters
fixed, each participant's (intercept, factor) is a 2x2 ridge regression in closed form, and the
same holds the other way round, so a sweep is a handful of sparse products. It starts from the
votes' main axis (`_spectral_start`) and is deterministic for a seed. The bootstrap over
participants refits every resample at once (participant weights), warm-started from the full
fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from clustering.uncertainty import (
    DEFAULT_RESAMPLES,
    centred_percentile_interval,
    resample_batches,
    resample_weights,
)

INTERCEPT_LAMBDA = 0.15
FACTOR_LAMBDA = 0.03
# Community Notes scores a note only once it has 5 ratings; fewer say nothing about bridging.
MIN_RATINGS = 5
INIT_SCALE = 0.1  # standard deviation of the random starting factors
# Bootstrap refits stop when no statement intercept moves more than this (see `bootstrap`).
BOOTSTRAP_TOL = 1e-3
BOOTSTRAP_MAX_SWEEPS = 30
# Over-relaxation of the statements' step in the bootstrap refits: a third fewer sweeps for
# the same intervals (widths within 0.5% of fully converged refits on the open data).
BOOTSTRAP_RELAX = 1.5


@dataclass(frozen=True)
class Ratings:
    """Agree/disagree ratings as two sparse matrices of one sparsity pattern (passes dropped).

    rated: (n, m) CSR, 1.0 where participant i agreed or disagreed with statement j.
    agreed: (n, m) CSR, 1.0 where participant i agreed (a subset of `rated`).
    """

    rated: sp.csr_matrix
    agreed: sp.csr_matrix

    @classmethod
    def from_votes(cls, votes: sp.spmatrix) -> Ratings:
        """From a rating matrix in Polis's internal sign (agree −1, disagree +1, pass 0)."""
        csr = sp.csr_matrix(votes)
        n = csr.shape[0]
        keep = csr.data != 0
        rows = np.repeat(np.arange(n), np.diff(csr.indptr))[keep]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        indices = csr.indices[keep]
        agreed = (csr.data[keep] < 0).astype(np.float64)
        rated = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=csr.shape)
        return cls(rated, sp.csr_matrix((agreed, indices, indptr), shape=csr.shape))

    @property
    def shape(self) -> tuple[int, int]:
        return self.rated.shape


@dataclass(frozen=True)
class _Params:
    """Model parameters, one column per fit (several fits share the sweeps in the bootstrap).

    mu: (k,); participant_intercept, participant_factor: (n, k); statement_*: (m, k).
    """

    mu: np.ndarray
    participant_intercept: np.ndarray
    participant_factor: np.ndarray
    statement_intercept: np.ndarray
    statement_factor: np.ndarray


def _solve_2x2(count, s_f, s_ff, s_y, s_yf, lam_i, lam_f):
    """Ridge solution of y ≈ a + u·f per row: [[c+λi, Σf], [Σf, Σf²+λf]]·[a, u] = [Σy, Σyf]."""
    a11 = count + lam_i
    a22 = s_ff + lam_f
    det = a11 * a22 - s_f * s_f
    return (a22 * s_y - s_f * s_yf) / det, (a11 * s_yf - s_f * s_y) / det


@dataclass(frozen=True)
class _Side:
    """One side of the matrix (participants or statements) as rows, and what never changes.

    pattern, agreed: (rows, cols) sparse (CSR, or a CSC transpose). count, agreed_sum: (rows, 1)
    ratings and agrees per row, or None when the other side is weighted (they change with the
    weights).
    """

    pattern: sp.spmatrix
    agreed: sp.spmatrix
    count: np.ndarray | None
    agreed_sum: np.ndarray | None


def _side(pattern: sp.spmatrix, agreed: sp.spmatrix, weighted: bool) -> _Side:
    if weighted:
        return _Side(pattern, agreed, None, None)
    count = np.asarray(pattern.sum(axis=1), dtype=np.float64).reshape(-1, 1)
    return _Side(pattern, agreed, count, np.asarray(agreed.sum(axis=1)).reshape(-1, 1))


def _half_sweep(side: _Side, mu, other_i, other_f, lam_i, lam_f, other_weights=None):
    """New (intercept, factor) of every row given the other side's parameters.

    other_i, other_f: (cols, k); mu: (k,). other_weights: (cols, k) or None, the weight of each
    column's terms in the loss (a participant drawn twice in a resample counts twice in every
    statement's loss). Returns (intercept, factor, sums): two (rows, k) arrays and the row sums
    (count, Σw·f, Σw·b, Σw·r) that μ's update reuses.
    """
    k = other_i.shape[1]
    # Σ over a row's rated columns of w, w·f, w·f², w·b, w·b·f, and of w·r, w·r·f; the counts
    # are fixed when unweighted, so each sweep costs five sparse columns (k = 1) per side.
    if other_weights is None:
        bf = other_i * other_f
        sums = np.asarray(side.pattern @ np.hstack([other_f, other_f * other_f, other_i, bf]))
        s_f, s_ff, s_b, s_bf = (sums[:, i * k : (i + 1) * k] for i in range(4))
        s_rf = np.asarray(side.agreed @ other_f)
        count, s_r = side.count, side.agreed_sum
    else:
        w = other_weights
        wf = w * other_f
        stacked = np.hstack([w, wf, wf * other_f, w * other_i, wf * other_i])
        sums = np.asarray(side.pattern @ stacked)
        count, s_f, s_ff, s_b, s_bf = (sums[:, i * k : (i + 1) * k] for i in range(5))
        rated_sums = np.asarray(side.agreed @ np.hstack([w, wf]))
        s_r, s_rf = rated_sums[:, :k], rated_sums[:, k:]
    s_y = s_r - count * mu - s_b
    s_yf = s_rf - mu * s_f - s_bf
    intercept, factor = _solve_2x2(count, s_f, s_ff, s_y, s_yf, lam_i, lam_f)
    return intercept, factor, (count, s_f, s_b, s_r)


def _global_intercept(statement_sums, b, v, lam_mu) -> np.ndarray:
    """μ minimising the loss given every other parameter, from the statements' row sums
    (count, Σw·u, Σw·a, Σw·r over each statement's raters) and their new b, v: (k,)."""
    count, s_u, s_a, s_r = statement_sums
    residual = s_r - s_a - count * b - v * s_u
    return residual.sum(axis=0) / (count.sum(axis=0) + lam_mu)


@dataclass(frozen=True)
class _Penalties:
    """Each parameter's own L2 coefficient, per fit (arrays of shape (k,)).

    Community Notes' scorer minimises mean squared error + λ × the *mean* of each kind's squared
    parameters. Multiplied through by the number of ratings N, a participant's parameters carry
    λ·N/n (n participants), a statement's λ·N/m (m statements) and μ λ_i·N: a statement with
    few ratings is shrunk hard, and the penalties weigh the participants as a whole against the
    statements as a whole, however many participants there are.
    """

    participant_i: np.ndarray
    participant_f: np.ndarray
    statement_i: np.ndarray
    statement_f: np.ndarray
    mu: np.ndarray

    @classmethod
    def scaled(cls, lams, participant_w, counts, statement_seen) -> _Penalties:
        lam_i, lam_f = lams
        ratings = (participant_w * counts).sum(axis=0)
        per_participant = ratings / np.maximum(participant_w.sum(axis=0), 1e-12)
        per_statement = ratings / np.maximum(statement_seen.sum(axis=0), 1)
        return cls(
            participant_i=lam_i * per_participant,
            participant_f=lam_f * per_participant,
            statement_i=lam_i * per_statement,
            statement_f=lam_f * per_statement,
            mu=lam_i * ratings,
        )


def _sweeps(
    ratings: Ratings,
    start: _Params,
    weights,
    n_sweeps: int,
    tol: float,
    lams,
    fixed_mu: bool = False,
    relax: float = 1.0,
):
    """Alternate participants, statements and μ until no parameter moves more than tol (with
    `fixed_mu`, the bootstrap's refits: until no statement intercept does). `relax` > 1
    over-relaxes the statements' step (successive over-relaxation)."""
    participants = _side(ratings.rated, ratings.agreed, weighted=False)
    # The transposes stay CSC views: a CSC product walks each participant's votes in order and
    # scatters into the few statement rows, twice as fast as a CSR transpose's gathers.
    statements = _side(ratings.rated.T, ratings.agreed.T, weights is not None)
    counts = participants.count
    participant_w = (counts > 0) * (1.0 if weights is None else weights)  # (n, 1 or k)
    statement_seen = np.asarray(statements.pattern @ participant_w) > 0  # (m, 1 or k)
    pen = _Penalties.scaled(lams, participant_w, counts, statement_seen)
    p = start
    sweeps = 0
    for sweeps in range(1, n_sweeps + 1):  # noqa: B007 - the count is returned
        # A participant drawn twice is two participants with the same votes: same parameters,
        # so participants are solved unweighted; their weights count in statements and μ.
        a, u, _ = _half_sweep(
            participants,
            p.mu,
            p.statement_intercept,
            p.statement_factor,
            pen.participant_i,
            pen.participant_f,
        )
        b, v, sums = _half_sweep(statements, p.mu, a, u, pen.statement_i, pen.statement_f, weights)
        if relax != 1.0:
            b = p.statement_intercept + relax * (b - p.statement_intercept)
            v = p.statement_factor + relax * (v - p.statement_factor)
        mu = p.mu if fixed_mu else _global_intercept(sums, b, v, pen.mu)
        new = _rebalance(_Params(mu, a, u, b, v), participant_w, statement_seen, pen, fixed_mu)
        change = float(np.abs(new.statement_intercept - p.statement_intercept).max(initial=0.0))
        if not fixed_mu:  # a full fit also waits for the factors and μ to settle
            change = max(
                change,
                float(np.abs(new.statement_factor - p.statement_factor).max(initial=0.0)),
                float(np.abs(new.mu - p.mu).max(initial=0.0)),
            )
        p = new
        if change < tol:
            break
    return p, sweeps


def _rebalance(
    p: _Params, participant_w, statement_seen, pen: _Penalties, fixed_mu=False
) -> _Params:
    """Exact minimisation along the model's near-symmetries, which ALS crawls along.

    Each move leaves every prediction unchanged and only lowers the penalty: rescaling the
    factors (u·c, v/c), shifting participant factors by t (absorbed by statement intercepts:
    b − t·v), shifting statement factors by s (absorbed by participant intercepts: a − s·u),
    and moving μ against the intercepts. Without them ALS needs thousands of sweeps to settle
    how the weak penalties split the fit; with them, tens. participant_w: (n, k) weight of each
    participant (0: not in the data); statement_seen: (m, k) bool, rated by someone weighted.
    """
    w, seen = participant_w, statement_seen
    on = w > 0
    a, u, b, v = (
        p.participant_intercept,
        p.participant_factor,
        p.statement_intercept,
        p.statement_factor,
    )
    mu = p.mu
    pi, pf, si, sf = pen.participant_i, pen.participant_f, pen.statement_i, pen.statement_f
    # Factor scale: minimise pf·c²·Σw·u² + sf·Σv²/c².
    su2 = pf * (w * u * u).sum(axis=0)
    sv2 = sf * (seen * v * v).sum(axis=0)
    ok = (su2 > 0) & (sv2 > 0)
    c = np.sqrt(np.sqrt(np.divide(sv2, su2, out=np.ones_like(sv2), where=ok)))
    u, v = u * c, v / c
    # Participant factors + t, statement intercepts − t·v.
    t = (si * (seen * b * v).sum(axis=0) - pf * (w * u).sum(axis=0)) / (
        pf * w.sum(axis=0) + si * (seen * v * v).sum(axis=0)
    )
    u = u + t * on
    b = b - t * v * seen
    # Statement factors + s, participant intercepts − s·u.
    s = (pi * (w * a * u).sum(axis=0) - sf * (seen * v).sum(axis=0)) / (
        sf * seen.sum(axis=0) + pi * (w * u * u).sum(axis=0)
    )
    v = v + s * seen
    a = a - s * u * on
    if fixed_mu:
        return _Params(mu, a, u, b, v)
    # μ against the participant intercepts, then against the statement intercepts.
    shift = (pi * (w * a).sum(axis=0) - pen.mu * mu) / (pen.mu + pi * w.sum(axis=0))
    mu, a = mu + shift, a - shift * on
    shift = (si * (seen * b).sum(axis=0) - pen.mu * mu) / (pen.mu + si * seen.sum(axis=0))
    mu, b = mu + shift, b - shift * seen
    return _Params(mu, a, u, b, v)


def _spectral_start(ratings: Ratings, seed: int) -> np.ndarray:
    """Starting statement factors (m,): the main axis of the votes, centred per statement.

    ALS from a random start settles in whichever local optimum is nearest; starting on the
    leading singular vector (the main divide, as a PCA of the votes finds it) lands on the fit
    that explains that divide, reproducibly. ARPACK's start vector comes from `seed`.
    """
    rated, agreed = ratings.rated, ratings.agreed
    n, m = rated.shape
    counts = np.diff(rated.tocsc().indptr)
    means = np.divide(
        np.asarray(agreed.sum(axis=0)).ravel(), counts, out=np.zeros(m), where=counts > 0
    )
    centred = sp.csr_matrix(
        (agreed.data - means[agreed.indices], agreed.indices, agreed.indptr), shape=(n, m)
    )
    if min(n, m) < 2 or centred.nnz == 0:
        rng = np.random.default_rng(seed)
        return rng.normal(0.0, INIT_SCALE, size=m)
    v0 = np.random.default_rng(seed).uniform(-1.0, 1.0, size=min(n, m))
    try:
        _, sigma, vt = spla.svds(centred, k=1, v0=v0, random_state=seed)
    except (spla.ArpackNoConvergence, ValueError):
        return np.random.default_rng(seed).normal(0.0, INIT_SCALE, size=m)
    vector = vt[0] * np.sqrt(max(float(sigma[0]), 1e-12))
    # A singular vector's sign is arbitrary: fix it so the largest entry is positive.
    return vector if vector[np.argmax(np.abs(vector))] >= 0 else -vector


class BridgingModel:
    """Community Notes' matrix factorisation of agree/disagree votes (scikit-learn style).

    Parameters: intercept_lambda, factor_lambda (L2 penalties), max_sweeps and tol (ALS
    stopping rule: largest change of a statement parameter or μ), min_ratings (statements with
    fewer agree/disagree votes get a NaN score), random_state (seed of the starting factors).

    Fitted attributes (after `fit(votes)`, votes (n, m) in Polis's internal sign):
    global_intercept_ (float), participant_intercepts_, participant_factors_ (n,),
    statement_intercepts_, statement_factors_ (m,), ratings_per_statement_ (m,) and
    bridging_scores_ (m,): the statement intercepts, NaN below min_ratings. n_sweeps_.
    """

    def __init__(
        self,
        intercept_lambda: float = INTERCEPT_LAMBDA,
        factor_lambda: float = FACTOR_LAMBDA,
        max_sweeps: int = 200,
        tol: float = 1e-6,
        min_ratings: int = MIN_RATINGS,
        random_state: int = 0,
    ) -> None:
        self.intercept_lambda = intercept_lambda
        self.factor_lambda = factor_lambda
        self.max_sweeps = max_sweeps
        self.tol = tol
        self.min_ratings = min_ratings
        self.random_state = random_state

    def fit(self, votes: sp.spmatrix | Ratings) -> BridgingModel:
        ratings = votes if isinstance(votes, Ratings) else Ratings.from_votes(votes)
        n, m = ratings.shape
        start = _Params(
            mu=np.zeros(1),
            participant_intercept=np.zeros((n, 1)),
            participant_factor=np.zeros((n, 1)),  # the first half-sweep sets them
            statement_intercept=np.zeros((m, 1)),
            statement_factor=_spectral_start(ratings, self.random_state).reshape(m, 1),
        )
        if ratings.rated.nnz:
            params, sweeps = _sweeps(
                ratings, start, None, self.max_sweeps, self.tol, self._lambdas()
            )
        else:  # nobody agreed or disagreed with anything (only passes): nothing to fit
            params, sweeps = start, 0
        self.ratings_ = ratings
        self._params = params
        self.n_sweeps_ = sweeps
        self.global_intercept_ = float(params.mu[0])
        self.participant_intercepts_ = params.participant_intercept[:, 0]
        self.participant_factors_ = params.participant_factor[:, 0]
        self.statement_intercepts_ = params.statement_intercept[:, 0]
        self.statement_factors_ = params.statement_factor[:, 0]
        self.ratings_per_statement_ = np.diff(ratings.rated.tocsc().indptr)
        self.bridging_scores_ = self._masked(self.statement_intercepts_)
        return self

    def bootstrap(
        self,
        n_resamples: int = DEFAULT_RESAMPLES,
        seed: int = 0,
        max_sweeps: int = BOOTSTRAP_MAX_SWEEPS,
        tol: float = BOOTSTRAP_TOL,
    ) -> np.ndarray:
        """Bridging scores of `n_resamples` bootstrap resamples over participants: (B, m).

        Each resample weights participants by how often they were drawn and is refitted by ALS
        from the full fit, all resamples of a batch at once, until no statement intercept moves
        more than `tol` (at most `max_sweeps`). Stopping early understates the uncertainty: on
        football-concussions the median interval is 0.080 wide after 1 sweep, 0.121 after 10,
        0.131 after 30 and 100. μ stays at the full fit's value: left free, the
        penalties re-split the common level between μ and the statement intercepts in every
        resample, shifting all scores alike (by ~0.03 on vtaiwan.uberx) without saying anything
        about any one statement. NaN where a statement has < min_ratings weighted ratings.
        """
        ratings = self.ratings_
        n, m = ratings.shape
        out = np.full((n_resamples, m), np.nan)
        if not ratings.rated.nnz:
            return out
        for batch in resample_batches(n_resamples):
            k = len(batch)
            weights = resample_weights(n, batch, seed).T  # (n, k)
            start = _Params(
                mu=np.repeat(self._params.mu, k),
                participant_intercept=np.repeat(self._params.participant_intercept, k, axis=1),
                participant_factor=np.repeat(self._params.participant_factor, k, axis=1),
                statement_intercept=np.repeat(self._params.statement_intercept, k, axis=1),
                statement_factor=np.repeat(self._params.statement_factor, k, axis=1),
            )
            fitted, _ = _sweeps(
                ratings,
                start,
                weights,
                max_sweeps,
                tol,
                self._lambdas(),
                fixed_mu=True,
                relax=BOOTSTRAP_RELAX,
            )
            counts = np.asarray(ratings.rated.T @ weights)  # (m, k) weighted ratings
            scores = np.where(counts >= self.min_ratings, fitted.statement_intercept, np.nan)
            out[batch.start : batch.stop] = scores.T
        return out

    def _lambdas(self) -> tuple[float, float]:
        return self.intercept_lambda, self.factor_lambda

    def _masked(self, scores: np.ndarray) -> np.ndarray:
        return np.where(self.ratings_per_statement_ >= self.min_ratings, scores, np.nan)


def bridging_scores(
    votes: sp.spmatrix,
    *,
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bridging score per statement with its 90% bootstrap interval (percentile, re-centred on
    the estimate: see `centred_percentile_interval`): three (m,) arrays (score, low, high), NaN
    for statements with fewer than MIN_RATINGS agree/disagree votes."""
    model = BridgingModel(random_state=seed).fit(votes)
    if n_resamples <= 0:
        nan = np.full_like(model.bridging_scores_, np.nan)
        return model.bridging_scores_, nan, nan
    samples = model.bootstrap(n_resamples, seed=seed)
    low, high = centred_percentile_interval(samples, model.bridging_scores_)
    return model.bridging_scores_, low, high
