"""Topics of a conversation's statements: a soft factorisation, so one statement can carry several.

    features(statements) ≈ W · H,   W ≥ 0 (n_statements, k),  H ≥ 0 (k, n_features)

is non-negative matrix factorisation (Lee & Seung 1999; scikit-learn's coordinate-descent
solver, NNDSVD start, so a fit is deterministic for a seed). A statement's row of W, scaled to
sum to 1, is the share of it that is about each topic; it **belongs** to every topic holding at
least MEMBERSHIP_SHARE of it. Polis's topic work found most statements carry two to four topics,
which a hard clustering cannot say.

The features are one of three views (`statement_features`):
- text: the TF-IDF vectors of `clustering.text_features`;
- votes: each statement's co-vote affinities (`covote_affinity`): statements that the same
  people agree with, and disagree with, belong together even when worded apart;
- both: the two side by side, each row of each half L2-normalised, so neither swamps the other.

The number of topics, unless the facilitator sets it, is the k in 2..max_topics whose topics'
terms are most coherent in the statements themselves (mean NPMI of each topic's top terms,
`clustering.topic_quality`; ties go to the smaller k). Why NMF rather than LDA, with figures:
`benchmarks/topics.py`.

A topic's name is its most distinctive terms: weight in the topic times the share of the term's
weight that falls in this topic (a term common to every topic names none of them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.preprocessing import normalize

from clustering.text_features import TextFeatures
from clustering.topic_quality import TOP_TERMS, npmi_coherence

# A statement belongs to a topic holding at least a quarter of it: up to four topics at most,
# and noise below a quarter (measured on the open data: at 0.15 most short statements got
# three topics their words do not support).
MEMBERSHIP_SHARE = 0.25
DEFAULT_MAX_TOPICS = 12
# Fewer than this many statements per topic on average and topics become single statements.
MIN_STATEMENTS_PER_TOPIC = 4
NAME_TERMS = 3
# Co-vote neighbours kept per statement: the affinity matrix stays sparse at 10,000 statements.
COVOTE_NEIGHBOURS = 10
# Statements need this many participants who voted on both before their co-votes count.
MIN_COVOTERS = 3
# Co-voted pairs held at once while building the affinities (about 24 bytes each).
COVOTE_BLOCK_PAIRS = 4_000_000
# k is chosen on at most this many statements (a seeded sample), then fitted once on all: the
# choice costs the same at 10,000 statements as at 1,500 (benchmarks/topics.py, table 4).
SELECTION_SAMPLE = 1500
# scikit-learn's default tolerance (1e-4) is kept: a looser 1e-3 halved vTaiwan's fit
# (2.65 -> 1.32 s) but moved 17% of its statements to other topics, and the 10,000-statement
# goal holds without it.
NMF_MAX_ITER = 400
METHODS = ("nmf", "lda")
VIEWS = ("text", "votes", "both")


def covote_affinity(
    votes: sp.spmatrix, neighbours: int = COVOTE_NEIGHBOURS, min_covoters: int = MIN_COVOTERS
) -> sp.csr_matrix:
    """How alike two statements were voted: cosine of their vote columns, kept if positive.

    votes: (n_participants, n_statements), +1 agree, −1 disagree, 0 or absent pass/unseen (the
    CSV sign). Returns (n_statements, n_statements) CSR, symmetric, zero diagonal, each
    statement's `neighbours` strongest positive similarities (the union of both directions).
    Sparse throughout, in row blocks: only pairs that someone voted on both are ever stored,
    and no block holds more than about COVOTE_BLOCK_PAIRS of them.
    """
    columns = sp.csr_matrix(votes, dtype=np.float64).T.tocsr()
    columns.eliminate_zeros()  # a pass is no co-vote
    seen = columns.copy()
    seen.data[:] = 1.0
    columns_t, seen_t = columns.T.tocsr(), seen.T.tocsr()
    norms = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    m = columns.shape[0]
    take = min(neighbours, m - 1)
    if take <= 0:
        return sp.csr_matrix((m, m))
    # Pairs per statement row ≈ (votes per statement) × (votes per participant).
    per_row = max(1.0, seen.nnz * seen_t.getnnz(axis=1).mean() / max(m, 1)) if seen.nnz else 1.0
    block = max(1, int(COVOTE_BLOCK_PAIRS // per_row))
    rows, cols, vals = [], [], []
    for start in range(0, m, block):
        stop = min(m, start + block)
        shared = seen[start:stop] @ seen_t
        dot = sp.csr_matrix((columns[start:stop] @ columns_t).multiply(shared >= min_covoters))
        dot = dot.tocoo()
        cosine = dot.data / norms[start + dot.row] / norms[dot.col]
        keep = (cosine > 0) & (start + dot.row != dot.col)
        row, col, value = start + dot.row[keep], dot.col[keep], cosine[keep]
        # The `take` strongest of each row (ties: the lower column): rank within the row.
        order = np.lexsort((col, -value, row))
        row, col, value = row[order], col[order], value[order]
        first = np.searchsorted(row, row, side="left")
        best = np.arange(len(row)) - first < take
        rows.append(row[best])
        cols.append(col[best])
        vals.append(value[best])
    near = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m, m)
    )
    return sp.csr_matrix(near.maximum(near.T))


def statement_features(
    view: str, text: TextFeatures | None = None, covote: sp.spmatrix | None = None
) -> sp.csr_matrix:
    """The matrix to factorise for a view (see the module docstring), (n_statements, n_features)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, not {view!r}")
    parts = []
    if view in ("text", "both"):
        if text is None:
            raise ValueError(f"the {view} view needs the statements' text features")
        parts.append(normalize(text.matrix))
    if view in ("votes", "both"):
        if covote is None:
            raise ValueError(f"the {view} view needs the co-vote affinities")
        parts.append(normalize(sp.csr_matrix(covote)))
    return sp.csr_matrix(sp.hstack(parts))


