"""Our update against Polis's own stored math output, field by field (spec §11 tolerances)."""

import subprocess
import sys
from pathlib import Path

import pytest

from clustering.compare import compare_results, main, partition_agreement
from clustering.loaders import load_conversation, load_math_json
from clustering.pipeline import update

FIXTURES = Path(__file__).parents[1] / "data" / "polis-math-fixtures"
CONSISTENT = [
    "below-100-ptpts",
    "25ptpt-3gp-no-strict-with-meta",
    "above-100-ptpts",
    "150ptpt-3gp-no-strict-no-meta",
]


def _next_tick(name):
    conversation = load_conversation(FIXTURES / name)
    polis = load_math_json(FIXTURES / name / "math-pca2.json")
    ours = update(conversation.votes, conversation.moderation, previous=polis).to_dict()
    return conversation, polis, ours


@pytest.mark.parametrize("name", CONSISTENT)
def test_next_tick_matches_polis_field_by_field(name, capsys):
    assert main(str(FIXTURES / name)) == 0
    out = capsys.readouterr().out
    assert "27 of 27 fields match" in out
    assert "adjusted Rand index: base clusters" in out


def test_inconsistent_fixture_differs_exactly_where_its_data_is_missing():
    conversation, polis, ours = _next_tick("50ptpt-3gp-strict-no-meta")
    failed = {c.field for c in compare_results(ours, polis) if not c.ok}
    # pid 50's 4 votes are in Polis's user-vote-counts but missing from votes.json, so n,
    # the counts and the PCA (and everything positioned by it) differ...
    assert polis["user-vote-counts"]["50"] == 4
    assert 50 not in set(conversation.votes.participant_ids.tolist())
    assert ours["n"] == polis["n"] - 1
    pca_dependent = {
        "pca.center",
        "pca.comps",
        "pca.comment-projection",
        "pca.comment-extremity",
        "base-clusters.x",
        "base-clusters.y",
        "group-clusters.center",
    }
    # ...and Polis stored priority 49 (the meta value) for every statement though no statement
    # is meta: not reproducible from the 2024 code.
    assert set(polis["comment-priorities"].values()) == {49}
    assert polis["meta-tids"] == []
    assert failed == {"n", "user-vote-counts", "comment-priorities"} | pca_dependent
    # pid 50 was never in-conv, so the clustering, counts, repness and consensus still match
    assert 50 not in polis["in-conv"]


def test_cold_start_recovers_polis_groups_on_small_fixtures():
    conversation = load_conversation(FIXTURES / "below-100-ptpts")
    polis = load_math_json(FIXTURES / "below-100-ptpts" / "math-pca2.json")
    cold = update(conversation.votes, conversation.moderation).to_dict()
    agreement = partition_agreement(cold, polis)
    assert agreement["base"] == 1.0 and agreement["group"] == 1.0


def test_compare_command_exit_codes():
    ok = subprocess.run(
        [sys.executable, "-m", "clustering", "compare", str(FIXTURES / "below-100-ptpts")],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "clustering",
            "compare",
            str(FIXTURES / "50ptpt-3gp-strict-no-meta"),
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "comment-priorities" in bad.stdout and "DIFF" in bad.stdout
