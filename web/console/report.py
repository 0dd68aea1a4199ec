"""The plenary report in the console: the printable page (print it from the browser), and the
same report as Markdown, CSV or JSON to download. PDF is the `report` command's (web.report)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from deliberation.report import plenary_report
from deliberation.report.exports import report_csv, report_json
from web.console.pages import facilitator_id
from web.report.markdown import report_markdown
from web.report.render import render_printable

C = "/c/<conversation:conversation_id>"
DOWNLOADS = {
    "md": ("text/markdown; charset=utf-8", report_markdown),
    "csv": ("text/csv; charset=utf-8", report_csv),
    "json": ("application/json", report_json),
}


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"{C}/report", view_func=report_page)
    # One rule per format, with no variable but the conversation, as every console route.
    for fmt in DOWNLOADS:
        bp.add_url_rule(
            f"{C}/report.{fmt}",
            endpoint=f"report_{fmt}",
            view_func=lambda conversation_id, fmt=fmt: report_download(conversation_id, fmt),
        )


def _report(conversation_id: str):
    return plenary_report(facilitator_id(), conversation_id, request.args.get("lang") or None)


def report_page(conversation_id: str):
    return render_printable(_report(conversation_id), standalone=False)


def report_download(conversation_id: str, fmt: str):
    report = _report(conversation_id)
    mimetype, render = DOWNLOADS[fmt]
    filename = f"mesa-report-{report.conversation_id}-{report.language}.{fmt}"
    return Response(
        render(report),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
