"""The common agenda's math: intervals, bridging scores, bootstrap, stability, sectors.

Planted data checks the claims a facilitator relies on: a statement every group agrees with
ranks above one only the largest group agrees with (by bridging score and by group-informed
consensus, even though the latter has the larger majority), and groups that are really there
are stable while groups carved out of noise are not.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.stats import beta

from clustering.agenda import AgendaParams, agenda_analyses
from clustering.bridging import (
    FACTOR_LAMBDA,
    INTERCEPT_LAMBDA,
    BridgingModel,
    Ratings,
    bridging_scores,
)
from clustering.divisive import rank_divisive
from clustering.inputs import VoteRecords
from clustering.matrix import build_rating_matrix
from clustering.pipeline import update
from clustering.sectors import sector_shares
from clustering.spread import agree_spread
from clustering.stability import adjusted_rand_index, best_jaccard, cluster_stability, polis_groups
from clustering.synth import planted_groups, synthesize
from clustering.uncertainty import (
    bootstrap_consensus,
    group_informed_consensus,
    jeffreys_interval,
    resample_weights,
)


def random_votes(n: int, m: int, per: int, seed: int, p_pass: float = 0.1) -> VoteRecords:
    """Votes with no structure at all: every participant votes at random."""
    rng = np.random.default_rng(seed)
    pids = np.repeat(np.arange(n), per)
    tids = np.concatenate([rng.choice(m, per, replace=False) for _ in range(n)])
    p_side = (1 - p_pass) / 2
    votes = rng.choice([1, 0, -1], size=len(pids), p=[p_side, p_pass, p_side])
    return VoteRecords.from_arrays(pids, tids, votes)


# ------------------------------------------------------------------------------------------
# Intervals


def test_jeffreys_interval_is_the_beta_quantiles_with_the_boundary_rule():
    agree = np.array([0, 3, 7, 10, 0])
    seen = np.array([10, 10, 10, 10, 0])
    low, high = jeffreys_interval(agree, seen)
    expected_low = beta.ppf(0.05, agree[1:4] + 0.5, seen[1:4] - agree[1:4] + 0.5)
    expected_high = beta.ppf(0.95, agree[1:4] + 0.5, seen[1:4] - agree[1:4] + 0.5)
    np.testing.assert_allclose(low[1:4], expected_low, rtol=1e-10)
    np.testing.assert_allclose(high[1:3], expected_high[:2], rtol=1e-10)
    assert low[0] == 0.0 and high[3] == 1.0  # 0 of n and n of n keep the share inside
    assert np.isnan(low[4]) and np.isnan(high[4])
    share = agree[:4] / seen[:4]
    assert np.all((low[:4] <= share) & (share <= high[:4]))


def test_bootstrap_weights_do_not_depend_on_batching():
    whole = resample_weights(50, range(0, 6), seed=3)
    split = np.vstack([resample_weights(50, range(0, 2), 3), resample_weights(50, range(2, 6), 3)])
    np.testing.assert_array_equal(whole, split)
    assert np.all(whole.sum(axis=1) == 50)
    assert not np.array_equal(whole, resample_weights(50, range(0, 6), seed=4))


def test_bootstrap_consensus_with_every_weight_one_is_the_consensus():
    matrix = build_rating_matrix(random_votes(80, 12, 8, seed=1)).votes
    agree = sp.csr_matrix(((matrix.data < 0) * 1.0, matrix.indices, matrix.indptr), matrix.shape)
    seen = sp.csr_matrix((np.ones(matrix.nnz), matrix.indices, matrix.indptr), matrix.shape)
    groups = np.arange(80) % 3 - (np.arange(80) % 7 == 0)  # three groups, some ungrouped
    samples = bootstrap_consensus(agree, seen, groups, 3, n_resamples=30, seed=5)
    assert samples.shape == (30, 12)
    again = bootstrap_consensus(agree, seen, groups, 3, n_resamples=30, seed=5)
    np.testing.assert_array_equal(samples, again)
    # The bootstrap centres on the estimate computed from the plain counts.
    counts_a = np.vstack([np.asarray(agree[groups == g].sum(axis=0)) for g in range(3)])
    counts_s = np.vstack([np.asarray(seen[groups == g].sum(axis=0)) for g in range(3)])
    estimate = group_informed_consensus(counts_a, counts_s)
    assert np.abs(np.median(samples, axis=0) - estimate).max() < 0.1
    assert np.all(samples.std(axis=0) > 0)


# ------------------------------------------------------------------------------------------
# Bridging


def _objective(model: BridgingModel, ratings: Ratings):
    rows, cols = ratings.rated.nonzero()
    target = np.asarray(ratings.agreed[rows, cols]).ravel()

    def loss(x, n=ratings.shape[0], m=ratings.shape[1]):
        """Community Notes' scorer: mean squared error + λ × mean square per parameter kind."""
        mu, a, u = x[0], x[1 : 1 + n], x[1 + n : 1 + 2 * n]
        b, v = x[1 + 2 * n : 1 + 2 * n + m], x[1 + 2 * n + m :]
        fit = mu + a[rows] + b[cols] + u[rows] * v[cols]
        intercepts = mu**2 + (a**2).mean() + (b**2).mean()
        factors = (u**2).mean() + (v**2).mean()
        return (
            ((target - fit) ** 2).mean() + INTERCEPT_LAMBDA * intercepts + FACTOR_LAMBDA * factors
        )

    def gradient(x, n=ratings.shape[0], m=ratings.shape[1]):
        mu, a, u = x[0], x[1 : 1 + n], x[1 + n : 1 + 2 * n]
        b, v = x[1 + 2 * n : 1 + 2 * n + m], x[1 + 2 * n + m :]
        e = -2.0 * (target - (mu + a[rows] + b[cols] + u[rows] * v[cols])) / len(target)
        li, lf = 2 * INTERCEPT_LAMBDA, 2 * FACTOR_LAMBDA
        return np.concatenate(
            [
                [e.sum() + li * mu],
                np.bincount(rows, e, n) + li * a / n,
                np.bincount(rows, e * v[cols], n) + lf * u / n,
                np.bincount(cols, e, m) + li * b / m,
                np.bincount(cols, e * u[rows], m) + lf * v / m,
            ]
        )

    fitted = np.concatenate(
        [
            [model.global_intercept_],
            model.participant_intercepts_,
            model.participant_factors_,
            model.statement_intercepts_,
            model.statement_factors_,
        ]
    )
    return loss, gradient, fitted


