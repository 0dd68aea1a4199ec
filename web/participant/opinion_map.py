"""The small opinion map of the participant pages, drawn on the server as inline SVG.

Only the groups' outlines (convex hulls of their members' PCA positions) and the reader's own
dot are drawn: a few hundred bytes whatever the number of participants, no script, and nobody
else's position to pick out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from deliberation.services import OpinionSummary
from web.group_names import group_label

WIDTH, HEIGHT = 320, 200
# Room for the outline's rounded stroke and the labels.
MARGIN = 24
# Colour-blind-safe hues (Okabe–Ito) darkened to 4.5:1 on white for the labels.
PALETTE = ("#0a5d9a", "#a04d00", "#00734f", "#8a3f73", "#6b6100", "#4d4d4d")

Point = tuple[float, float]


@dataclass(frozen=True)
class GroupOutline:
    label: str
    colour: str
    points: str  # SVG polygon points
    centre: Point
    is_readers: bool


@dataclass(frozen=True)
class OpinionMap:
    width: int
    height: int
    outlines: list[GroupOutline]
    reader: Point | None


def convex_hull(points: Sequence[Point]) -> list[Point]:
    """Andrew's monotone chain: the hull's corners counter-clockwise, without repeats."""
    unique = sorted(set(points))
    if len(unique) <= 2:
        return unique

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    def half(ordered: list[Point]) -> list[Point]:
        chain: list[Point] = []
        for point in ordered:
            while len(chain) >= 2 and cross(chain[-2], chain[-1], point) <= 0:
                chain.pop()
            chain.append(point)
        return chain

    lower, upper = half(unique), half(unique[::-1])
    return lower[:-1] + upper[:-1]


def opinion_map(summary: OpinionSummary) -> OpinionMap | None:
    """The map of `summary`, scaled to fit; None when there are no groups to draw."""
    hulls = {group.id: convex_hull(group.points) for group in summary.groups if group.points}
    if not hulls:
        return None
    reader = summary.placement
    corners = [point for hull in hulls.values() for point in hull]
    if reader is not None:
        corners.append((reader.x, reader.y))
    scale = _scaler(corners)
    outlines = []
    for group_id, hull in hulls.items():
        placed = [scale(point) for point in hull]
        if len(placed) == 1:  # a group in one place: a tiny segment, drawn round by its joins
            placed.append((placed[0][0] + 0.1, placed[0][1]))
        outlines.append(
            GroupOutline(
                label=group_label(group_id),
                colour=PALETTE[group_id % len(PALETTE)],
                points=" ".join(f"{x:.1f},{y:.1f}" for x, y in placed),
                centre=_centre(placed),
                is_readers=reader is not None and reader.group == group_id,
            )
        )
    own = scale((reader.x, reader.y)) if reader is not None else None
    return OpinionMap(WIDTH, HEIGHT, outlines, own)


def _scaler(points: list[Point]):
    """Map coordinates to the drawing, with one scale on both axes so distances stay honest."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x_span, y_span = max(xs) - min(xs), max(ys) - min(ys)
    factors = [(WIDTH - 2 * MARGIN) / x_span] if x_span > 0 else []
    if y_span > 0:
        factors.append((HEIGHT - 2 * MARGIN) / y_span)
    factor = min(factors, default=1.0)
    middle_x, middle_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def scale(point: Point) -> Point:
        return (
            round(WIDTH / 2 + (point[0] - middle_x) * factor, 1),
            round(HEIGHT / 2 + (point[1] - middle_y) * factor, 1),
        )

    return scale


def _centre(points: list[Point]) -> Point:
    return (
        round(sum(p[0] for p in points) / len(points), 1),
        round(sum(p[1] for p in points) / len(points), 1),
    )
