"""Suggested subcommittees: which of the table's subcommittees a topic or a statement is for.

A subcommittee is described in words by the table (its name and charter: "Access to justice:
prosecutors, investigators, judges, legal aid for victims..."; `charter_text`). The charter is
put in the statements' own space and compared by cosine:

- a **topic** fits the subcommittee whose charter is nearest its pooled term weights
  (`topic_fit`, in the stems' TF-IDF space): the suggestion shown when the facilitator maps
  topics to subcommittees;
- a **statement** (and so the agenda item made of it) scores each subcommittee by its own words
  plus, as the votes' signal, the mean of its co-vote neighbours' scores (`statement_scores`):
  statements the same people agree with lend each other their words. Statements are matched in
  `charter_space`: Snowball stems beside the character 4- and 5-grams of the same words, since
  Snowball leaves Spanish families apart that a charter and a statement use interchangeably
  ("policía"/"policial", "militar"/"militarización", "juez"/"jueces" stem differently but share
  their 4-grams). Four- and five-grams are the sizes McNamee & Mayfield (2004, "Character
  n-gram tokenization for European language text retrieval") found best across European
  languages; on the demo, 3-5- and 3-6-grams and truncating words to 4, 5 or 6 letters did no
  better in Spanish, nor did label spreading over the text and co-vote graphs.

Why a statement is not scored through its topics: on the demo that route was worse (accuracy
0.53 text topics, 0.44 text+votes topics, against 0.78 own words with co-vote neighbours;
`python -m benchmarks.topics`). Topics are wider than a subcommittee's remit, so a statement
inherits its topic-mates' subjects. These are only suggestions: the facilitator's mapping
overrides them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from clustering.text_features import TextFeatures, analyse, strip_accents

# Character n-gram sizes of the matching space (module docstring).
CHARTER_NGRAMS = (4, 5)


def charter_text(name: str, description: str) -> str:
    """What a subcommittee is matched by: its name, then its description."""
    return f"{name}. {description}" if description else name


@dataclass(frozen=True)
class CharterSpace:
    """Statements in the space they are matched with charters in.

    statements: (n_statements, n_features) CSR, rows L2-normalised: the stems' TF-IDF and the
        character n-grams' TF-IDF side by side, each half normalised, so neither swamps the other.
    transform: charters (or any texts) into the same space, rows normalised likewise.
    """

    statements: sp.csr_matrix
    transform: Callable[[Sequence[str]], sp.csr_matrix]


def charter_space(text: TextFeatures) -> CharterSpace:
    """The matching space of a conversation's statements, from their text features."""
    pieces = TfidfVectorizer(analyzer=_word_pieces, sublinear_tf=True)
    try:
        grams = pieces.fit_transform(text.analysed)
    except ValueError:  # no content word anywhere: the stems alone (empty too)
        return CharterSpace(normalize(text.matrix), lambda new: normalize(text.transform(new)))

    def side_by_side(stems: sp.spmatrix, ngrams: sp.spmatrix) -> sp.csr_matrix:
        return normalize(sp.hstack([normalize(stems), normalize(ngrams)]).tocsr())

    def transform(new: Sequence[str]) -> sp.csr_matrix:
        return side_by_side(text.transform(new), pieces.transform([analyse(t) for t in new]))

    return CharterSpace(side_by_side(text.matrix, grams), transform)


def _word_pieces(pairs: list[tuple[str, str]]) -> list[str]:
    """The character n-grams of each content word, accents folded, word edges marked."""
    out = []
    for _, word in pairs:
        padded = f" {strip_accents(word)} "
        for n in range(CHARTER_NGRAMS[0], CHARTER_NGRAMS[1] + 1):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def topic_fit(term_weights: np.ndarray, descriptions: sp.spmatrix) -> np.ndarray:
    """Cosine of each topic's term weights with each description, (n_topics, n_subcommittees).

    term_weights: (n_topics, n_terms) (`TopicModel.term_weights_`).
    descriptions: (n_subcommittees, n_terms) in the same TF-IDF space.
    """
    topics = normalize(np.asarray(term_weights, dtype=np.float64))
    charters = normalize(sp.csr_matrix(descriptions, dtype=np.float64))
    return np.asarray((charters @ topics.T).T)


def statement_scores(
    statements: sp.spmatrix,
    descriptions: sp.spmatrix,
    covote: sp.spmatrix | None = None,
    *,
    own_words: bool = True,
) -> np.ndarray:
    """Each statement's fit with each subcommittee, (n_statements, n_subcommittees).

    statements: (n_statements, n_features) rows (`CharterSpace.statements`);
    descriptions: (n_subcommittees, n_features) in the same space.
    covote: (n_statements, n_statements) affinities (`clustering.topics.covote_affinity`);
        when given, each statement adds the affinity-weighted mean of its neighbours' fits.
    own_words: False leaves the statement's own fit out, keeping only its neighbours' (the
        votes' signal alone, as the benchmark measures it).
    """
    own = normalize(sp.csr_matrix(statements, dtype=np.float64))
    charters = normalize(sp.csr_matrix(descriptions, dtype=np.float64))
    fit = np.asarray((own @ charters.T).todense())
    scores = fit if own_words else np.zeros_like(fit)
    if covote is not None:
        scores = scores + normalize(sp.csr_matrix(covote), norm="l1") @ fit
    return scores


def best_subcommittee(scores: np.ndarray) -> np.ndarray:
    """Index of the highest score per row, (n_rows,); −1 where nothing fits at all."""
    if scores.shape[1] == 0:
        return np.full(scores.shape[0], -1)
    choice = np.argmax(scores, axis=1)
    return np.where(scores.max(axis=1) > 0, choice, -1)
