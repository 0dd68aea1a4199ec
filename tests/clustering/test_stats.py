"""Polis's small-sample tests, checked against values worked out by hand."""

import math

import numpy as np

from clustering.stats import Z_90, prop_test, significant, two_prop


def test_prop_test_uses_n_plus_one_pseudocounts():
    # 2·sqrt(4+1)·((3+1)/(4+1) − 0.5) = 2·√5·0.3
    assert math.isclose(prop_test(3, 4), 2 * math.sqrt(5) * 0.3, rel_tol=1e-15)
    assert prop_test(0, 0) == 2 * 1.0 * (1.0 - 0.5)


def test_two_prop_adds_one_to_every_count():
    # s1=4, s2=2, n1=5, n2=5 after +1: p1=.8, p2=.4, pooled=.6
    expected = 0.4 / math.sqrt(0.6 * 0.4 * (1 / 5 + 1 / 5))
    assert math.isclose(float(two_prop(3, 1, 4, 4)), expected, rel_tol=1e-15)
    assert float(two_prop(1, 3, 4, 4)) == -float(two_prop(3, 1, 4, 4))


def test_two_prop_is_zero_when_everyone_agrees():
    # s1 == n1 and s2 == n2: pooled share 1, Polis returns 0 rather than dividing by 0
    assert float(two_prop(4, 3, 5, 5)) != 0.0
    assert float(two_prop(np.array([5.0]), 5, 5, 5)[0]) == 0.0


def test_threshold_is_hard_coded_and_strict():
    assert Z_90 == 1.2816
    assert not significant(1.2816)
    assert significant(1.28161)
    # scipy's norm.ppf(0.9) = 1.28155... would count as significant; Polis's does not
    assert not significant(1.28156)