def test_bridging_fit_reaches_the_minimum_of_the_community_notes_objective():
    votes = build_rating_matrix(random_votes(30, 10, 7, seed=0)).votes
    model = BridgingModel(tol=1e-10, max_sweeps=2000).fit(votes)
    loss, gradient, fitted = _objective(model, model.ratings_)
    start = np.random.default_rng(1).normal(0.0, 0.1, size=len(fitted))
    best = minimize(loss, start, jac=gradient, method="L-BFGS-B", options={"maxiter": 20000})
    assert best.success and np.abs(gradient(fitted)).max() < 1e-8  # a stationary point...
    assert loss(fitted) <= best.fun + 1e-9  # ...no worse than a generic optimiser's
    assert model.n_sweeps_ < 2000


def test_bridging_is_deterministic_and_ignores_passes():
    records = random_votes(100, 20, 10, seed=2)
    votes = build_rating_matrix(records).votes
    first = bridging_scores(votes, seed=7, n_resamples=20)
    second = bridging_scores(votes, seed=7, n_resamples=20)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    # Dropping the passes from the input changes nothing: they are not ratings.
    no_passes = records.take(records.votes != 0)
    again = BridgingModel(random_state=7).fit(build_rating_matrix(no_passes).votes)
    column = np.isin(
        build_rating_matrix(records).statement_ids, build_rating_matrix(no_passes).statement_ids
    )
    np.testing.assert_allclose(again.bridging_scores_, first[0][column], atol=1e-5)


def planted_bridge(seed: int = 12):
    """A synthetic conversation (clustering.synth, 2 planted groups) plus two statements:
    PARTISAN, agreed by 98% of the largest group and 10% of the other, and BRIDGE, agreed by
    the same share in both groups, 3 points below PARTISAN's overall share."""
    n, m, per, g = 900, 40, 30, 2
    votes, _ = synthesize(n, m, per, g, seed)
    planted = planted_groups(n, g, seed)
    largest = np.bincount(planted).argmax()
    rng = np.random.default_rng(seed)
    bridge, partisan = m, m + 1
    p_partisan = np.where(planted == largest, 0.98, 0.10)
    p_bridge = np.full(n, p_partisan.mean() - 0.03)
    extra_pids = np.concatenate([np.arange(n), np.arange(n)])
    extra_tids = np.repeat([bridge, partisan], n)
    agrees = rng.random(2 * n) < np.concatenate([p_bridge, p_partisan])
    extra_votes = np.where(agrees, 1, -1)
    records = VoteRecords.from_arrays(
        np.concatenate([votes.participant_ids, extra_pids]),
        np.concatenate([votes.statement_ids, extra_tids]),
        np.concatenate([votes.votes, extra_votes]),
        np.concatenate([votes.timestamps, votes.timestamps.max() + 1 + np.arange(2 * n)]),
    )
    return records, bridge, partisan, planted, largest


