"""IncrementalUpdater: folding the cells whose latest vote changed into the kept matrix and Gram
statistics must give exactly what building them from all the latest votes gives, and the update
what `pipeline.update` gives."""

from __future__ import annotations

import numpy as np
import pytest

from clustering._vote_kernels import gram_stats
from clustering.incremental import IncrementalUpdater
from clustering.inputs import Moderation, VoteRecords
from clustering.matrix import build_rating_matrix
from clustering.pca import GramStatistics, centred_votes, column_means
from clustering.pipeline import update
from clustering.synth import synthesize

FIELDS = ("participant_ids", "statement_ids", "votes", "timestamps")


def _concat(chunks: list[VoteRecords]) -> VoteRecords:
    return VoteRecords(*[np.concatenate([getattr(c, f) for c in chunks]) for f in FIELDS])


def _messy_chunks(seed: int, count: int = 12) -> list[VoteRecords]:
    """Chunks of votes as a server appends them: re-votes on known cells, newcomers with higher
    ids, new statements, equal timestamps, and clocks that disagree by a few milliseconds
    (a later chunk may hold votes older than the newest of an earlier one)."""
    rng = np.random.default_rng(seed)
    chunks, people, statements = [], 5, 4
    for c in range(count):
        people += int(rng.integers(0, 6))
        statements += int(rng.integers(0, 3))
        k = int(rng.integers(1, 60))
        chunks.append(
            VoteRecords(
                participant_ids=rng.integers(0, people, k).astype(np.int64),
                statement_ids=rng.integers(0, statements, k).astype(np.int64),
                votes=rng.integers(-1, 2, k).astype(np.int8),
                timestamps=(rng.integers(0, 40, k) + 20 * c).astype(np.int64),
            )
        )
    return chunks


def _assert_same_layout(prepared, votes: VoteRecords) -> None:
    cold = build_rating_matrix(votes)
    kept, built = prepared.matrix, cold.votes
    assert kept.votes.shape == built.shape
    np.testing.assert_array_equal(kept.votes.indptr, built.indptr)
    np.testing.assert_array_equal(kept.votes.indices, built.indices)
    np.testing.assert_array_equal(kept.votes.data, built.data)
    np.testing.assert_array_equal(kept.participant_ids, cold.participant_ids)
    np.testing.assert_array_equal(kept.statement_ids, cold.statement_ids)
    np.testing.assert_array_equal(kept.first_vote_order, cold.first_vote_order)
    assert kept.last_vote_timestamp == cold.last_vote_timestamp
    if prepared.gram is not None:
        indptr = built.indptr.astype(np.int64)
        expected = gram_stats(indptr, built.indices, built.data, built.shape[1])
        np.testing.assert_array_equal(prepared.gram, expected)


def test_latest_votes_that_do_not_extend_the_kept_ones_start_over():
    votes, _ = synthesize(300, 40, 12, 3, 5)
    latest = _latest(votes)
    updater = IncrementalUpdater()
    updater.prepare_latest(latest, None)
    lower = VoteRecords(
        participant_ids=np.array([-1]),
        statement_ids=np.array([0]),
        votes=np.array([1], dtype=np.int8),
        timestamps=np.array([int(latest.timestamps.max()) + 1]),
    )
    grown = _latest(_concat([votes, lower]))  # a newcomer whose id sorts before every known one
    prepared = updater.prepare_latest(grown, lower)
    assert updater.last_fold == "rebuilt"
    _assert_same_layout(prepared, grown)


def test_a_few_new_votes_on_long_rows_move_only_their_pairs():
    """Rows of 30 votes each gaining one or two: the kernel's few-changes branch."""
    votes, _ = synthesize(400, 60, 30, 3, 6)
    updater = IncrementalUpdater()
    updater.prepare_latest(_latest(votes), None)
    rng = np.random.default_rng(1)
    now = int(votes.timestamps.max())
    for step in range(5):
        k = 12
        extra = VoteRecords(
            participant_ids=rng.choice(np.unique(votes.participant_ids), k).astype(np.int64),
            statement_ids=rng.integers(0, 60, k).astype(np.int64),
            votes=rng.integers(-1, 2, k).astype(np.int8),
            timestamps=np.full(k, now + step + 1, dtype=np.int64),
        )
        votes = _concat([votes, extra])
        latest = _latest(votes)
        prepared = updater.prepare_latest(latest, _cells_of(latest, extra))
        assert updater.last_fold == "appended"
        _assert_same_layout(prepared, latest)


def test_few_votes_for_many_statements_keep_no_statistics():
    votes, _ = synthesize(60, 300, 5, 2, 3)  # 300 votes for 90,000 cells of statistics
    updater = IncrementalUpdater()
    latest = _latest(votes)
    prepared = updater.prepare_latest(latest, None)
    assert prepared.gram is None and not updater.keeps_statistics
    _assert_same_layout(prepared, latest)


def test_above_the_statement_limit_the_matrix_is_kept_without_statistics():
    chunks = _messy_chunks(7)
    updater = IncrementalUpdater(gram_statement_limit=3)
    for i in (6, 9, 12):
        latest = _latest(_concat(chunks[:i]))
        prepared = updater.prepare_latest(latest, _cells_of(latest, _concat(chunks[i - 3 : i])))
        assert prepared.gram is None
        _assert_same_layout(prepared, latest)


