"""The participant's small map: outlines that do not run into each other, and labels that the
reader's dot does not cover (issue 10, point 9)."""

from __future__ import annotations

import math
import random

from deliberation.services import GroupSummary, OpinionSummary, Placement
from web.participant.opinion_map import OUTLINE_GAP, _gap, opinion_map


def _cloud(rng: random.Random, cx: float, cy: float, n: int, spread: float) -> list:
    return [(rng.gauss(cx, spread), rng.gauss(cy, spread)) for _ in range(n)]


def _summary(groups: list[list], placement: Placement | None) -> OpinionSummary:
    return OpinionSummary(
        math_version=1,
        computed_ms=0,
        participants=sum(len(points) for points in groups),
        groups=[GroupSummary(gid, len(points), [], points) for gid, points in enumerate(groups)],
        common_ground=[],
        placement=placement,
    )


def _polygon(outline) -> list[tuple[float, float]]:
    return [tuple(map(float, corner.split(","))) for corner in outline.points.split()]


def test_overlapping_groups_are_drawn_a_stroke_apart():
    rng = random.Random(7)
    # Three groups whose members (with a few outliers) overlap, as on the demo's map.
    groups = [
        _cloud(rng, 0.0, 0.0, 80, 0.6) + [(1.5, 1.5)],
        _cloud(rng, 1.0, 0.2, 70, 0.6) + [(-1.0, 0.0)],
        _cloud(rng, 0.4, 1.0, 60, 0.6),
    ]
    drawn = opinion_map(_summary(groups, Placement(1, 0.1, 0.1, 0)))
    shapes = [_polygon(outline) for outline in drawn.outlines]
    for i, shape in enumerate(shapes):
        for other in shapes[i + 1 :]:
            assert _gap(shape, other) >= OUTLINE_GAP - 0.5


def test_the_readers_dot_covers_no_group_letter_and_sits_in_its_group():
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (1.0, 1.0)]
    far = [(9.0, 9.0), (9.5, 9.0), (9.0, 9.5)]
    drawn = opinion_map(_summary([square, far], Placement(1, 1.0, 1.0, 0)))
    own = drawn.outlines[0]
    assert drawn.reader == own.centre  # the dot is where the math put it
    for outline in drawn.outlines:
        x, y = outline.label_position
        assert math.dist((x, y), drawn.reader) >= 19.9
    assert abs(drawn.reader_label_y - drawn.reader[1]) >= 10


def test_an_outlying_reader_stays_inside_their_own_groups_outline():
    rng = random.Random(3)
    core = _cloud(rng, 0.0, 0.0, 50, 0.3)
    outlier = (1.2, 0.0)  # beyond the 80% core of the group
    drawn = opinion_map(_summary([[*core, outlier]], Placement(1, *outlier, 0)))
    xs = [x for x, _ in _polygon(drawn.outlines[0])]
    assert max(xs) >= drawn.reader[0] - 0.1