@pytest.fixture(scope="module")
def bridged():
    records, bridge, partisan, planted, largest = planted_bridge()
    result = update(records).to_dict()
    params = AgendaParams(resamples=40, stability_resamples=6)
    return (
        records,
        bridge,
        partisan,
        planted,
        largest,
        result,
        agenda_analyses(records, result, params=params),
    )


def test_a_statement_all_groups_agree_with_outranks_one_only_the_largest_agrees_with(bridged):
    records, bridge, partisan, planted, largest, result, analyses = bridged
    tids = analyses["tids"]
    b, p = tids.index(bridge), tids.index(partisan)
    overall = analyses["overall"]
    # The majority alone would pick the partisan statement...
    assert overall["agree"][p] / overall["seen"][p] > overall["agree"][b] / overall["seen"][b]
    # ...group-informed consensus and the bridging score do not.
    consensus = analyses["consensus"]["value"]
    bridging = analyses["bridging"]["score"]
    assert consensus[b] > consensus[p]
    assert bridging[b] > bridging[p]
    assert analyses["bridging"]["low"][b] > analyses["bridging"]["high"][p]
    # The groups found are the planted ones, which is what makes the comparison meaningful.
    people = result["mesa"]["participants"]
    found = np.array([-1 if g is None else g for g in people["group"]])
    clustered = found >= 0
    assert adjusted_rand_index(planted[clustered], found[clustered]) > 0.9


def test_the_planted_groups_are_stable_and_noise_is_not(bridged):
    analyses = bridged[-1]
    assert analyses["stability"]["ari"] > 0.85
    assert min(analyses["stability"]["groups"].values()) > 0.85

    noise = build_rating_matrix(random_votes(600, 40, 30, seed=3)).votes
    reference = polis_groups(noise)
    assert reference.max() >= 1  # the pipeline still draws groups on noise...
    stability = cluster_stability(noise, reference, n_resamples=6, seed=0)
    assert stability.ari < 0.4  # ...which do not come back in resamples
    assert 0.0 <= stability.ari <= 1.0 and np.all(
        (0 <= stability.jaccard) & (stability.jaccard <= 1)
    )


def test_ari_and_jaccard_on_hand_made_partitions():
    a = np.array([0, 0, 0, 1, 1, 1])
    assert adjusted_rand_index(a, 1 - a) == 1.0  # same partition, other names
    assert adjusted_rand_index(a, np.array([0, 1, 0, 1, 0, 1])) < 0
    np.testing.assert_allclose(best_jaccard(a, np.array([0, 0, 1, 1, 1, 1]), 2), [2 / 3, 3 / 4])


# ------------------------------------------------------------------------------------------
# Divisive statements and sectors


def test_divisive_ranking_by_the_spread_of_group_shares():
    agree = np.array([[9, 5, 0, 1], [1, 5, 10, 1]])
    seen = np.array([[10, 10, 10, 2], [10, 10, 10, 10]])
    spread = agree_spread(agree, seen)  # Polis's shares (A + 1)/(S + 2)
    np.testing.assert_allclose(spread[:3], [10 / 12 - 2 / 12, 0.0, 11 / 12 - 1 / 12])
    assert np.isnan(spread[3])  # one group saw it only twice
    assert rank_divisive(agree, seen).tolist() == [2, 0, 1]
    assert rank_divisive(agree, seen, excluded=np.array([0, 0, 1, 0], bool)).tolist() == [0, 1]


