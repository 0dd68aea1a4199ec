"""The report's charts as inline SVG, drawn on the server.

Server-side SVG rather than the console's plotly.js: a printed page and a PDF run no script,
and a file of plain shapes prints the same in every browser and in headless Chromium. Each chart
has a <title> and text labels, and reads in black and white: groups are told apart by letter
and marker shape as well as colour, shares by length and printed percentage.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from deliberation.report.model import MapPoints, Share, TimeBucket
from web.figures import percent, percent_number
from web.group_names import group_label
from web.local_times import clock

# Okabe-Ito, as the console's map: told apart by people with colour-blindness.
GROUP_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f")
UNGROUPED_COLOUR = "#9aa1ad"
LABEL_WIDTH = 200  # px: about LABEL_CHARACTERS characters of a sector's name
LABEL_CHARACTERS = 30


def _colour(group_id: int) -> str:
    return GROUP_COLOURS[group_id % len(GROUP_COLOURS)] if group_id >= 0 else UNGROUPED_COLOUR


def share_bars(shares: tuple[Share, ...], title: str) -> Markup:
    """One horizontal bar per group or sector: the agree share, its 90% interval as a line
    with end ticks, and the figures written beside it ("78% [67–84%] · n=50"). Every chart has
    the same label column, so the bars of groups and sectors line up one under another. A name
    too long for the column (most sector names: "organización de la sociedad civil") wraps onto
    a second line rather than being cut: a plenary must read whose bar it is."""
    if not shares:
        return Markup("")
    row, line, label_w, bar_w, text_w = 18, 11, LABEL_WIDTH, 240, 150
    labels = [_wrapped(share.label, LABEL_CHARACTERS) for share in shares]
    heights = [row + line * (len(lines) - 1) for lines in labels]
    width, height = label_w + bar_w + text_w, sum(heights) + 4
    parts = [
        f'<svg class="chart share-bars" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    y = 2
    for share, lines, row_h in zip(shares, labels, heights, strict=True):
        length = round(bar_w * share.agree_share, 1)
        figures = percent(share.agree_share)
        if share.interval:
            low, high = share.interval
            figures += f" [{percent_number(low)}–{percent(high)}]"
        figures += f" · n={share.n}"
        bar_y = y + (row_h - row) // 2  # the bar beside the middle of a wrapped name
        spans = "".join(
            f'<tspan x="{label_w - 6}" y="{y + 12 + i * line}">{escape(text)}</tspan>'
            for i, text in enumerate(lines)
        )
        parts += [
            f'<text text-anchor="end" class="label">{spans}</text>',
            f'<rect x="{label_w}" y="{bar_y + 3}" width="{bar_w}" height="10" class="track"/>',
            f'<rect x="{label_w}" y="{bar_y + 3}" width="{length}" height="10" class="agree"/>',
        ]
        if share.interval:
            x1, x2 = (round(label_w + bar_w * v, 1) for v in share.interval)
            top_y, mid_y, low_y = bar_y + 3, bar_y + 8, bar_y + 13
            whisker = f"M{x1} {mid_y}H{x2}M{x1} {top_y}V{low_y}M{x2} {top_y}V{low_y}"
            # A white halo under the black line keeps it visible over the bar, even in grey.
            parts.append(f'<path d="{whisker}" class="halo"/>')
            parts.append(f'<path d="{whisker}" class="interval"/>')
        parts.append(
            f'<text x="{label_w + bar_w + 6}" y="{bar_y + 12}" class="figure">'
            f"{escape(figures)}</text>"
        )
        y += row_h
    parts.append(f'<path d="M{label_w + bar_w / 2} 0V{height}" class="half"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _wrapped(text: str, width: int, max_lines: int = 3) -> list[str]:
    """`text` in lines of at most `width` characters, broken between words; a word longer than
    a line is cut, and only past `max_lines` is anything left out (with an ellipsis)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(_short(word, width))
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [_short(" ".join(lines[max_lines - 1 :]), width)]
    return lines or [""]


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# Marker shapes by group, so that groups stay apart in black and white.
def _marker(group_id: int, x: float, y: float, r: float) -> str:
    shape = group_id % 4 if group_id >= 0 else -1
    if shape == 0:
        return f'<circle cx="{x}" cy="{y}" r="{r}"/>'
    if shape == 1:
        return f'<rect x="{x - r}" y="{y - r}" width="{2 * r}" height="{2 * r}"/>'
    if shape == 2:
        return f'<path d="M{x} {y - r * 1.2}L{x + r * 1.1} {y + r}H{x - r * 1.1}Z"/>'
    if shape == 3:
        return (
            f'<path d="M{x} {y - r * 1.3}L{x + r * 1.3} {y}L{x} {y + r * 1.3}L{x - r * 1.3} {y}Z"/>'
        )
    return f'<circle cx="{x}" cy="{y}" r="{r * 0.7}"/>'


