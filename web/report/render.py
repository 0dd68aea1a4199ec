"""Rendering a plenary report as a page: served in the console, or as a standalone file (styles
inlined, no script, no link back) that headless Chromium prints to PDF. Both come from one
template, console/report.html, in the report's language."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from deliberation.report import PlenaryReport
from web.figures import percent
from web.local_times import moment
from web.report import charts

REPORT_CSS = Path(__file__).resolve().parent.parent / "console" / "static" / "report.css"
TEMPLATE = "console/report.html"
METHODS_PATH = "/methods"

STATUS_LABELS = {
    "proposed": _l("proposed"),
    "agreed": _l("agreed"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
    "evaluated": _l("evaluated"),
}
LEVEL_LABELS = {
    "municipal": _l("municipal"),
    "state": _l("state"),
    "federal": _l("federal"),
    "other": _l("other"),
}


@cache
def _inline_css() -> str:
    return REPORT_CSS.read_text(encoding="utf-8")


def interval(bounds: tuple[float, float] | None, as_percent: bool = True) -> str:
    if bounds is None:
        return ""
    low, high = bounds
    if as_percent:
        return f"{percent(low)}–{percent(high)}"
    return f"{low:.2f} – {high:.2f}"


def report_time(report: PlenaryReport, ms: int | None) -> str:
    """A time in the report, on the conversation's clock (web.local_times)."""
    return moment(ms, report.time_zone)


def methods_url(language: str) -> str:
    """The methods page in the report's language; absolute when MESA_PUBLIC_URL is set, so a
    printed or downloaded report names a page its reader can open."""
    base = (current_app.config.get("MESA_PUBLIC_URL") or "").rstrip("/")
    return f"{base}{METHODS_PATH}?lang={language}"


def report_context(report: PlenaryReport, **extra: Any) -> dict[str, Any]:
    return {
        "report": report,
        "charts": charts,
        "percent": percent,
        "interval": interval,
        "report_time": lambda ms: report_time(report, ms),
        "status_label": lambda value: STATUS_LABELS.get(value, value),
        "level_label": lambda value: LEVEL_LABELS.get(value, value) if value else "",
        "methods_url": methods_url(report.language),
        **extra,
    }


def render_printable(report: PlenaryReport, *, standalone: bool, **extra: Any) -> str:
    """The report page. `standalone`: a file for print-to-PDF, its styles inlined (a served page
    links them: the Content-Security-Policy forbids inline styles)."""
    with force_locale(report.language):
        return render_template(
            TEMPLATE,
            **report_context(
                report,
                standalone=standalone,
                inline_css=_inline_css() if standalone else None,
                **extra,
            ),
        )
