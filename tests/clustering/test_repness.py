"""Representative statements, consensus and group-aware consensus on hand-worked counts."""

import math

import numpy as np
import pytest

from clustering.repness import (
    GroupCounts,
    group_aware_consensus,
    majority_consensus,
    representative_statements,
)

TIDS = np.array([10, 11, 12])
NO_MOD = np.zeros(3, dtype=bool)


def counts(agree, disagree, seen):
    return GroupCounts(np.array(agree, float), np.array(disagree, float), np.array(seen, float))


# tid 10 splits the groups (group 0 agrees 9/10, group 1 disagrees 9/10); 11 is 5/5 in both;
# 12 is agreed 6/10 by both.
SPLIT = counts(agree=[[9, 5, 6], [0, 5, 6]], disagree=[[0, 5, 1], [9, 5, 1]], seen=[[10] * 3] * 2)


def test_divisive_statement_represents_each_side():
    rep = representative_statements(SPLIT, np.array([0, 1]), TIDS, NO_MOD)
    (g0,) = rep[0]
    # pa = 10/12; pat = 2·√11·(10/11 − .5); ra = pa / (1/12) = 10; rat = .81818/√(.25·2/11)
    assert g0["tid"] == 10 and g0["repful-for"] == "agree"
    assert g0["n-success"] == 9 and g0["n-trials"] == 10
    assert g0["p-success"] == pytest.approx(10 / 12, rel=1e-15)
    assert g0["p-test"] == pytest.approx(2 * math.sqrt(11) * (10 / 11 - 0.5), rel=1e-15)
    assert g0["repness"] == pytest.approx(10.0, rel=1e-15)
    assert g0["repness-test"] == pytest.approx((9 / 11) / math.sqrt(0.25 * 2 / 11), rel=1e-6)
    # best-agree: the only statement passing pat > 1.2816 first; it carries n-agree
    assert g0["best-agree"] is True and g0["n-agree"] == 9
    (g1,) = rep[1]
    # group 1 has no agree candidate (pa ≤ .5, ra ≤ 1 everywhere), so no best-agree entry
    assert g1["tid"] == 10 and g1["repful-for"] == "disagree" and "best-agree" not in g1
    assert g1["n-success"] == 9


def test_best_agree_can_be_labelled_disagree_when_nothing_is_significant():
    # Both groups vote identically: nothing differs (rat = rdt = 0), yet 9/10 agree passes
    # pat > 1.2816, so it is best-agree; with rat == rdt the tie goes to "disagree".
    same = counts(agree=[[9, 5, 6]] * 2, disagree=[[0, 5, 1]] * 2, seen=[[10] * 3] * 2)
    rep = representative_statements(same, np.array([0, 1]), TIDS, NO_MOD)
    for entries in rep.values():
        (entry,) = entries
        assert entry["tid"] == 10
        assert entry["best-agree"] is True and entry["n-agree"] == 9
        assert entry["repful-for"] == "disagree"
        assert entry["n-success"] == 0  # the disagree fields
        assert entry["repness-test"] == 0.0


def test_without_best_agree_the_best_test_is_kept():
    # Nothing anyone agrees with and no significant difference: Polis keeps the statement
    # with the highest repness-test (first one on ties).
    flat = counts(
        agree=[[0, 0, 0], [0, 0, 0]], disagree=[[3, 2, 3], [2, 2, 1]], seen=[[10] * 3] * 2
    )
    rep = representative_statements(flat, np.array([0, 1]), TIDS, NO_MOD)
    assert [e["tid"] for e in rep[0]] == [12]  # group 0 disagrees 3 vs 1: largest rdt
    assert "best-agree" not in rep[0][0]


def test_moderated_out_statements_are_never_selected():
    rep = representative_statements(SPLIT, np.array([0, 1]), TIDS, np.array([True, False, False]))
    assert all(e["tid"] != 10 for entries in rep.values() for e in entries)


def test_at_most_five_agrees_before_disagrees():
    m = 8
    # group 0 strongly agrees with tids 0–3 and strongly disagrees with 4–7; group 1 opposite
    a0 = [20, 20, 20, 20, 0, 0, 0, 0]
    a1 = [0, 0, 0, 0, 20, 20, 20, 20]
    two = counts(agree=[a0, a1], disagree=[a1, a0], seen=[[20] * m] * 2)
    rep = representative_statements(two, np.array([0, 1]), np.arange(m), np.zeros(m, bool))
    labels = [e["repful-for"] for e in rep[0]]
    assert len(labels) == 5
    assert labels == sorted(labels)  # "agree" < "disagree": agrees first, order kept
    assert rep[0][0]["best-agree"] is True


def test_majority_consensus_lists():
    agree = np.array([18.0, 5.0, 11.0])
    disagree = np.array([1.0, 14.0, 9.0])
    seen = np.array([20.0, 20.0, 20.0])
    out = majority_consensus(agree, disagree, seen, TIDS, NO_MOD)
    assert [e["tid"] for e in out["agree"]] == [10]
    assert out["agree"][0]["p-success"] == 19 / 22
    assert out["agree"][0]["p-test"] == pytest.approx(2 * math.sqrt(21) * (19 / 21 - 0.5))
    assert [e["tid"] for e in out["disagree"]] == [11]  # pd = 15/22, pdt = 1.96
    assert out["disagree"][0]["n-success"] == 14
    # tid 12: 11 of 20 agree is a majority but not significant (pat = 1.09)
    out = majority_consensus(agree, disagree, seen, TIDS, np.array([True, False, False]))
    assert out["agree"] == []


def test_group_aware_consensus_is_a_product_over_groups():
    gac = group_aware_consensus(SPLIT)
    assert gac[0] == pytest.approx((10 / 12) * (1 / 12), rel=1e-15)
    assert gac[1] == pytest.approx((6 / 12) ** 2, rel=1e-15)
    assert gac[2] == pytest.approx((7 / 12) ** 2, rel=1e-15)
