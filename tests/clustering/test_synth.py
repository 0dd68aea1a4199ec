"""Synthetic conversations: shape, determinism, validity, and the CSV round trip."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from clustering.loaders import load_conversation
from clustering.synth import _render_rows, planted_groups, synthesize, write_polis_csv

# (participants, statements, votes each): the first uses exact dense sampling, the second the
# draw-and-deduplicate path used at scale.
SHAPES = [(300, 40, 25), (2000, 3000, 60)]


@pytest.mark.parametrize("p,m,v", SHAPES)
def test_shape_and_validity(p: int, m: int, v: int) -> None:
    votes, statement_ids = synthesize(p, m, v, groups=3, seed=4)
    assert len(votes) == p * v
    assert statement_ids.tolist() == list(range(m))
    assert votes.participant_ids.dtype == np.int64 and votes.votes.dtype == np.int8
    assert set(np.unique(votes.votes).tolist()) <= {-1, 0, 1}
    assert {-1, 0, 1} <= set(np.unique(votes.votes).tolist())  # passes happen
    assert votes.statement_ids.min() >= 0 and votes.statement_ids.max() < m
    # Exactly v votes each, on v distinct statements (no re-votes).
    assert np.bincount(votes.participant_ids, minlength=p).tolist() == [v] * p
    pairs = votes.participant_ids * m + votes.statement_ids
    assert len(np.unique(pairs)) == p * v
    assert np.all(np.diff(votes.timestamps) > 0)


@pytest.mark.parametrize("p,m,v", SHAPES)
def test_deterministic_for_a_seed(p: int, m: int, v: int) -> None:
    a, _ = synthesize(p, m, v, groups=4, seed=11)
    b, _ = synthesize(p, m, v, groups=4, seed=11)
    c, _ = synthesize(p, m, v, groups=4, seed=12)
    for field in ("participant_ids", "statement_ids", "votes", "timestamps"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.statement_ids, c.statement_ids)
    assert np.array_equal(planted_groups(p, 4, 11), planted_groups(p, 4, 11))


def test_some_statements_are_more_popular() -> None:
    votes, _ = synthesize(3000, 2000, 50, groups=3, seed=1)
    seen = np.bincount(votes.statement_ids, minlength=2000)
    assert seen.max() > 4 * np.median(seen)


def test_sessions_interleave() -> None:
    votes, _ = synthesize(500, 100, 20, groups=2, seed=3)
    switches = np.count_nonzero(np.diff(votes.participant_ids))
    assert switches > 2 * 500  # not one block per participant


def test_planted_groups_are_unequal_and_distinct() -> None:
    p, m, v, g = 4000, 200, 60, 4
    votes, _ = synthesize(p, m, v, g, seed=5)
    member = planted_groups(p, g, seed=5)
    sizes = np.bincount(member, minlength=g)
    assert sizes.min() > 0.05 * p and sizes.max() != sizes.min()
    # Each group's mean vote per statement differs clearly from the others'.
    group_of_vote = member[votes.participant_ids]
    sums = np.zeros((g, m))
    counts = np.zeros((g, m))
    np.add.at(sums, (group_of_vote, votes.statement_ids), votes.votes)
    np.add.at(counts, (group_of_vote, votes.statement_ids), 1)
    means = sums / np.maximum(counts, 1)
    for a in range(g):
        for b in range(a + 1, g):
            assert np.mean(np.abs(means[a] - means[b])) > 0.25


def test_rejects_impossible_requests() -> None:
    with pytest.raises(ValueError):
        synthesize(10, 5, 6, groups=2, seed=0)
    with pytest.raises(ValueError):
        synthesize(10, 5, 2, groups=0, seed=0)


def test_csv_round_trip(tmp_path: Path) -> None:
    p, m, v, g = 400, 80, 30, 3
    votes, statement_ids = synthesize(p, m, v, g, seed=9)
    member = planted_groups(p, g, seed=9)
    texts = {0: 'A "quoted", comma text', 1: "two\nlines"}
    write_polis_csv(votes, statement_ids, tmp_path, texts=texts, planted=member)

    conv = load_conversation(tmp_path)
    assert conv.source == "csv"
    for field in ("participant_ids", "statement_ids", "votes", "timestamps"):
        assert np.array_equal(getattr(conv.votes, field), getattr(votes, field))
    assert conv.statement_ids.tolist() == statement_ids.tolist()
    assert conv.moderation.accepted == set(range(m))
    assert conv.texts[0] == texts[0] and conv.texts[1] == texts[1]
    assert conv.texts[5] == "Synthetic statement 5"

    with open(tmp_path / "comments.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    agrees = Counter(votes.statement_ids[votes.votes == 1].tolist())
    disagrees = Counter(votes.statement_ids[votes.votes == -1].tolist())
    for r in rows:
        assert int(r["agrees"]) == agrees[int(r["comment-id"])]
        assert int(r["disagrees"]) == disagrees[int(r["comment-id"])]

    with open(tmp_path / "votes.csv", newline="") as fh:
        header = next(csv.reader(fh))
        first = next(csv.reader(fh))
    assert header == ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
    assert first[1].endswith(" UTC 2023") and len(first[1]) == 28  # "Tue Nov 14 22:13:20 UTC 2023"

    with open(tmp_path / "planted-groups.csv", newline="") as fh:
        planted_rows = list(csv.DictReader(fh))
    assert [int(r["participant"]) for r in planted_rows] == list(range(p))
    assert [int(r["group"]) for r in planted_rows] == member.tolist()


def test_render_rows_handles_signs_and_widths() -> None:
    x = np.array([0, -1, 1, -12345, 987, 10, -10, 2**40])
    y = np.arange(8)
    text = _render_rows([x, b",", y, b"\n"], len(x)).tobytes().decode()
    assert text.splitlines() == [f"{a},{b}" for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    assert _render_rows([np.array([], dtype=np.int64), b"\n"], 0).tobytes() == b""
