"""Polis's PCA of the vote matrix, exact, without ever forming a dense matrix (spec §4–5).

Polis mean-imputes missing votes, centres the columns and runs a warm-started power iteration.
Imputed cells equal the column mean, so after centring they are exactly zero: the centred,
imputed matrix has the sparsity of the votes themselves. We take its top eigenvectors exactly
(dense eigh for a few hundred statements, ARPACK on a matrix-free operator beyond), which is what
Polis's fully converged warm-started iteration reaches (fixtures agree to ~1e-15).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from clustering._vote_kernels import MM, MX, gram_covariance

# Below this many statements the Gram matrix is small enough to decompose densely.
DENSE_GRAM_LIMIT = 600
# Warm start (an incremental update, from the previous update's axes): ARPACK with a basis of 16
# vectors, stopped at a relative accuracy of 1e-8. On 25k x 1k x 40 votes with 1% new that is
# 17 matrix products and axes within 2e-9 of the exact ones, where running to machine precision
# takes 29 products (basis 28) or more (smaller bases): ~50 ms of a ~0.35 s update. The axes
# need no more: Polis's own comparison tolerance on them is 1e-6 (`clustering.compare`), its
# power iteration is not run to convergence either, and the map quantises positions to 1/65536.
# A cold start keeps ARPACK's defaults and full precision: from a random vector, larger bases
# cost more products, and a cold result is what every later one is compared with.
WARM_LANCZOS_BASIS = 16
WARM_TOLERANCE = 1e-8


@dataclass(frozen=True)
class PCAResult:
    """Centre and unit axes of the opinion space, plus every participant's and statement's place.

    center: (m,) column means in Polis's sign (negative = mostly agree).
    components: (n_components, m) unit axes; the sign follows the previous update, as
        Polis's warm start does.
    participant_xy: (n, 2) sparsity-aware projections of every rating-matrix row.
    statement_xy: (m, 2) position of a virtual participant who agreed with that statement only.
    statement_extremity: (m,) distance of that position from the origin.
    """

    center: np.ndarray
    components: np.ndarray
    participant_xy: np.ndarray
    statement_xy: np.ndarray
    statement_extremity: np.ndarray


def column_means(votes: sp.csr_matrix, mod_out: np.ndarray) -> np.ndarray:
    """Mean of the cast votes per statement; 0 for moderated-out statements (zeroed by Polis)."""
    m = votes.shape[1]
    sums = np.bincount(votes.indices, weights=votes.data, minlength=m)
    return _means(sums, np.bincount(votes.indices, minlength=m), mod_out)


def _means(sums: np.ndarray, counts: np.ndarray, mod_out: np.ndarray) -> np.ndarray:
    means = np.divide(sums, counts, out=np.zeros(len(sums)), where=counts > 0)
    means[mod_out] = 0.0
    return means


def centred_votes(votes: sp.csr_matrix, center: np.ndarray, mod_out: np.ndarray) -> sp.csr_matrix:
    """Mean-imputed, centred matrix; imputed cells and moderated-out columns are exact zeros."""
    data = votes.data - center[votes.indices]
    if mod_out.any():
        data = np.where(mod_out[votes.indices], 0.0, data)
    return sp.csr_matrix((data, votes.indices, votes.indptr), shape=votes.shape)


@dataclass(frozen=True)
class GramStatistics:
    """Vote statistics a caller keeps up to date between updates (`clustering.incremental`),
    from which the PCA forms Xcᵀ·Xc without a pass over the votes.

    packed: (m, m, 4) int32, see `_vote_kernels.gram_stats`, in ascending statement order.
    columns: the update's column order as indices into that order, or None if the same.
    """

    packed: np.ndarray
    columns: np.ndarray | None = None

    def column_means(self, mod_out: np.ndarray) -> np.ndarray:
        """`column_means` of the votes, from the diagonal's sums and counts (the same integers,
        so the same means to the bit)."""
        diagonal = np.arange(self.packed.shape[0])
        sums = self.packed[diagonal, diagonal, MX].astype(np.float64)  # Σ votes
        counts = self.packed[diagonal, diagonal, MM]  # how many voted
        if self.columns is not None:
            sums, counts = sums[self.columns], counts[self.columns]
        return _means(sums, counts, mod_out)

    def covariance(self, center: np.ndarray, mod_out: np.ndarray) -> np.ndarray:
        """Xcᵀ·Xc (m, m) for this column centre, moderated-out columns zeroed."""
        if self.columns is None:
            return gram_covariance(self.packed, center, mod_out)
        own_center = np.zeros(len(self.columns))
        own_center[self.columns] = center
        own_zeroed = np.zeros(len(self.columns), dtype=bool)
        own_zeroed[self.columns] = mod_out
        full = gram_covariance(self.packed, own_center, own_zeroed)
        return full[np.ix_(self.columns, self.columns)]


def _top_eigenvectors(
    xc: sp.csr_matrix,
    n_components: int,
    start: np.ndarray | None,
    seed: int,
    covariance: np.ndarray | None = None,
):
    """Top eigenvectors of Xcᵀ·Xc (given densely as `covariance`, or from Xc), largest first.
    Shape (n_components, m)."""
    m = xc.shape[1]
    if m <= DENSE_GRAM_LIMIT or n_components >= m - 1:
        gram = covariance if covariance is not None else (xc.T @ xc).toarray()
        values, vectors = np.linalg.eigh(gram)
        order = np.argsort(values)[::-1][:n_components]
        return vectors[:, order].T, values[order]
    if covariance is not None:
        matvec = covariance.__matmul__
    else:
        xct = xc.T  # a CSC view: no copy, and its products are as fast as CSR's

        def matvec(v):
            return xct @ (xc @ v)

    op = spla.LinearOperator((m, m), matvec=matvec, dtype=np.float64)
    ncv, tol = None, 0.0  # cold: ARPACK's default basis, to machine precision
    if start is not None and np.any(start):
        v0 = start
        ncv = min(m - 1, max(2 * n_components + 1, WARM_LANCZOS_BASIS))
        tol = WARM_TOLERANCE
    else:
        v0 = np.random.default_rng(seed).uniform(0.5, 1.0, m)
    values, vectors = spla.eigsh(op, k=n_components, which="LA", v0=v0, tol=tol, ncv=ncv)
    order = np.argsort(values)[::-1]
    return vectors[:, order].T, values[order]


def _orient(components: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Fix each axis's sign as Polis's power iteration would.

    Polis starts from the previous axis (new statements padded with 1.0) or from a positive
    random vector, so the converged axis points the way of its start vector. Without a previous
    axis we point it along the all-ones direction, the expectation of that random start.
    """
    out = components.copy()
    for k in range(out.shape[0]):
        reference = previous[k] if previous is not None and k < len(previous) else None
        if reference is None or not np.any(reference):
            reference = np.ones(out.shape[1])
        if out[k] @ reference < 0:
            out[k] = -out[k]
    return out


