"""Bringing people in: the participant link and its QR code, the embed snippet and the secret
the embedding site signs xids with, invite codes per sector with a printable sheet, and the
external-id allow-list. Letting data out: opening the
conversation's data to Polis tools and creating the report ids they read it by."""

from __future__ import annotations

import io
import re

import segno
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from deliberation import services
from deliberation.errors import Invalid, NotFound
from deliberation.models import Role
from deliberation.polis_io import REPORT_CSV_FILES
from web.console.pages import embed_link, facilitator_id, participant_link, public_url
from web.console.refusals import refusal_text

C = "/c/<conversation:conversation_id>"
_INVITE_CODE = re.compile(r"^[a-z0-9]{1,32}$")


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"{C}/share", view_func=share)
    bp.add_url_rule(f"{C}/share/data", view_func=publish_data, methods=["POST"])
    bp.add_url_rule(
        f"{C}/share/embedding-secret", view_func=rotate_embedding_secret, methods=["POST"]
    )
    bp.add_url_rule(f"{C}/qr.svg", view_func=qr_code)
    bp.add_url_rule(f"{C}/invites", view_func=invites, methods=["GET", "POST"])
    bp.add_url_rule(f"{C}/invites/sheet", view_func=invite_sheet)


def share(conversation_id: str):
    conversation, role = services.conversation_for(facilitator_id(), conversation_id)
    owner = role is Role.OWNER
    codes = services.invite_codes(facilitator_id(), conversation_id) if owner else []
    return render_template(
        "console/share.html",
        conversation=conversation,
        role=role,
        link=participant_link(conversation_id),
        embed=embed_link(conversation_id),
        embed_secret=services.embedding_secret(facilitator_id(), conversation_id)
        if owner
        else None,
        invites=[(code, participant_link(conversation_id, code.code)) for code in codes],
        polis_url=public_url(""),
        reports=[
            (report, public_url(f"/api/v3/reportExport/{report.report_id}/"))
            for report in services.report_ids(facilitator_id(), conversation_id)
        ],
        report_files=REPORT_CSV_FILES,
    )


def publish_data(conversation_id: str):
    """Open or close the conversation's data to Polis tools, or create a report id (owners)."""
    services.conversation_for(facilitator_id(), conversation_id, services.OWNER_ONLY)
    action = request.form.get("action")
    if action in ("open-data", "close-data"):
        services.set_data_open(facilitator_id(), conversation_id, action == "open-data")
        opened = action == "open-data"
        flash(gettext("Data opened to Polis tools.") if opened else gettext("Data closed."), "info")
    elif action == "create-report":
        report = services.create_report_id(facilitator_id(), conversation_id)
        flash(gettext("Report id %(id)s created.", id=report.report_id), "info")
    else:
        flash(gettext("Unknown action."), "error")
    return redirect(url_for("console.share", conversation_id=conversation_id) + "#open-data")


def rotate_embedding_secret(conversation_id: str):
    """A new embedding secret (owners): the site must sign with it from now on."""
    services.rotate_embedding_secret(facilitator_id(), conversation_id)
    flash(gettext("New embedding secret: give it to the embedding site's developer."), "info")
    return redirect(url_for("console.share", conversation_id=conversation_id) + "#embedding")


def qr_code(conversation_id: str):
    """The participant link (with `?invite=` when asked) as an SVG QR code, to print or project.

    Medium error correction survives a smudged print or a projector's glare.
    """
    services.conversation_for(facilitator_id(), conversation_id)
    invite = request.args.get("invite")
    if invite is not None and not _INVITE_CODE.match(invite):
        abort(404)
    svg = io.BytesIO()
    segno.make(participant_link(conversation_id, invite), error="m").save(
        svg, kind="svg", border=2, omitsize=True, xmldecl=False, dark="#000", light="#fff"
    )
    return Response(svg.getvalue(), mimetype="image/svg+xml")


def invites(conversation_id: str):
    conversation, role = services.conversation_for(
        facilitator_id(), conversation_id, services.OWNER_ONLY
    )
    if request.method == "POST":
        _change_access(conversation_id, conversation.stakeholder_sectors or [])
        return redirect(url_for("console.invites", conversation_id=conversation_id))
    return render_template(
        "console/invites.html",
        conversation=conversation,
        role=role,
        invites=services.invite_codes(facilitator_id(), conversation_id),
        xids=services.allowed_xids(facilitator_id(), conversation_id),
    )


def _change_access(conversation_id: str, sectors: list[str]) -> None:
    action = request.form.get("action")
    try:
        if action == "per-sector":
            for sector in sectors:
                services.create_invite_code(facilitator_id(), conversation_id, sector=sector)
            created = gettext("Created %(num)s invite codes, one per sector.", num=len(sectors))
            flash(created, "info")
        elif action == "one":
            sector = request.form.get("sector") or None
            services.create_invite_code(facilitator_id(), conversation_id, sector=sector)
            flash(gettext("Invite code created."), "info")
        elif action == "allow-xids":
            xids = [x for x in request.form.get("xids", "").splitlines() if x.strip()]
            added = services.allow_xids(facilitator_id(), conversation_id, xids)
            flash(gettext("%(num)s external ids added to the allow-list.", num=added), "info")
        elif action == "disallow-xid":
            services.disallow_xid(facilitator_id(), conversation_id, request.form.get("xid", ""))
            flash(gettext("External id removed from the allow-list."), "info")
        else:
            flash(gettext("Unknown action."), "error")
    except (Invalid, NotFound) as refusal:
        flash(gettext("Not changed: %(reason)s.", reason=refusal_text(refusal)), "error")


def invite_sheet(conversation_id: str):
    """One card per invite code, with its sector, link and QR code, laid out for printing."""
    conversation, role = services.conversation_for(
        facilitator_id(), conversation_id, services.OWNER_ONLY
    )
    codes = services.invite_codes(facilitator_id(), conversation_id)
    return render_template(
        "console/invite_sheet.html",
        conversation=conversation,
        role=role,
        invites=[(code, participant_link(conversation_id, code.code)) for code in codes],
    )
