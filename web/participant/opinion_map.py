"""The small opinion map of the participant pages, drawn on the server as inline SVG.

Only the groups' outlines (convex hulls of their members' PCA positions) and the reader's own
dot are drawn: a few hundred bytes whatever the number of participants, no script, and nobody
else's position to pick out.

On a phone the drawing is small and each outline is a thick rounded stroke, so raw hulls of
whole groups run into each other and a few outlying members stretch a group over its
neighbours. Each group is therefore drawn by the hull of its core (the members nearest its
centre, `CORE_SHARE` of them), and outlines that would still touch are shrunk towards their own
centres until a stroke's width separates them. The reader's dot stays where the math put it;
a group's letter steps aside when the dot would cover it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from deliberation.services import OpinionSummary
from web.group_names import group_label

WIDTH, HEIGHT = 320, 200
# Room for the outline's rounded stroke and the labels.
MARGIN = 24
# Colour-blind-safe hues (Okabe–Ito) darkened to 4.5:1 on white for the labels.
PALETTE = ("#0a5d9a", "#a04d00", "#00734f", "#8a3f73", "#6b6100", "#4d4d4d")
# Groups of at least CORE_MIN members are outlined by the CORE_SHARE of them nearest the centre.
CORE_MIN, CORE_SHARE = 10, 0.8
# Outlines are drawn with a 22 px round stroke (mesa.css): two of them touch closer than that.
OUTLINE_GAP = 22.0
SHRINK, MAX_SHRINKS = 0.9, 40
# How far (px) a group letter and the "You" label keep from the reader's dot.
LABEL_CLEARANCE = 20.0

Point = tuple[float, float]


@dataclass(frozen=True)
class GroupOutline:
    label: str
    colour: str
    points: str  # SVG polygon points
    centre: Point
    is_readers: bool
    label_at: Point | None = None  # where the letter goes; the centre unless the reader's dot is

    @property
    def label_position(self) -> Point:
        return self.label_at or self.centre


@dataclass(frozen=True)
class OpinionMap:
    width: int
    height: int
    outlines: list[GroupOutline]
    reader: Point | None
    reader_label_y: float | None = None


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
    reader = summary.placement
    hulls = {
        # The reader's own group always takes in the reader, core or not.
        group.id: convex_hull(
            _core(group.points)
            + ([(reader.x, reader.y)] if reader is not None and reader.group == group.id else [])
        )
        for group in summary.groups
        if group.points
    }
    if not hulls:
        return None
    corners = [point for hull in hulls.values() for point in hull]
    if reader is not None:
        corners.append((reader.x, reader.y))
    scale = _scaler(corners)
    placed_hulls = _separated(
        {gid: [scale(point) for point in hull] for gid, hull in hulls.items()}
    )
    own = scale((reader.x, reader.y)) if reader is not None else None
    outlines = []
    for group_id, placed in placed_hulls.items():
        if len(placed) == 1:  # a group in one place: a tiny segment, drawn round by its joins
            placed = [placed[0], (placed[0][0] + 0.1, placed[0][1])]
        centre = _centre(placed)
        outlines.append(
            GroupOutline(
                label=group_label(group_id),
                colour=PALETTE[group_id % len(PALETTE)],
                points=" ".join(f"{x:.1f},{y:.1f}" for x, y in placed),
                centre=centre,
                is_readers=reader is not None and reader.group == group_id,
                label_at=_clear_of(centre, own),
            )
        )
    return OpinionMap(WIDTH, HEIGHT, outlines, own, _reader_label_y(own, outlines))


def _core(points: Sequence[Point]) -> list[Point]:
    """The CORE_SHARE of a group's members nearest its centre (all of a small group)."""
    if len(points) < CORE_MIN:
        return list(points)
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    by_distance = sorted(points, key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2)
    return by_distance[: max(3, math.ceil(CORE_SHARE * len(points)))]


def _gap(a: list[Point], b: list[Point]) -> float:
    """How far apart two convex polygons are along the best separating axis tried (the edges'
    normals, and the line between their centres); negative when they overlap."""
    axes = []
    for polygon in (a, b):
        for i, (x1, y1) in enumerate(polygon):
            x2, y2 = polygon[(i + 1) % len(polygon)]
            axes.append((y2 - y1, x1 - x2))
    (ax, ay), (bx, by) = _centre(a), _centre(b)
    axes.append((bx - ax, by - ay))
    best = -math.inf
    for nx, ny in axes:
        length = math.hypot(nx, ny)
        if length == 0:
            continue
        on_a = [(x * nx + y * ny) / length for x, y in a]
        on_b = [(x * nx + y * ny) / length for x, y in b]
        best = max(best, min(on_b) - max(on_a), min(on_a) - max(on_b))
    return best


def _separated(hulls: dict[int, list[Point]]) -> dict[int, list[Point]]:
    """Shrink outlines that come closer than OUTLINE_GAP towards their own centres."""
    shapes = dict(hulls)
    for _ in range(MAX_SHRINKS):
        crowded = {
            gid
            for i, (gid, shape) in enumerate(shapes.items())
            for other_id, other in list(shapes.items())[i + 1 :]
            if _gap(shape, other) < OUTLINE_GAP
            for gid in (gid, other_id)
        }
        if not crowded:
            break
        for gid in crowded:
            cx, cy = _centre(shapes[gid])
            shapes[gid] = [
                (round(cx + (x - cx) * SHRINK, 1), round(cy + (y - cy) * SHRINK, 1))
                for x, y in shapes[gid]
            ]
    return shapes


def _clear_of(centre: Point, dot: Point | None) -> Point | None:
    """The letter's place: the centre, or LABEL_CLEARANCE away from the reader's dot."""
    if dot is None:
        return None
    dx, dy = centre[0] - dot[0], centre[1] - dot[1]
    distance = math.hypot(dx, dy)
    if distance >= LABEL_CLEARANCE:
        return None
    if distance == 0:
        dx, dy, distance = 0.0, 1.0, 1.0
    return (
        round(dot[0] + dx / distance * LABEL_CLEARANCE, 1),
        round(dot[1] + dy / distance * LABEL_CLEARANCE, 1),
    )


def _reader_label_y(dot: Point | None, outlines: list[GroupOutline]) -> float | None:
    """ "You" above the dot, or below it when a group letter sits just above."""
    if dot is None:
        return None
    above = dot[1] - 12
    crowded = any(
        abs(o.label_position[0] - dot[0]) < LABEL_CLEARANCE
        and abs(o.label_position[1] - above) < 14
        for o in outlines
    )
    return round(dot[1] + 20 if crowded else above, 1)


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