def test_gram_statistics_give_the_column_means_and_the_centred_gram_matrix():
    votes, _ = synthesize(800, 90, 25, 3, 2)
    rating = build_rating_matrix(votes).votes
    mod_out = np.zeros(rating.shape[1], dtype=bool)
    mod_out[[3, 7, 50]] = True
    packed = gram_stats(rating.indptr.astype(np.int64), rating.indices, rating.data, 90)
    for columns in (None, np.random.default_rng(0).permutation(90)):
        ordered = rating if columns is None else rating[:, columns].tocsr()
        zeroed = mod_out if columns is None else mod_out[columns]
        center = column_means(ordered, zeroed)
        # The statistics' diagonal gives the same means, to the bit.
        np.testing.assert_array_equal(GramStatistics(packed, columns).column_means(zeroed), center)
        xc = centred_votes(ordered, center, zeroed)
        expected = (xc.T @ xc).toarray()
        got = GramStatistics(packed, columns).covariance(center, zeroed)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
        assert not got[zeroed].any() and not got[:, zeroed].any()


@pytest.mark.parametrize(
    "shape",
    [(5_000, 700, 30), (1_500, 200, 30)],  # above DENSE_GRAM_LIMIT (ARPACK), and below (eigh)
)
def test_update_through_the_updater_matches_the_pipeline(shape):
    """Same groups, members, in-conv and representative statements; axes to rounding."""
    votes, _ = synthesize(*shape, 3, 4)
    votes = votes.take(np.argsort(votes.timestamps, kind="stable"))
    moderation = Moderation(rejected=frozenset({5, 9}), meta=frozenset({11}))
    new = votes.take(np.arange(len(votes) - len(votes) // 100, len(votes)))
    older = _latest(votes.take(np.arange(len(votes) - len(new))))
    latest = _latest(votes)
    updater = IncrementalUpdater()
    first = update(older, moderation, prepared=updater.prepare_latest(older, None)).to_dict()
    assert updater.last_fold == "rebuilt"
    prepared = updater.prepare_latest(latest, _cells_of(latest, new))
    kept = update(latest, moderation, previous=first, prepared=prepared).to_dict()
    assert updater.last_fold == "appended"
    assert updater.keeps_statistics  # the PCA ran on the Gram statistics
    plain = update(latest, moderation, previous=first).to_dict()
    for key in ("in-conv", "tids", "n", "user-vote-counts", "repness", "consensus"):
        assert kept[key] == plain[key], key
    assert [g["members"] for g in kept["group-clusters"]] == [
        g["members"] for g in plain["group-clusters"]
    ]
    assert kept["base-clusters"]["members"] == plain["base-clusters"]["members"]
    np.testing.assert_allclose(kept["pca"]["comps"], plain["pca"]["comps"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(kept["pca"]["center"], plain["pca"]["center"], rtol=0, atol=0)


def test_no_votes_gives_nothing_to_prepare():
    updater = IncrementalUpdater()
    assert updater.prepare_latest(VoteRecords.empty(), None) is None


def _latest(votes: VoteRecords) -> VoteRecords:
    """Each cell's latest vote alone: what the worker's vote cache hands the updater."""
    return _records(_latest_set([votes]))


def _cells_of(latest: VoteRecords, touched: VoteRecords) -> VoteRecords:
    """The latest votes of the cells that `touched` votes on: the cells that changed."""
    cells = set(zip(touched.participant_ids.tolist(), touched.statement_ids.tolist(), strict=True))
    keep = [
        i
        for i, cell in enumerate(
            zip(latest.participant_ids.tolist(), latest.statement_ids.tolist(), strict=True)
        )
        if cell in cells
    ]
    return latest.take(np.array(keep, dtype=np.int64))


def _latest_set(chunks: list[VoteRecords]) -> dict[tuple[int, int], tuple[int, int]]:
    """(pid, tid) -> (vote, time) of the newest vote, later rows winning ties, as a keeper of
    latest votes (the worker's vote cache) holds them."""
    cells: dict[tuple[int, int], tuple[int, int]] = {}
    for chunk in chunks:
        for pid, tid, vote, ts in zip(*(getattr(chunk, f).tolist() for f in FIELDS), strict=True):
            if (pid, tid) not in cells or ts >= cells[(pid, tid)][1]:
                cells[(pid, tid)] = (vote, ts)
    return cells


def _records(cells: dict) -> VoteRecords:
    keys = sorted(cells)
    return VoteRecords(
        participant_ids=np.array([p for p, _ in keys], dtype=np.int64),
        statement_ids=np.array([t for _, t in keys], dtype=np.int64),
        votes=np.array([cells[k][0] for k in keys], dtype=np.int8),
        timestamps=np.array([cells[k][1] for k in keys], dtype=np.int64),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_folding_changed_latest_votes_equals_building_from_the_latest_set(seed):
    """The worker's mode: only each cell's latest vote is known, and which cells changed. A
    re-vote replaces the cell's vote and time, so a row's first time can move later."""
    chunks = _messy_chunks(seed)
    updater = IncrementalUpdater()
    before: dict = {}
    folds = []
    for i in range(1, len(chunks) + 1):
        now = _latest_set(chunks[:i])
        changed = {cell: value for cell, value in now.items() if before.get(cell) != value}
        latest = _records(now)
        prepared = updater.prepare_latest(latest, _records(changed) if i > 1 else None)
        folds.append(updater.last_fold)
        _assert_same_layout(prepared, latest)
        before = now
    assert folds.count("appended") >= 3
    # Out of step (a changed cell left out): noticed by the count, and laid out again.
    extra = {(10_000, 0): (1, 10**6)}
    latest = _records({**before, **extra})
    prepared = updater.prepare_latest(latest, _records({}))
    assert updater.last_fold == "rebuilt"
    _assert_same_layout(prepared, latest)