def sparsity_scale(votes: sp.csr_matrix, mod_out: np.ndarray) -> np.ndarray:
    """sqrt(m / votes seen), where moderated-out columns count as seen by everyone (spec §5.1)."""
    n, m = votes.shape
    n_mod_out = int(mod_out.sum())
    if n_mod_out:
        seen_on_mod_out = np.asarray(
            sp.csr_matrix(
                (mod_out[votes.indices].astype(np.float64), votes.indices, votes.indptr),
                shape=votes.shape,
            ).sum(axis=1)
        ).ravel()
    else:
        seen_on_mod_out = 0
    seen = np.diff(votes.indptr) - seen_on_mod_out + n_mod_out
    return np.sqrt(m / np.maximum(seen, 1))


def polis_pca(
    votes: sp.csr_matrix,
    mod_out: np.ndarray,
    previous_components: np.ndarray | None = None,
    seed: int = 0,
    gram: GramStatistics | None = None,
) -> PCAResult:
    """PCA, projections and extremity of a rating matrix (rows: participants; Polis sign).

    mod_out: (m,) bool, statements zeroed before PCA. previous_components: (k, m) axes of the
    previous update aligned to these columns (new columns padded with 1.0), or None. gram:
    the vote statistics of these columns, when the caller keeps them up to date.
    """
    n, m = votes.shape
    n_components = min(2, n, m)
    center = gram.column_means(mod_out) if gram is not None else column_means(votes, mod_out)
    xc = centred_votes(votes, center, mod_out)
    components = np.zeros((2, m))
    if n == 1:
        # Polis's one-row case: the axis is the (uncentred, imputed) row itself.
        row = votes.toarray()[0]
        row[mod_out] = 0.0
        norm = np.linalg.norm(row)
        if norm > 0:
            components[0] = row / norm
    elif m == 1:
        center = np.zeros(1)
        xc = centred_votes(votes, center, mod_out)
        components[0] = 1.0
    elif n_components > 0:
        start = None
        if previous_components is not None and len(previous_components):
            start = previous_components[:n_components].sum(axis=0)
        covariance = gram.covariance(center, mod_out) if gram is not None else None
        vectors, values = _top_eigenvectors(xc, n_components, start, seed, covariance)
        vectors[values <= 1e-12 * max(1.0, float(values.max(initial=0.0)))] = 0.0
        components[:n_components] = _orient(vectors, previous_components)
    components = components[: max(n_components, 1)] if m else np.zeros((0, 0))
    axes = np.zeros((2, m))
    axes[: len(components)] = components

    scale = sparsity_scale(votes, mod_out) if n else np.zeros(0)
    participant_xy = np.asarray(xc @ axes.T) * scale[:, None] if n else np.zeros((0, 2))
    statement_xy = (np.sqrt(m) * (-1.0 - center))[:, None] * axes.T
    statement_xy[mod_out] = 0.0
    extremity = np.linalg.norm(statement_xy, axis=1)
    return PCAResult(center, components, participant_xy, statement_xy, extremity)
