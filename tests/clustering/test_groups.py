"""k-means, silhouette, the k-smoother, in-conv and priorities on hand-worked cases."""

import numpy as np
import pytest

from clustering.groups import KSmoother, choose_groups, max_group_count, silhouette, smooth_k
from clustering.inconv import select_in_conv
from clustering.kmeans import StartClusters, _nearest_two, polis_kmeans
from clustering.priorities import META_PRIORITY, comment_priorities


def test_silhouette_by_hand():
    points = np.array([[0.0, 0], [1, 0], [10, 0]])
    labels = np.array([0, 0, 1])
    # point 0: a=1, b=10 → .9; point 1: a=1, b=9 → 8/9; point 2 alone → 0
    assert silhouette(points, labels) == pytest.approx((0.9 + 8 / 9 + 0) / 3, rel=1e-15)
    assert silhouette(points, np.zeros(3, dtype=int)) == 0.0


def test_k_smoother_needs_four_wins_in_a_row():
    s = smooth_k(None, 2)
    assert s == KSmoother(2, 1, 2)  # the first k ever is shown at once
    shown = []
    for k in (3, 3, 3, 3, 2, 3):
        s = smooth_k(s, k)
        shown.append(s.smoothed_k)
    assert shown == [2, 2, 2, 3, 3, 3]
    assert s.last_k == 3 and s.last_k_count == 1


def test_max_group_count():
    assert [max_group_count(b) for b in (1, 11, 12, 24, 36, 100)] == [2, 2, 3, 4, 5, 5]


def test_kmeans_starts_from_first_distinct_points_in_row_order():
    points = np.array([[0.0, 0], [0, 0], [5, 5], [5, 6], [0, 1]])
    c = polis_kmeans(points, 2, max_iters=0)
    # initial centres: rows 0 and 2 (row 1 duplicates row 0); one step assigns and re-centres
    assert c.ids.tolist() == [0, 1]
    assert c.labels.tolist() == [0, 0, 1, 1, 0]
    assert c.centers[1].tolist() == [5.0, 5.5]


def test_kmeans_tie_goes_to_the_later_centre():
    points = np.array([[-1.0, 0], [1, 0], [0, 0]])
    labels, first, second = _nearest_two(points, np.array([[-1.0, 0], [1, 0]]))
    assert labels.tolist() == [0, 1, 1]
    assert first[2] == second[2] == 1.0


def test_kmeans_drops_empty_clusters_and_keeps_ids_on_warm_start():
    points = np.array([[0.0, 0], [0.1, 0], [9, 9], [9.1, 9]])
    start = StartClusters(np.array([4, 7, 9]), [np.array([0, 1]), np.array([2, 3]), np.array([])])
    c = polis_kmeans(points, 2, start=start)
    assert c.ids.tolist() == [4, 7]  # cluster 9 had no members left: dropped, ids kept
    assert c.labels.tolist() == [0, 0, 1, 1]


def test_warm_start_splits_off_the_farthest_point_with_a_new_id():
    points = np.array([[0.0, 0], [0.1, 0], [9, 9]])
    start = StartClusters(np.array([3]), [np.array([0, 1, 2])])
    c = polis_kmeans(points, 2, start=start)
    assert c.ids.tolist() == [3, 4]
    assert c.labels.tolist() == [0, 0, 1]


def test_bounded_assignment_equals_brute_force_lloyd():
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.normal(c, 1.0, (700, 2)) for c in [(-3, 0), (3, 1), (0, 3)]])
    fast = polis_kmeans(points, 40, max_iters=30)
    # brute-force reference: plain Lloyd with Polis's rules
    centers = points[np.sort(np.unique(points, axis=0, return_index=True)[1])[:40]]
    for _ in range(31):
        d = ((points[:, None, :] - centers[None]) ** 2).sum(-1)
        labels = len(centers) - 1 - np.argmin(d[:, ::-1], axis=1)
        alive = np.bincount(labels, minlength=len(centers)) > 0
        new = np.array([points[labels == j].mean(0) for j in np.flatnonzero(alive)])
        labels = (np.cumsum(alive) - 1)[labels]
        done = new.shape == centers.shape and np.all(
            np.hypot(*(np.sort(new, 0) - np.sort(centers, 0)).T) < 0.01
        )
        centers = new
        if done:
            break
    assert np.array_equal(fast.labels, labels)
    np.testing.assert_allclose(fast.centers, centers, rtol=1e-12)


def test_choose_groups_picks_larger_k_on_ties_and_smooths():
    # two tight, well-separated pairs: k=2 clearly wins
    centers = np.array([[0.0, 0], [0.1, 0], [5, 5], [5.1, 5]])
    sel = choose_groups(centers, np.ones(4), {}, None)
    assert sel.smoother.smoothed_k == 2 and len(sel.chosen.ids) == 2
    # a previously shown k stays shown while the new winner has not won four times
    rng = np.random.default_rng(0)
    twelve = np.concatenate([rng.normal(0, 0.1, (6, 2)), rng.normal(5, 0.1, (6, 2))])
    sel = choose_groups(twelve, np.ones(12), {}, KSmoother(3, 9, 3))
    assert max(sel.silhouettes, key=sel.silhouettes.get) == 2
    assert sel.smoother == KSmoother(2, 1, 3)
    assert len(sel.chosen.ids) == 3
    # a shown k that no longer fits (K shrank) falls back to this update's winner
    sel = choose_groups(centers, np.ones(4), {}, KSmoother(3, 9, 3))
    assert sel.smoother == KSmoother(2, 1, 2)


def test_in_conv_threshold_top_up_and_stickiness():
    counts = np.array([8, 1, 2, 3, 2, 1])
    rows = np.arange(6)
    chosen = select_in_conv(counts, rows, n_statements=20, target=3)
    # row 0 has ≥ 7 votes; top up to 3 by count: row 3 (3), then rows 2/4 tie → row order
    assert np.flatnonzero(chosen).tolist() == [0, 2, 3]
    reordered = select_in_conv(counts, np.array([4, 0, 1, 2, 3, 5]), 20, target=3)
    assert np.flatnonzero(reordered).tolist() == [0, 3, 4]
    previous = np.array([False, True, False, False, False, False])
    sticky = select_in_conv(counts, rows, 20, previous=previous, target=2)
    assert np.flatnonzero(sticky).tolist() == [0, 1]  # row 1 stays in with 1 vote
    # the threshold is min(7, statements): with 3 statements, 3 votes suffice
    assert np.flatnonzero(select_in_conv(counts, rows, 3, target=0)).tolist() == [0, 3]


def test_comment_priorities_formula():
    e = np.array([0.5, 0.5, 2.0])
    p = comment_priorities(
        np.array([0.0, 6, 6]),
        np.array([0.0, 2, 2]),
        np.array([0.0, 10, 10]),
        e,
        np.array([False, False, True]),
    )
    assert p[0] == pytest.approx((2.25 * 1.5) ** 2, rel=1e-15)  # never seen: (2.25·(E+1))²
    importance = (1 - 3 / 12) * 1.5 * 7 / 12
    assert p[1] == pytest.approx((importance * (1 + 8 * 2**-2)) ** 2, rel=1e-15)
    assert p[2] == META_PRIORITY
