"""The whole update: vote semantics, determinism, PCA exactness, edge cases, incremental runs."""

import json

import numpy as np
import pytest

from clustering.inputs import Moderation, VoteRecords
from clustering.loaders import load_conversation
from clustering.matrix import build_rating_matrix
from clustering.pipeline import PolisParams, update
from clustering.synth import planted_groups, synthesize

OPEN_DATA = __import__("pathlib").Path(__file__).parents[1] / "data" / "polis-open-data"


def test_latest_vote_stands_and_passes_are_votes():
    votes = VoteRecords.from_arrays(
        participant_ids=[1, 1, 1, 2, 2],
        statement_ids=[5, 5, 6, 5, 6],
        votes=[1, -1, 0, 1, 1],
        timestamps=[10, 20, 30, 5, 5],
    )
    matrix = build_rating_matrix(votes)
    # internal sign: agree = -1. pid 1 changed agree → disagree on 5, passed on 6.
    assert matrix.votes.toarray().tolist() == [[1.0, 0.0], [-1.0, -1.0]]
    assert matrix.row_vote_counts().tolist() == [2, 2]  # the pass counts as a vote
    result = update(votes).to_dict()
    assert result["user-vote-counts"] == {"1": 2, "2": 2}
    assert result["lastVoteTimestamp"] == 30


def test_same_millisecond_revote_resolves_the_same_whatever_the_file_order():
    a = VoteRecords.from_arrays([1, 1], [5, 5], [1, -1], [7, 7])
    b = VoteRecords.from_arrays([1, 1], [5, 5], [-1, 1], [7, 7])
    assert (
        build_rating_matrix(a).votes.toarray().tolist()
        == build_rating_matrix(b).votes.toarray().tolist()
    )


@pytest.fixture(scope="module")
def seattle():
    return load_conversation(OPEN_DATA / "15-per-hour-seattle")


def test_same_input_and_seed_give_byte_identical_json(seattle):
    first = update(seattle.votes, seattle.moderation).to_json()
    second = update(seattle.votes, seattle.moderation).to_json()
    assert first == second
    json.loads(first)  # and it is valid JSON (no NaN)


def test_shuffling_the_input_rows_changes_nothing(seattle):
    reference = update(seattle.votes, seattle.moderation).to_json()
    order = np.random.default_rng(7).permutation(len(seattle.votes))
    shuffled = update(seattle.votes.take(order), seattle.moderation).to_json()
    assert shuffled == reference


def test_pca_equals_dense_svd_of_the_imputed_matrix(seattle):
    result = update(seattle.votes, seattle.moderation).to_dict()
    matrix = build_rating_matrix(seattle.votes)
    dense = matrix.votes.toarray()
    present = np.zeros(dense.shape, dtype=bool)
    coo = matrix.votes.tocoo()
    present[coo.row, coo.col] = True
    mod_out = np.isin(matrix.statement_ids, sorted(seattle.moderation.mod_out))
    dense[:, mod_out] = 0.0
    present[:, mod_out] = True
    means = np.where(present, dense, 0).sum(0) / present.sum(0)
    imputed = np.where(present, dense, means) - means
    _, _, vt = np.linalg.svd(imputed, full_matrices=False)
    np.testing.assert_allclose(result["pca"]["center"], means, atol=1e-12)
    for k in range(2):
        ours = np.asarray(result["pca"]["comps"][k])
        assert min(np.abs(ours - vt[k]).max(), np.abs(ours + vt[k]).max()) < 1e-9
    # sparsity-aware projection: sqrt(m / votes seen) times the centred row's projection
    scale = np.sqrt(dense.shape[1] / present.sum(1))
    xy = (imputed @ np.asarray(result["pca"]["comps"]).T) * scale[:, None]
    people = result["mesa"]["participants"]
    np.testing.assert_allclose(np.c_[people["x"], people["y"]], xy, atol=1e-9)