def opinion_map(points: MapPoints, title: str) -> Markup:
    """Participants as points, by group: outline, marker shape and colour, with each group's
    letter at its centre. Position only means "votes alike" (PCA of the votes)."""
    size, pad = 420, 14
    inner = size - 2 * pad

    def px(v: float) -> float:
        return round(pad + inner * v, 1)

    def py(v: float) -> float:
        return round(pad + inner * (1 - v), 1)

    parts = [
        f'<svg class="chart opinion-map" viewBox="0 0 {size} {size}" width="{size}" '
        f'height="{size}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0.5" y="0.5" width="{size - 1}" height="{size - 1}" class="frame"/>',
    ]
    for group_id, hull in points.hulls:
        if len(hull) >= 3:
            corners = " ".join(f"{px(x)},{py(y)}" for x, y in hull)
            parts.append(f'<polygon points="{corners}" class="hull" stroke="{_colour(group_id)}"/>')
    by_group: dict[int, list[str]] = {}
    radius = 2.6 if len(points.x) <= 600 else 1.8
    for x, y, group_id in zip(points.x, points.y, points.group, strict=True):
        by_group.setdefault(group_id, []).append(_marker(group_id, px(x), py(y), radius))
    for group_id, markers in sorted(by_group.items()):
        parts.append(f'<g class="points" fill="{_colour(group_id)}">{"".join(markers)}</g>')
    for group_id, hull in points.hulls:
        if hull:
            cx = sum(x for x, _ in hull) / len(hull)
            cy = sum(y for _, y in hull) / len(hull)
            parts.append(
                f'<text x="{px(cx)}" y="{py(cy) + 7}" text-anchor="middle" class="group-letter">'
                f"{group_label(group_id)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def participation_over_time(
    timeline: tuple[TimeBucket, ...],
    bucket_ms: int,
    title: str,
    votes_word: str,
    people_word: str,
    time_zone: str = "UTC",
) -> Markup:
    """Votes cast per interval as bars, and participants who had joined so far as a line, on
    one time axis (the conversation's clock), each with its own scale written at its end."""
    if not timeline:
        return Markup("")
    # The right margin fits the people scale's word ("personas"): ~7 px a character at 11 px.
    width, height, left, top, bottom = 640, 200, 44, 12, 30
    right = max(52, 10 + 7 * len(people_word))
    plot_w, plot_h = width - left - right, height - top - bottom
    most_votes = max(b.votes for b in timeline) or 1
    cumulative, total = [], 0
    for bucket in timeline:
        total += bucket.joined
        cumulative.append(total)
    most_people = max(cumulative) or 1
    step = plot_w / len(timeline)
    parts = [
        f'<svg class="chart timeline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<path d="M{left} {top}V{top + plot_h}H{left + plot_w}V{top}" class="axis"/>',
    ]
    for i, bucket in enumerate(timeline):
        bar_h = round(plot_h * bucket.votes / most_votes, 1)
        parts.append(
            f'<rect x="{round(left + i * step + 1, 1)}" y="{round(top + plot_h - bar_h, 1)}" '
            f'width="{round(max(step - 2, 1), 1)}" height="{bar_h}" class="votes"/>'
        )
    line = " ".join(
        f"{round(left + (i + 0.5) * step, 1)},{round(top + plot_h * (1 - n / most_people), 1)}"
        for i, n in enumerate(cumulative)
    )
    parts.append(f'<polyline points="{line}" class="people"/>')
    parts += [
        f'<text x="{left - 4}" y="{top + 9}" text-anchor="end" class="figure">{most_votes}</text>',
        f'<text x="{left - 4}" y="{top + 24}" text-anchor="end" class="figure">'
        f"{escape(votes_word)}</text>",
        f'<text x="{left + plot_w + 4}" y="{top + 9}" class="figure">{most_people}</text>',
        f'<text x="{left + plot_w + 4}" y="{top + 24}" class="figure">{escape(people_word)}</text>',
    ]
    ticks = sorted({0, len(timeline) // 2, len(timeline) - 1})
    for i in ticks:
        parts.append(
            f'<text x="{round(left + (i + 0.5) * step, 1)}" y="{height - 10}" '
            f'text-anchor="middle" class="figure">'
            f"{clock(timeline[i].start_ms, time_zone, bucket_ms)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