@dataclass(frozen=True)
class TopicFit:
    """One factorisation: statement shares (n_statements, k), term weights (k, n_terms)."""

    shares: np.ndarray
    term_weights: np.ndarray
    coherence: np.ndarray


class TopicModel:
    """Soft topics of a conversation's statements, in scikit-learn's estimator shape.

    Parameters
    ----------
    n_topics: the facilitator's override; None chooses it by coherence (module docstring).
    max_topics: the largest k tried when choosing.
    method: "nmf" (the default) or "lda" (Latent Dirichlet Allocation, kept for comparison).
    membership_share: a statement belongs to each topic holding at least this share of it.
    random_state: seed of every random step.

    Fitted attributes
    -----------------
    n_topics_: k.
    shares_: (n_statements, k), each row sums to 1 (0 for a statement with no features).
    membership_: (n_statements, k) booleans, shares_ >= membership_share.
    term_weights_: (k, n_terms) the statements' TF-IDF pooled by topic share.
    top_terms_: (k, TOP_TERMS) term indices, most distinctive first.
    names_: list of k names, NAME_TERMS display words joined by " · ".
    coherence_: (k,) NPMI of each topic's top terms.
    selection_: {k: mean NPMI} for each k tried (empty under an override).
    """

    def __init__(
        self,
        n_topics: int | None = None,
        max_topics: int = DEFAULT_MAX_TOPICS,
        method: str = "nmf",
        membership_share: float = MEMBERSHIP_SHARE,
        random_state: int = 0,
    ):
        self.n_topics = n_topics
        self.max_topics = max_topics
        self.method = method
        self.membership_share = membership_share
        self.random_state = random_state

    def fit(self, features: sp.spmatrix, text: TextFeatures) -> TopicModel:
        """Factorise `features` (n_statements, n_features); name topics from `text`."""
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method!r}")
        features = sp.csr_matrix(features, dtype=np.float64)
        m = features.shape[0]
        candidates = self._candidates(m, features.shape[1])
        self.selection_: dict[int, float] = {}
        if self.n_topics is None:
            sample = self._selection_sample(m)
            sampled = features[sample]
            # Columns no sampled statement has (most co-vote columns at 10,000 statements) only
            # cost time in NMF's initialising SVD.
            sampled = sampled[:, np.flatnonzero(sampled.getnnz(axis=0))]
            for k in candidates:
                fit = _fit_k(sampled, text.matrix[sample], k, self)
                self.selection_[k] = float(np.nanmean(fit.coherence))
            chosen = max(candidates, key=lambda k: (self.selection_[k], -k))
        else:
            chosen = candidates[0]
        best = _fit_k(features, text.matrix, chosen, self)
        self.n_topics_ = best.shares.shape[1]
        self.shares_ = best.shares
        self.membership_ = best.shares >= self.membership_share
        self.term_weights_ = best.term_weights
        self.top_terms_ = distinctive_terms(best.term_weights, TOP_TERMS)
        self.coherence_ = best.coherence
        self.names_ = [
            " · ".join(str(text.labels[t]) for t in top[:NAME_TERMS]) for top in self.top_terms_
        ]
        return self

    def _candidates(self, m: int, n_features: int) -> list[int]:
        limit = max(1, min(m, n_features))
        if self.n_topics is not None:
            if self.n_topics < 1:
                raise ValueError("n_topics must be at least 1")
            return [min(self.n_topics, limit)]
        top = min(self.max_topics, max(2, m // MIN_STATEMENTS_PER_TOPIC), limit)
        return list(range(min(2, top), top + 1))

    def _selection_sample(self, m: int) -> np.ndarray:
        """Rows on which k is chosen: all, or a seeded sample of SELECTION_SAMPLE."""
        if m <= SELECTION_SAMPLE:
            return np.arange(m)
        rng = np.random.default_rng(self.random_state)
        return np.sort(rng.choice(m, size=SELECTION_SAMPLE, replace=False))


def _fit_k(features: sp.csr_matrix, text: sp.csr_matrix, k: int, model: TopicModel) -> TopicFit:
    weights = factorise(features, k, model.method, model.random_state)
    totals = weights.sum(axis=1, keepdims=True)
    shares = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    term_weights = np.asarray((text.T @ shares).T)
    coherence = npmi_coherence(text, distinctive_terms(term_weights, TOP_TERMS))
    return TopicFit(shares, term_weights, coherence)


def factorise(features: sp.csr_matrix, k: int, method: str, random_state: int) -> np.ndarray:
    """Non-negative statement weights (n_statements, k) by NMF or LDA."""
    if method == "lda":
        lda = LatentDirichletAllocation(
            n_components=k, learning_method="batch", max_iter=50, random_state=random_state
        )
        return lda.fit_transform(features)
    nmf = NMF(
        n_components=k,
        init="nndsvd",
        solver="cd",
        max_iter=NMF_MAX_ITER,
        random_state=random_state,
    )
    return nmf.fit_transform(features)


def distinctive_terms(term_weights: np.ndarray, count: int) -> np.ndarray:
    """Per topic, the `count` terms with the largest weight × exclusivity, (k, count).

    Exclusivity is the share of a term's weight, over all topics, that falls in this one.
    """
    totals = term_weights.sum(axis=0, keepdims=True)
    exclusivity = np.divide(term_weights, totals, out=np.zeros_like(term_weights), where=totals > 0)
    score = term_weights * exclusivity
    count = min(count, term_weights.shape[1])
    # Stable sort on the negated score: ties keep column (alphabetical stem) order.
    return np.argsort(-score, axis=1, kind="stable")[:, :count]
