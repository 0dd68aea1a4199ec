"""Topics of statements: text features, soft NMF topics, co-vote affinities, coherence."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from clustering.text_features import analyse, guess_language, text_features
from clustering.topic_quality import multi_topic_share, npmi_coherence
from clustering.topics import TopicModel, covote_affinity, statement_features

POLICE = [
    "Más policías en las calles de la colonia.",
    "La policía municipal necesita mejor sueldo.",
    "Los policías deben patrullar las calles de noche.",
    "Sueldo digno para la policía municipal.",
    "Patrullas de policía en cada colonia.",
]
WATER = [
    "El agua del río está contaminada.",
    "Limpiar el río y cuidar el agua potable.",
    "El agua potable no llega a los barrios altos.",
    "Contaminación del río por las fábricas.",
    "Cuidar el agua del río es urgente.",
]
BOTH = "La policía municipal debe cuidar el agua del río."


def test_spanish_words_meet_their_stem_whatever_the_accent():
    stems = [s for s, _ in analyse("Policías, policía y policia.")]
    assert len(stems) == 3 and len(set(stems)) == 1


def test_stop_words_of_both_languages_are_dropped():
    words = [w for _, w in analyse("The police y la policía de the city")]
    assert words == ["police", "policía", "city"]


def test_language_is_guessed_from_stop_words():
    assert guess_language("we need more of the police in the city".split()) == "english"
    assert guess_language("necesitamos más de la policía en la ciudad".split()) == "spanish"


def test_chinese_text_becomes_character_pairs():
    assert [s for s, _ in analyse("計程車")] == ["計程", "程車"]


def test_display_label_is_the_most_frequent_surface_word():
    features = text_features(["policía", "policía", "policías"])
    assert list(features.labels) == ["policía"]
    assert features.transform(["Las policías"]).nnz == 1


def test_transforming_no_texts_gives_no_rows():
    """A conversation without subcommittees has no charters to compare: zero rows, not an error
    (it stopped every such conversation's topics, seen in the evening browser test)."""
    features = text_features(["Más fiscales en cada colonia.", "Alumbrado en los parques."])
    empty = features.transform([])
    assert empty.shape == (0, len(features.terms))


def test_npmi_is_one_for_terms_always_together_minus_one_for_never_zero_if_independent():
    presence = sp.csr_matrix(
        np.array(
            [
                [1, 1, 0, 1, 1],
                [1, 1, 0, 0, 1],
                [0, 0, 1, 1, 0],
                [0, 0, 1, 0, 0],
            ]
        )
    )
    scores = npmi_coherence(presence, np.array([[0, 1], [0, 2], [3, 4]]))
    assert scores[0] == pytest.approx(1.0)
    assert scores[1] == -1.0
    # P(3)=1/2, P(4)=1/2, P(3,4)=1/4: independent, NPMI 0
    assert scores[2] == pytest.approx(0.0, abs=1e-9)


def test_multi_topic_share_counts_only_statements_with_a_topic():
    membership = np.array([[1, 1], [1, 0], [0, 0]], dtype=bool)
    assert multi_topic_share(membership) == 0.5
    assert multi_topic_share(np.zeros((3, 2), dtype=bool)) == 0.0


def _fit(texts, **params):
    features = text_features(texts)
    model = TopicModel(**params).fit(statement_features("text", text=features), features)
    return model


def test_two_planted_themes_are_found_and_the_mixed_statement_belongs_to_both():
    model = _fit(POLICE + WATER + [BOTH], n_topics=2)
    police_topic = int(np.argmax(model.shares_[0]))
    water_topic = 1 - police_topic
    assert model.shares_[:5, police_topic].min() > 0.75
    assert model.shares_[5:10, water_topic].min() > 0.75
    assert model.membership_[10].all()
    assert np.allclose(model.shares_.sum(axis=1), 1.0)
    assert (
        "policía" in model.names_[police_topic]
        and "agua" in model.names_[water_topic]
        or ("río" in model.names_[water_topic])
    )


def test_number_of_topics_is_chosen_by_coherence_unless_overridden():
    model = _fit(POLICE + WATER + WATER + POLICE)
    assert len(model.selection_) > 1 and model.n_topics_ == max(
        model.selection_, key=model.selection_.get
    )
    assert all(-1 <= v <= 1 for v in model.selection_.values())
    assert _fit(POLICE + WATER, n_topics=3).n_topics_ == 3
    assert _fit(POLICE + WATER, n_topics=3).selection_ == {}


def test_a_fit_is_the_same_for_the_same_seed():
    first = _fit(POLICE + WATER + [BOTH], random_state=7)
    second = _fit(POLICE + WATER + [BOTH], random_state=7)
    assert np.array_equal(first.shares_, second.shares_) and first.names_ == second.names_


def test_lda_is_available_for_comparison_and_unknown_methods_are_refused():
    model = _fit(POLICE + WATER, n_topics=2, method="lda")
    assert model.shares_.shape == (10, 2)
    with pytest.raises(ValueError):
        _fit(POLICE, method="kmeans")


def test_covote_affinity_links_statements_voted_alike_and_drops_opposites():
    # statements 0 and 1 voted identically, 2 is their opposite, 3 has too few shared voters
    votes = sp.csr_matrix(
        np.array(
            [
                [1, 1, -1, 1],
                [-1, -1, 1, 0],
                [1, 1, -1, 0],
                [1, 1, -1, 0],
            ]
        )
    )
    affinity = covote_affinity(votes, min_covoters=3).toarray()
    assert affinity[0, 1] == pytest.approx(1.0) and affinity[1, 0] == pytest.approx(1.0)
    assert affinity[0, 2] == 0.0 and affinity[2, 0] == 0.0
    assert not affinity[3].any() and not affinity[:, 3].any()
    assert np.all(np.diag(affinity) == 0)
    assert np.allclose(affinity, affinity.T)


def test_covote_affinity_keeps_each_statements_strongest_neighbours_whatever_the_blocks(
    monkeypatch,
):
    rng = np.random.default_rng(3)
    votes = sp.csr_matrix(rng.choice([-1, 0, 1], size=(60, 40), p=[0.3, 0.2, 0.5]))
    whole = covote_affinity(votes, neighbours=3)
    # the direct definition: cosine of the vote columns, the 3 strongest positive per row
    dense = votes.toarray().astype(float)
    seen = (dense != 0).astype(float)
    cosine = (dense.T @ dense) / np.outer(*[np.linalg.norm(dense, axis=0)] * 2)
    cosine[(seen.T @ seen) < 3] = 0
    np.fill_diagonal(cosine, 0)
    for j in range(40):
        kept = np.flatnonzero(whole[j].toarray().ravel())
        assert np.allclose(whole[j, kept].toarray().ravel(), cosine[j, kept])
        assert np.all(cosine[j, kept] > 0)
        # no statement left out is stronger than the ones a row kept for itself
        own = np.sort(cosine[j])[::-1][:3]
        assert np.isclose(max(whole[j].toarray().ravel().max(), 0), max(own[0], 0))
    assert (whole != whole.T).nnz == 0
    monkeypatch.setattr("clustering.topics.COVOTE_BLOCK_PAIRS", 50)  # many small blocks
    assert abs(covote_affinity(votes, neighbours=3) - whole).max() == 0


def test_votes_view_groups_statements_by_who_agrees_with_them():
    rng = np.random.default_rng(0)
    camp = rng.integers(0, 2, size=200)
    # statements 0-4 agreed by camp 0, 5-9 by camp 1, whatever their words
    rows = np.where(camp[:, None] == (np.arange(10) >= 5)[None, :], 1, -1)
    affinity = covote_affinity(sp.csr_matrix(rows))
    texts = POLICE + WATER
    features = text_features(texts)
    model = TopicModel(n_topics=2).fit(statement_features("votes", covote=affinity), features)
    first = np.argmax(model.shares_, axis=1)
    assert len(set(first[:5])) == 1 and len(set(first[5:])) == 1 and first[0] != first[5]
    both = statement_features("both", text=features, covote=affinity)
    assert both.shape == (10, features.matrix.shape[1] + 10)
    assert math.isclose(sp.linalg.norm(both[0]), math.sqrt(2))
