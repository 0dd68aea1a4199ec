"""Watching a session live: the opinion map, the consensus lists, the projector view.

The pages poll `live.json` (a few hundred bytes: the newest result's version and the counters)
every two seconds; when the version moves they fetch the map payload and re-fetch the HTML
fragments below, so a new result shows within about 2 s of being stored, without a reload.
Lists and bars are rendered here, in Jinja, and nowhere else: the scripts only swap fragments.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, g, jsonify, render_template, request
from flask_babel import gettext as _

from deliberation import services
from deliberation.report import opinion_map_points
from deliberation.services import LiveStamp
from web.console.pages import facilitator_id, participant_link
from web.console.topic_filter import findings_of_topic, requested_topic
from web.i18n import current_language
from web.report import charts

C = "/c/<conversation:conversation_id>"
POLL_SECONDS = 2


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"{C}/map", view_func=map_page)
    bp.add_url_rule(f"{C}/consensus", view_func=consensus_page)
    bp.add_url_rule(f"{C}/projector", view_func=projector_page)
    bp.add_url_rule(f"{C}/live.json", view_func=live_json)
    bp.add_url_rule(f"{C}/map.json", view_func=map_json)
    bp.add_url_rule(f"{C}/map.svg", view_func=map_svg)
    bp.add_url_rule(f"{C}/map/statements/<tid:tid>.json", view_func=statement_map_json)
    bp.add_url_rule(f"{C}/findings.json", view_func=findings_json)
    bp.add_url_rule(f"{C}/fragments/counts", view_func=counts_fragment)
    bp.add_url_rule(f"{C}/fragments/findings", view_func=findings_fragment)
    bp.add_url_rule(f"{C}/fragments/groups/<int:group_id>", view_func=group_fragment)
    bp.add_url_rule(f"{C}/fragments/spotlight", view_func=spotlight_fragment)


def _page(template: str, conversation_id: str, **context):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    return render_template(
        template,
        conversation=conversation,
        role=role,
        poll_seconds=POLL_SECONDS,
        link=participant_link(conversation_id),
        **context,
    )


def map_page(conversation_id: str):
    """The live map; `?topic=` keeps the statement lists beside it to one topic's."""
    chosen = requested_topic(facilitator_id(), conversation_id)
    return _page(
        "console/map.html",
        conversation_id,
        counts=services.participation(facilitator_id(), conversation_id),
        findings=findings_of_topic(
            services.result_findings(facilitator_id(), conversation_id, current_language()),
            chosen.chosen,
        ),
        topic_state=chosen,
        topics=chosen.choices,
        topic=chosen.chosen,
    )


def consensus_page(conversation_id: str):
    return _page(
        "console/consensus.html",
        conversation_id,
        findings=services.result_findings(facilitator_id(), conversation_id, current_language()),
    )


def projector_page(conversation_id: str):
    return _page(
        "console/projector.html",
        conversation_id,
        counts=services.participation(facilitator_id(), conversation_id),
    )


def map_svg(conversation_id: str):
    """The report's still map, for the map page without JavaScript (its <noscript> shows it)."""
    points = opinion_map_points(facilitator_id(), conversation_id)
    if points is None or not points.x:
        abort(404)
    svg = str(charts.opinion_map(points, _("Opinion map")))
    # A file on its own has no report.css: its rules go on the shapes themselves.
    for rule, attributes in STILL_MAP_STYLE.items():
        svg = svg.replace(f'class="{rule}"', f'class="{rule}" {attributes}')
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return Response('<?xml version="1.0" encoding="utf-8"?>' + svg, mimetype="image/svg+xml")


# report.css's rules for the map (svg.chart ...), as presentation attributes.
STILL_MAP_STYLE = {
    "frame": 'fill="none" stroke="#d5dae3"',
    "hull": 'fill="none" stroke-width="1.4" stroke-dasharray="5 3"',
    "points": 'stroke="#1d2330" stroke-width=".35" fill-opacity=".85"',
    "group-letter": 'font-size="22" font-weight="700" font-family="sans-serif" fill="#000" '
    'stroke="#fff" stroke-width="3" paint-order="stroke"',
}


def live_json(conversation_id: str):
    """What the pages poll: has a new result been stored? (and the pid and tid counters)."""
    return jsonify(_stamp_json(services.live_stamp(facilitator_id(), conversation_id)))


def _stamp_json(stamp: LiveStamp) -> dict:
    def described(math):
        if math is None:
            return None
        return {"version": math.version, "kind": math.kind.value, "computed_ms": math.created_ms}

    return {
        "latest": described(stamp.latest),
        "latest_slow": described(stamp.latest_slow),
        "participants": stamp.participants,
        "statements": stamp.statements,
    }


def map_json(conversation_id: str):
    """The map payload (see deliberation.services.opinion_map): compact even for 100k points."""
    projection = request.args.get("projection", "pca")
    body = services.opinion_map(facilitator_id(), conversation_id, projection)
    return Response(json.dumps(body, separators=(",", ":")), mimetype="application/json")


def statement_map_json(conversation_id: str, tid: int):
    projection = request.args.get("projection", "pca")
    return jsonify(services.statement_on_map(facilitator_id(), conversation_id, tid, projection))


def findings_json(conversation_id: str):
    findings = services.result_findings(facilitator_id(), conversation_id, current_language())
    if findings is None:
        return jsonify(error="no results computed yet", code="results_not_computed"), 404
    return jsonify(findings)


def counts_fragment(conversation_id: str):
    return render_template(
        "console/_counts.html",
        conversation=g.conversation,  # read by the blueprint's before_request
        counts=services.participation(facilitator_id(), conversation_id),
        large=request.args.get("size") == "large",
    )


def findings_fragment(conversation_id: str):
    findings = services.result_findings(facilitator_id(), conversation_id, current_language())
    if request.args.get("topic"):
        findings = findings_of_topic(
            findings, requested_topic(facilitator_id(), conversation_id).chosen
        )
    return render_template(
        "console/_findings.html",
        findings=findings,
        compact=request.args.get("compact") == "1",
    )


def group_fragment(conversation_id: str, group_id: int):
    findings = services.result_findings(facilitator_id(), conversation_id, current_language())
    group = next((g for g in (findings or {}).get("groups", []) if g["id"] == group_id), None)
    if group is None:
        abort(404)
    return render_template("console/_group.html", findings=findings, group=group)


def spotlight_fragment(conversation_id: str):
    """One statement, large, with each group's votes: the chosen `tid`, else the top of
    group-informed consensus."""
    findings = services.result_findings(facilitator_id(), conversation_id, current_language())
    ranked = [entry["tid"] for entry in (findings or {}).get("group_aware_consensus", [])]
    tid = request.args.get("tid", type=int)
    if tid is None or str(tid) not in (findings or {}).get("statements", {}):
        tid = ranked[0] if ranked else None
    return render_template("console/_spotlight.html", findings=findings, tid=tid, ranked=ranked)