def test_sector_shares_and_red_lines():
    # 8 police officers all disagree with statement 0; 4 of 8 shopkeepers agree with it.
    pids = np.repeat(np.arange(16), 2)
    tids = np.tile([0, 1], 16)
    votes = np.where(tids == 1, 1, np.where(pids < 8, -1, np.where(pids % 2 == 0, 1, -1)))
    matrix = build_rating_matrix(VoteRecords.from_arrays(pids, tids, votes))
    sector_of_row = (np.arange(16) >= 8).astype(np.int64)  # 0 police, 1 shopkeepers
    shares = sector_shares(matrix.votes, sector_of_row, 2)
    assert shares.seen.tolist() == [[8, 8], [8, 8]]
    assert shares.disagree_share[0, 0] == 1.0 and shares.agree_share[1, 0] == 0.5
    assert shares.red_line.tolist() == [[True, False], [False, False]]
    assert shares.disagree_low[0, 0] > 0.5 and shares.agree_low[1, 0] < 0.5


# ------------------------------------------------------------------------------------------
# The shared open-data conversations


@pytest.mark.parametrize(
    "name",
    [
        "15-per-hour-seattle",
        "canadian-electoral-reform",
        "football-concussions",
        "scoop-hivemind.biodiversity",
        "vtaiwan.uberx",
    ],
)
def test_open_data_agenda_is_sane(name):
    from clustering.loaders import load_conversation

    conv = load_conversation(f"tests/data/polis-open-data/{name}")
    result = update(conv.votes, conv.moderation).to_dict()
    params = AgendaParams(resamples=30, stability_resamples=3)
    analyses = agenda_analyses(conv.votes, result, conv.moderation, params=params)

    def column(values):
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    for block, point in (("consensus", "value"), ("bridging", "score")):
        value = column(analyses[block][point])
        low, high = column(analyses[block]["low"]), column(analyses[block]["high"])
        known = np.isfinite(value)
        assert known.sum() > 10
        assert np.all((low[known] <= value[known] + 1e-9) & (value[known] <= high[known] + 1e-9))
    groups = analyses["groups"]
    agree, seen = np.array(groups["agree"], float), np.array(groups["seen"], float)
    low, high = column(np.ravel(groups["agree_low"])), column(np.ravel(groups["agree_high"]))
    share = np.divide(agree, seen, out=np.full_like(agree, np.nan), where=seen > 0).ravel()
    voted = np.isfinite(share)
    assert np.all((low[voted] <= share[voted]) & (share[voted] <= high[voted]))
    # GIC recomputed here equals Polis's group-aware consensus in the same result.
    gac = result["group-aware-consensus"]
    consensus = column(analyses["consensus"]["value"])
    for tid, value in zip(analyses["tids"], consensus, strict=True):
        assert value == pytest.approx(gac[str(tid)], abs=1e-6)
    stability = analyses["stability"]
    assert 0.0 <= stability["ari"] <= 1.0
    assert all(0.0 <= j <= 1.0 for j in stability["groups"].values())


def test_the_agenda_command_prints_intervals_bridging_and_stability(capsys):
    from clustering.cli import main

    path = "tests/data/polis-open-data/15-per-hour-seattle"
    code = main(["agenda", path, "--resamples", "20", "--stability-resamples", "2", "--top", "3"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("     consensus ") == 3 and out.count("  bridging ") == 3
    assert "stability: mean ARI" in out and "Divisive statements" in out


def test_the_analyses_are_deterministic_for_a_seed():
    votes, _ = synthesize(300, 25, 15, 3, 5)
    result = update(votes).to_dict()

    def analyses(seed: int) -> dict:
        out = agenda_analyses(votes, result, params=AgendaParams(seed, 15, 2))
        out.pop("timings")
        return out

    first, again, other = analyses(1), analyses(1), analyses(2)
    assert first == again
    assert first["consensus"]["value"] == other["consensus"]["value"]  # no randomness in it
    assert first["consensus"]["low"] != other["consensus"]["low"]  # the bootstrap's is seeded


@pytest.mark.parametrize(
    "votes",
    [
        VoteRecords.empty(),
        VoteRecords.from_arrays([0, 1, 2, 0, 1, 2], [0, 0, 0, 1, 1, 1], [0] * 6),  # only passes
        VoteRecords.from_arrays([0, 0, 0], [0, 1, 2], [1, -1, 1]),  # one participant
    ],
    ids=["no votes", "only passes", "one participant"],
)
def test_degenerate_conversations_give_missing_values_not_errors(votes):
    with np.errstate(all="raise"):
        analyses = agenda_analyses(votes, update(votes).to_dict(), params=AgendaParams(0, 5, 2))
    assert all(score is None for score in analyses["bridging"]["score"])
    assert analyses["stability"]["ari"] is None
