"""How every page prints how much of a group agreed, so the same words always mean one number.

Two figures exist, and each has its own wording:

* a **share**, "79%" or "79% … (42 of 53)": the plain proportion `count / voted`, the number a
  reader gets by dividing the counts shown beside it. Bars, group cards, the majority panel,
  the projector, the participant's pages, the report and the exports all print this one.
* an **estimate**: Polis's `(count + 1) / (voted + 2)`, the share with a Beta(1, 1) prior
  that the math ranks by. It is printed only with "≈" and the word "estimated" ("groups ≈28
  points apart (estimated)", the gap in "What divides"), and /methods explains it in both
  languages.

Every percentage is rounded half up, here and only here, so a page, a chart and the report that
print the same share print the same digits (Python's and Jinja's `round` round half to even).
"""

from __future__ import annotations

import math


def percent_number(share: float) -> int:
    """A share in [0, 1] as a whole percentage, half up: 0.785 → 79."""
    return math.floor(100.0 * share + 0.5)


def percent(share: float | None) -> str:
    """ "79%", or "—" where there is no share (nobody voted)."""
    return "—" if share is None else f"{percent_number(share)}%"


def counted_share(count: int, voted: int) -> float | None:
    """The plain share: `count` of the `voted`; None when nobody voted."""
    return count / voted if voted else None


def counted_percent(count: int, voted: int) -> str:
    """The printed plain share of `count` out of `voted`: "79%"."""
    return percent(counted_share(count, voted))


def estimated_points(spread: float) -> str:
    """A gap between two groups' estimated shares, in percentage points: "≈28"."""
    return f"≈{percent_number(spread)}"


def register(app) -> None:
    """The figures as template filters and globals, for every blueprint's pages."""
    app.add_template_filter(percent, "percent")
    app.add_template_global(percent, "percent")
    app.add_template_global(percent_number, "percent_number")
    app.add_template_global(counted_percent, "counted_percent")
    app.add_template_global(estimated_points, "estimated_points")
