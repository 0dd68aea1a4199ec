"""Statements as TF-IDF term vectors, in Spanish and English (and character pairs for CJK).

A round-table writes mostly in Spanish with some English, so each statement's language is
guessed from which stop-word list it hits more, its stop words of both languages are dropped,
and each word is reduced to its Snowball stem in that language ("policías", "policía" and
"policial" all become "polic"). Stop-word lists come from the `stop-words` package and stems
from `snowballstemmer`, both made for exactly this; scikit-learn's `TfidfVectorizer` does the
counting and weighting. Text in Chinese or Japanese has no spaces between words: a run of such
characters becomes its overlapping character pairs, the usual word substitute (vTaiwan's
conversation is in Chinese).

For display, each stem keeps the surface word that produced it most often, so a topic is named
"policía · sueldo" rather than "polic · suel".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import scipy.sparse as sp
import snowballstemmer
from sklearn.feature_extraction.text import TfidfVectorizer
from stop_words import get_stop_words

LANGUAGES = ("spanish", "english")
# Letters only (no digits or underscores); CJK ideographs and kana are handled apart.
_WORD = re.compile(r"[^\W\d_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words of one or two letters are articles, pronouns and typos far more often than content.
MIN_WORD_LENGTH = 3


@cache
def stop_words(language: str) -> frozenset[str]:
    """The language's stop words, lower-case, with and without accents (people skip them)."""
    words = {w.lower() for w in get_stop_words(language)}
    return frozenset(words | {strip_accents(w) for w in words})


@cache
def _every_stop_word() -> frozenset[str]:
    return frozenset().union(*(stop_words(language) for language in LANGUAGES))


@cache
def _stemmer(language: str):
    return snowballstemmer.stemmer(language)


# A conversation repeats a few thousand words tens of thousands of times, and Snowball in pure
# Python is most of the time of `text_features` (10,000 statements: 2.8 s CPU uncached).
@lru_cache(maxsize=200_000)
def _stem(language: str, folded_word: str) -> str:
    return _stemmer(language).stemWord(folded_word)


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def guess_language(words: Sequence[str]) -> str:
    """The language of LANGUAGES whose stop words the statement uses most (ties: the first)."""
    hits = [sum(w in stop_words(lang) for w in words) for lang in LANGUAGES]
    return LANGUAGES[int(np.argmax(hits))]


def analyse(text: str) -> list[tuple[str, str]]:
    """(stem, surface word) for each content word of one statement, in order."""
    lowered = text.lower()
    words = _WORD.findall(_CJK.sub(" ", lowered))
    language = guess_language(words)
    kept = [w for w in words if len(w) >= MIN_WORD_LENGTH and w not in _every_stop_word()]
    # Accents go before stemming: "policia" typed on a phone must meet "policía".
    stems = [_stem(language, strip_accents(w)) for w in kept]
    terms = list(zip(stems, kept, strict=True))
    for run in _CJK.findall(lowered):
        pairs = [run[i : i + 2] for i in range(len(run) - 1)] or [run]
        terms.extend((p, p) for p in pairs)
    return terms


@dataclass(frozen=True)
class TextFeatures:
    """TF-IDF vectors of a conversation's statements.

    matrix: (n_statements, n_terms) CSR, each row L2-normalised (sublinear tf, smooth idf).
    terms: (n_terms,) the stems, column order.
    labels: (n_terms,) for each stem, the word that produced it most often (for display).
    transform: maps new texts (a subcommittee's description, a typed statement) into the same
        space, shape (n_texts, n_terms).
    analysed: per statement, its (stem, surface word) pairs (`analyse`), kept so that other
        features of the same words (`clustering.subcommittees.charter_space`) need no second
        pass of stemming.
    """

    matrix: sp.csr_matrix
    terms: np.ndarray
    labels: np.ndarray
    transform: Callable[[Sequence[str]], sp.csr_matrix]
    analysed: tuple[list[tuple[str, str]], ...] = ()


def text_features(texts: Sequence[str], min_df: int = 1) -> TextFeatures:
    """Fit the vectoriser on the conversation's own statements.

    `min_df` drops stems used by fewer statements; 1 keeps every word, which a conversation of
    a few dozen statements needs (most words appear once).
    """
    analysed = [analyse(text) for text in texts]
    # The vectoriser receives each statement already analysed: one pass of stemming serves
    # both the counts and the display labels.
    vectoriser = TfidfVectorizer(analyzer=_stems_of, sublinear_tf=True, min_df=min_df)
    try:
        matrix = sp.csr_matrix(vectoriser.fit_transform(analysed), dtype=np.float64)
    except ValueError:  # no statement has a content word
        empty = sp.csr_matrix((len(texts), 0))
        nothing = np.array([], dtype=object)
        return TextFeatures(empty, nothing, nothing, _nothing, tuple(analysed))
    terms = vectoriser.get_feature_names_out()
    surface: dict[str, Counter] = {}
    for pairs in analysed:
        for stem, word in pairs:
            surface.setdefault(stem, Counter())[word] += 1
    # most_common breaks ties by first seen; sort first so the label does not depend on order.
    labels = np.array(
        [max(sorted(surface[t].items()), key=lambda kv: kv[1])[0] for t in terms], dtype=object
    )

    def transform(new: Sequence[str]) -> sp.csr_matrix:
        if not new:  # scikit-learn refuses zero samples (a conversation with no subcommittee)
            return sp.csr_matrix((0, len(terms)))
        return sp.csr_matrix(vectoriser.transform([analyse(t) for t in new]))

    return TextFeatures(matrix, terms, labels, transform, tuple(analysed))


def _stems_of(pairs: list[tuple[str, str]]) -> list[str]:
    return [stem for stem, _ in pairs]


def _nothing(new: Sequence[str]) -> sp.csr_matrix:
    return sp.csr_matrix((len(new), 0))
