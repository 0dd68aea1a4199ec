"""Suggested subcommittees: which of the table's subcommittees a topic or a statement is for.

A subcommittee is described in words by the table (its charter: "access to justice:
prosecutors, investigators, judges, legal aid for victims..."). Its description is put in the
statements' own TF-IDF space (`TextFeatures.transform`) and compared by cosine:

- a **topic** fits the subcommittee whose description is nearest its pooled term weights
  (`topic_fit`): the suggestion shown when the facilitator maps topics to subcommittees;
- a **statement** (and so the agenda item made of it) scores each subcommittee by its own words
  plus, as the votes' signal, the mean of its co-vote neighbours' scores (`statement_scores`):
  statements the same people agree with lend each other their words.

Why a statement is not scored through its topics: on the demo that route was worse (accuracy
0.53 text topics, 0.42 text+votes topics, against 0.67 own words and 0.75 own words with
co-vote neighbours; `python -m benchmarks.topics`). Topics are wider than a subcommittee's
remit, so a statement inherits its topic-mates' subjects. These are only suggestions: the
facilitator's mapping overrides them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize


def topic_fit(term_weights: np.ndarray, descriptions: sp.spmatrix) -> np.ndarray:
    """Cosine of each topic's term weights with each description, (n_topics, n_subcommittees).

    term_weights: (n_topics, n_terms) (`TopicModel.term_weights_`).
    descriptions: (n_subcommittees, n_terms) in the same TF-IDF space.
    """
    topics = normalize(np.asarray(term_weights, dtype=np.float64))
    charters = normalize(sp.csr_matrix(descriptions, dtype=np.float64))
    return np.asarray((charters @ topics.T).T)


def statement_scores(
    statements: sp.spmatrix, descriptions: sp.spmatrix, covote: sp.spmatrix | None = None
) -> np.ndarray:
    """Each statement's fit with each subcommittee, (n_statements, n_subcommittees).

    statements: (n_statements, n_terms) TF-IDF rows; descriptions: (n_subcommittees, n_terms).
    covote: (n_statements, n_statements) affinities (`clustering.topics.covote_affinity`);
        when given, each statement adds the affinity-weighted mean of its neighbours' fits.
    """
    own = normalize(sp.csr_matrix(statements, dtype=np.float64))
    charters = normalize(sp.csr_matrix(descriptions, dtype=np.float64))
    scores = np.asarray((own @ charters.T).todense())
    if covote is not None:
        scores = scores + normalize(sp.csr_matrix(covote), norm="l1") @ scores
    return scores


def best_subcommittee(scores: np.ndarray) -> np.ndarray:
    """Index of the highest score per row, (n_rows,); −1 where nothing fits at all."""
    if scores.shape[1] == 0:
        return np.full(scores.shape[0], -1)
    choice = np.argmax(scores, axis=1)
    return np.where(scores.max(axis=1) > 0, choice, -1)