def test_moderated_out_statements_are_zeroed_not_dropped(seattle):
    some = sorted(set(seattle.votes.statement_ids.tolist()))[:3]
    moderation = Moderation(rejected=frozenset(some))
    result = update(seattle.votes, moderation).to_dict()
    tids = result["tids"]
    for tid in some:
        j = tids.index(tid)
        assert result["pca"]["center"][j] == 0.0
        assert result["pca"]["comps"][0][j] == 0.0
        assert result["pca"]["comment-extremity"][j] == 0.0
        assert str(tid) in result["votes-base"]  # raw counts still reported
    assert not {e["tid"] for es in result["repness"].values() for e in es} & set(some)


def test_empty_conversation_gives_a_valid_empty_result():
    result = update(VoteRecords.empty()).to_dict()
    assert result["n"] == 0 and result["n-cmts"] == 0
    assert result["group-clusters"] == [] and result["repness"] == {}
    assert result["consensus"] == {"agree": [], "disagree": []}
    json.loads(update(VoteRecords.empty()).to_json())


def test_tiny_conversations_do_not_crash():
    for pids, tids in (([1], [1]), ([1, 1], [1, 2]), ([1, 2], [1, 1]), ([1, 2, 3], [1, 2, 3])):
        votes = VoteRecords.from_arrays(pids, tids, [1] * len(pids))
        result = update(votes).to_dict()
        assert result["n"] == len(set(pids))
        json.loads(update(votes).to_json())


def test_planted_groups_are_recovered():
    from sklearn.metrics import adjusted_rand_score

    votes, _ = synthesize(
        participants=600, statements=60, votes_per_participant=30, groups=3, seed=4
    )
    planted = planted_groups(600, 3, 4)
    people = update(votes).to_dict()["mesa"]["participants"]
    groups = dict(zip(people["pid"], people["group"], strict=True))
    grouped = [p for p, g in groups.items() if g is not None]
    assert len(grouped) == 600
    ari = adjusted_rand_score([planted[p] for p in grouped], [groups[p] for p in grouped])
    assert ari > 0.9


def test_incremental_update_carries_state(seattle):
    votes = seattle.votes
    order = np.argsort(votes.timestamps, kind="stable")
    half = update(votes.take(order[: len(order) // 2]), seattle.moderation).to_dict()
    full = update(votes, seattle.moderation, previous=half).to_dict()
    assert full["math_tick"] == half["math_tick"] + 1
    assert set(half["in-conv"]) <= set(full["in-conv"])  # in-conv is sticky
    # warm-started base clusters keep their ids where their members survive
    assert set(half["base-clusters"]["id"]) & set(full["base-clusters"]["id"])
    # priorities use the previous update's group votes (Polis's one-update lag)
    cold = update(votes, seattle.moderation).to_dict()
    assert full["comment-priorities"] != cold["comment-priorities"]
    state = full["mesa"]["state"]
    assert state["k_smoother"]["smoothed_k"] == len(full["group-clusters"])
    assert set(state["group_clusterings"]) >= {str(len(full["group-clusters"]))}


def test_min_votes_parameter_admits_older_polis_thresholds(seattle):
    strict = update(seattle.votes, seattle.moderation).to_dict()
    loose = update(seattle.votes, seattle.moderation, params=PolisParams(min_votes=1)).to_dict()
    assert len(loose["in-conv"]) == loose["n"] > len(strict["in-conv"])


@pytest.mark.slow
def test_umap_map_is_seeded_and_compared_with_polis_groups():
    # One UMAP test only: umap-learn compiles with numba (~30 s) in each new process.
    conversation = load_conversation(OPEN_DATA / "15-per-hour-seattle")
    params = PolisParams(projection="umap", seed=3)
    first = update(conversation.votes, conversation.moderation, params=params)
    umap_map = first.to_dict()["mesa"]["umap"]
    assert umap_map["available"] is True
    assert len(umap_map["x"]) == len(first.to_dict()["in-conv"])
    assert -1.0 <= umap_map["adjusted_rand_vs_polis"] <= 1.0
    assert first.to_dict()["mesa"]["params"]["seed"] == 3
    # groups, repness and consensus stay those of the Polis pipeline
    plain = update(conversation.votes, conversation.moderation, params=PolisParams(seed=3))
    assert first.to_dict()["repness"] == plain.to_dict()["repness"]
    again = update(conversation.votes, conversation.moderation, params=params)
    assert again.to_dict()["mesa"]["umap"] == umap_map
