"""Suggested subcommittees: a statement's words, its co-vote neighbours', a topic's terms."""

import numpy as np
import scipy.sparse as sp

from clustering.subcommittees import (
    best_subcommittee,
    charter_space,
    charter_text,
    statement_scores,
    topic_fit,
)
from clustering.text_features import text_features

CHARTERS = [
    "Fiscalías, investigadores y jueces: que las denuncias lleguen a juicio.",
    "Datos abiertos: publicar cifras de delitos y metas de las autoridades.",
]
STATEMENTS = [
    "Faltan investigadores en las fiscalías.",
    "Publicar cada mes las cifras de delitos.",
    "Esto es importante para todos.",  # no word of either charter
]


def test_a_statement_is_suggested_the_subcommittee_whose_charter_shares_its_words():
    text = text_features(STATEMENTS + CHARTERS)
    scores = statement_scores(text.matrix[:3], text.transform(CHARTERS))
    assert scores.shape == (3, 2)
    assert list(best_subcommittee(scores)) == [0, 1, -1]


def test_co_vote_neighbours_lend_a_statement_their_subcommittee():
    text = text_features(STATEMENTS + CHARTERS)
    # the vague statement was voted like the first one
    covote = sp.csr_matrix(np.array([[0, 0, 0.9], [0, 0, 0], [0.9, 0, 0]]))
    scores = statement_scores(text.matrix[:3], text.transform(CHARTERS), covote=covote)
    assert best_subcommittee(scores)[2] == 0
    assert list(best_subcommittee(scores)[:2]) == [0, 1]


def test_a_topic_fits_the_charter_nearest_its_terms():
    text = text_features(STATEMENTS + CHARTERS)
    shares = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    term_weights = np.asarray((text.matrix[:3].T @ shares).T)
    fit = topic_fit(term_weights, text.transform(CHARTERS))
    assert fit.shape == (2, 2)
    assert list(best_subcommittee(fit)) == [0, 1]
    assert np.all((fit >= 0) & (fit <= 1 + 1e-12))


def test_no_subcommittees_means_no_suggestion():
    assert list(best_subcommittee(np.zeros((2, 0)))) == [-1, -1]


def test_the_matching_space_joins_word_families_that_snowball_stems_apart():
    # "policial"/"policías" and "militarización"/"militares" stem apart in Snowball Spanish
    # but share their character 4- and 5-grams.
    charters = [
        charter_text("Respuesta inmediata", "Presencia policial en las calles."),
        charter_text("Derechos humanos", "Militarización y abusos."),
    ]
    statements = ["Faltan policías.", "Los militares en los retenes."]
    text = text_features(statements)
    stems_only = statement_scores(text.matrix, text.transform(charters))
    assert list(best_subcommittee(stems_only)) == [-1, -1]
    matching = charter_space(text)
    scores = statement_scores(matching.statements, matching.transform(charters))
    assert list(best_subcommittee(scores)) == [0, 1]
    norms = np.sqrt(np.asarray(matching.statements.multiply(matching.statements).sum(axis=1)))
    assert np.allclose(norms, 1.0)


def test_the_votes_signal_alone_leaves_the_statements_own_words_out():
    text = text_features(STATEMENTS + CHARTERS)
    covote = sp.csr_matrix(np.array([[0, 0, 0.9], [0, 0, 0], [0.9, 0, 0]]))
    scores = statement_scores(
        text.matrix[:3], text.transform(CHARTERS), covote=covote, own_words=False
    )
    # the first statement takes the vague one's (empty) fit; the second has no neighbour
    assert list(best_subcommittee(scores)) == [-1, -1, 0]


def test_a_charter_is_its_name_then_its_description():
    assert charter_text("Robo", "Asaltos y extorsión.") == "Robo. Asaltos y extorsión."
    assert charter_text("Robo", "") == "Robo"
