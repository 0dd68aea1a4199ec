"""Near-duplicate statements: "someone already said this" while a participant is typing.

Two statements are near-duplicates when a participant who agrees with one would vote the same
on the other: the same claim, reworded a little ("I think all parties have self-interest
biases" / "All parties have self-interest biases"), or one repeating the other and adding a
clause. Scores are rapidfuzz's (0-100) on text lower-cased, accent- and punctuation-free:

- `token_set_ratio` when both statements have at least SET_MIN_WORDS words: it ignores word
  order and scores a statement contained in a longer one as 100;
- plain `ratio` (normalised edit distance) otherwise: a word or three ("test", "Hola") is
  contained in anything, so containment says nothing for them.

The rule and DUPLICATE_THRESHOLD were chosen on 112 hand-labelled pairs of the open-data
conversations (`tests/data/near-duplicates/pairs.csv`): precision 0.83 and recall 1.00 there,
0.83 and 0.96 when each conversation's pairs are scored with a threshold tuned on the other
three; token_sort_ratio alone did 0.85/0.88, token_set_ratio alone 0.55/0.96, WRatio
0.57/0.52 (`python -m benchmarks.topics`, last table).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

DUPLICATE_THRESHOLD = 86.0
SET_MIN_WORDS = 4
DEFAULT_LIMIT = 3


def normalise(text: str) -> str:
    """Lower-case words without accents or punctuation ("¿Policía?" -> "policia")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return default_process(plain)


def similarity(first: str, second: str) -> float:
    """How alike two statements are, 0-100 (the module docstring's rule)."""
    a, b = normalise(first), normalise(second)
    if min(len(a.split()), len(b.split())) >= SET_MIN_WORDS:
        return float(fuzz.token_set_ratio(a, b))
    return float(fuzz.ratio(a, b))


@dataclass(frozen=True)
class SimilarStatement:
    index: int  # position in the `existing` sequence given
    score: float  # 0-100


def similar_statements(
    draft: str,
    existing: Sequence[str],
    threshold: float = DUPLICATE_THRESHOLD,
    limit: int = DEFAULT_LIMIT,
) -> list[SimilarStatement]:
    """The existing statements a draft nearly duplicates, most similar first (ties: earliest).

    Each scorer runs over its share of `existing` in rapidfuzz's C loop, so a draft is checked
    against thousands of statements in milliseconds.
    """
    return similar_among(draft, [normalise(text) for text in existing], threshold, limit)


def similar_among(
    draft: str,
    processed: Sequence[str],
    threshold: float = DUPLICATE_THRESHOLD,
    limit: int = DEFAULT_LIMIT,
) -> list[SimilarStatement]:
    """`similar_statements` against statements already through `normalise`: a caller checking
    many drafts against the same statements (the moderation queue) normalises them once."""
    query = normalise(draft)
    if not query:
        return []
    long_draft = len(query.split()) >= SET_MIN_WORDS
    by_set = {
        i: t for i, t in enumerate(processed) if long_draft and len(t.split()) >= SET_MIN_WORDS
    }
    by_ratio = {i: t for i, t in enumerate(processed) if i not in by_set}
    found: dict[int, float] = {}
    for choices, scorer in ((by_set, fuzz.token_set_ratio), (by_ratio, fuzz.ratio)):
        if not choices:
            continue
        matches = process.extract(
            query, choices, scorer=scorer, score_cutoff=threshold, limit=None, processor=None
        )
        found.update({index: float(score) for _text, score, index in matches})
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [SimilarStatement(index, score) for index, score in ranked]
