"""Near-duplicates at submission: rapidfuzz scores, tuned on hand-labelled pairs."""

import csv
from pathlib import Path

import numpy as np

from clustering.near_duplicates import (
    DUPLICATE_THRESHOLD,
    normalise,
    similar_statements,
    similarity,
)

PAIRS = Path(__file__).resolve().parent.parent / "data" / "near-duplicates" / "pairs.csv"


def test_on_the_labelled_pairs_precision_and_recall_hold():
    with open(PAIRS, encoding="utf-8", newline="") as pairs_file:
        pairs = list(csv.DictReader(pairs_file))
    assert len(pairs) >= 100
    truth = np.array([p["near_duplicate"] == "1" for p in pairs])
    flagged = np.array([similarity(p["text_a"], p["text_b"]) >= DUPLICATE_THRESHOLD for p in pairs])
    hits = (flagged & truth).sum()
    assert hits / flagged.sum() >= 0.8  # precision (0.83 measured)
    assert hits / truth.sum() >= 0.95  # recall (1.00 measured)


def test_a_rewording_with_a_preamble_is_a_near_duplicate():
    assert (
        similarity(
            "All parties have self-interest biases.",
            "I think all parties have self-interest biases.",
        )
        >= DUPLICATE_THRESHOLD
    )


def test_one_shared_word_does_not_make_short_texts_duplicates():
    assert similarity("test", "test 34534") < DUPLICATE_THRESHOLD
    assert similarity("Hola", "hola Lazaro") < DUPLICATE_THRESHOLD


def test_accents_case_and_punctuation_do_not_count():
    assert normalise("¿La POLICÍA?") == "la policia"
    assert similarity("Más policías en la calle", "mas policias en la calle!") == 100


def test_the_draft_is_shown_the_most_similar_statements_first_up_to_the_limit():
    existing = [
        "Las víctimas deben tener un asesor jurídico gratuito.",
        "Más policías en las calles de la ciudad.",
        "Las víctimas deben tener un asesor jurídico gratuito desde la denuncia.",
        "Las victimas deben tener asesor juridico gratuito",
    ]
    found = similar_statements("las víctimas deben tener un asesor jurídico gratuito", existing)
    assert [s.index for s in found] == [0, 2, 3]
    assert found[0].score == 100 and all(s.score >= DUPLICATE_THRESHOLD for s in found)
    assert [s.index for s in similar_statements(existing[0], existing, limit=1)] == [0]
    assert similar_statements("Algo totalmente distinto sobre el agua", existing) == []
    assert similar_statements("  ¿? ", existing) == []
