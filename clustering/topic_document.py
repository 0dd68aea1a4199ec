"""A conversation's topics as the worker stores them, from plain inputs: what runs in the child.

The recompute worker reads a conversation's statements, votes and subcommittees from the
database (`deliberation.services.topics.topic_inputs`), and hands them here, to its child
process (`deliberation.recompute.child`), so that a topics fit (seconds of CPU at 10,000
statements) never competes with the worker's loops or the web requests beside them. Only
lists, a sparse matrix and a dict cross between the processes.

What is computed (clustering.topics, clustering.subcommittees): NMF topics of the "both" view
(text and co-votes) once the conversation has co-votes, else of the text; each topic's
suggested subcommittee from the subcommittees' charters; each statement's suggestion from its
words and its co-vote neighbours'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from clustering.subcommittees import best_subcommittee, charter_space, statement_scores, topic_fit
from clustering.text_features import TextFeatures, text_features
from clustering.threads import one_blas_thread
from clustering.topics import TopicModel, covote_affinity, statement_features

DOCUMENT_FORMAT = 1


@dataclass(frozen=True)
class TopicInputs:
    """Everything a topics computation reads.

    tids, texts: the statements (not moderated out), in tid order.
    votes: (n_participants, n_statements) latest votes in the CSV sign (+1 agree), columns in
        `tids` order; None when nobody has voted.
    subcommittee_ids, charters: the subcommittees and each one's `charter_text`.
    seed: the conversation's math seed.
    """

    tids: list[int]
    texts: list[str]
    votes: sp.csr_matrix | None
    subcommittee_ids: list[int]
    charters: list[str]
    seed: int


@one_blas_thread
def topic_document(inputs: TopicInputs) -> dict:
    """The stored document of the topics (`deliberation.services.topics.latest_topics` reads
    it back typed).

    One BLAS thread: NMF's matrices are thin (k <= 12 columns), so a second thread only spins;
    at 10,000 statements that took the CPU from 3.6-5.2 s to 1.8-2.4 s, and the wall time with
    it (`python -m benchmarks.topics --large-only 10000`)."""
    tids = inputs.tids
    text = text_features(inputs.texts)
    affinity = covote_affinity(inputs.votes) if inputs.votes is not None else None
    view = "both" if affinity is not None and affinity.nnz else "text"
    covote = affinity if view == "both" else None
    model = TopicModel(random_state=inputs.seed).fit(
        statement_features(view, text=text, covote=covote), text
    )
    topic_choice, statement_choice = _suggestions(text, model, inputs.charters, covote)
    ids = inputs.subcommittee_ids
    topics = []
    for k in range(model.n_topics_):
        members = np.flatnonzero(model.membership_[:, k])
        members = members[np.argsort(-model.shares_[members, k], kind="stable")]
        topics.append(
            {
                "name": model.names_[k],
                "terms": [str(text.labels[t]) for t in model.top_terms_[k]],
                "coherence": _finite(model.coherence_[k]),
                "tids": [tids[j] for j in members],
                "suggested_subcommittee_id": ids[topic_choice[k]] if topic_choice[k] >= 0 else None,
            }
        )
    return {
        "format": DOCUMENT_FORMAT,
        "method": "nmf",
        "view": view,
        "selection": {str(k): _finite(v) for k, v in model.selection_.items()},
        "topics": topics,
        "statements": {
            str(tid): {
                "shares": [round(float(s), 4) for s in model.shares_[j]],
                "suggested_subcommittee_id": (
                    ids[statement_choice[j]] if statement_choice[j] >= 0 else None
                ),
            }
            for j, tid in enumerate(tids)
        },
    }


def _suggestions(
    text: TextFeatures, model: TopicModel, charters: list[str], covote: sp.spmatrix | None
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the suggested subcommittee per topic and per statement (−1: none fits, or the
    conversation has no subcommittee yet)."""
    if not charters:
        return np.full(model.n_topics_, -1), np.full(text.matrix.shape[0], -1)
    topic_choice = best_subcommittee(topic_fit(model.term_weights_, text.transform(charters)))
    matching = charter_space(text)
    scores = statement_scores(matching.statements, matching.transform(charters), covote=covote)
    return topic_choice, best_subcommittee(scores)


def _finite(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 4)
