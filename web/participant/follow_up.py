"""The follow-up round on the participant pages: while a round is open, the pages offer it, and
/c/<conversation>/follow-up asks each agenda statement again with "was it carried out well?".

Adds its routes and a context value to the participant blueprint (web.participant.views), so
the pages there need only include participant/_follow_up_offer.html.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request
from flask_babel import lazy_gettext as _l

from deliberation import services
from deliberation.errors import DeliberationError
from web.participant.identity import check_form_token, current_reader
from web.participant.pages import page_url
from web.participant.views import CONVERSATION, VOTES, bp

CARRIED_OUT = (
    ("yes", _l("Yes")),
    ("partly", _l("Partly")),
    ("no", _l("No")),
    ("dont_know", _l("Don't know")),
)
REFUSALS = {
    "round_closed": _l("This follow-up round is closed."),
    "follow_up_not_participant": _l(
        "This round is for those who took part in the conversation before it opened."
    ),
    "follow_up_empty": _l("Answer at least one statement."),
}


@bp.context_processor
def follow_up_offer() -> dict:
    """`follow_up`: the open round's questions for this reader, or None (for the offer)."""
    conversation_id = (request.view_args or {}).get("conversation_id")
    # Only the conversation's own page offers it (voting, or the closed summary).
    if not conversation_id or not (request.endpoint or "").endswith(".conversation_page"):
        return {"follow_up": None}
    reader = current_reader(conversation_id)
    if reader is None:
        return {"follow_up": None}
    try:
        return {"follow_up": services.follow_up_questions(conversation_id, reader.pid)}
    except DeliberationError:
        return {"follow_up": None}


@bp.route(CONVERSATION + "/follow-up", methods=["GET", "POST"])
def follow_up_page(conversation_id: str):
    conversation = services.get_conversation(conversation_id)
    reader = current_reader(conversation_id)
    if reader is None:
        abort(403, description="join_first")
    error = None
    if request.method == "POST":
        check_form_token(conversation_id, reader)
        answers = []
        for key, value in request.form.items():
            if not key.startswith("vote-") or value not in VOTES:
                continue
            try:
                tid = int(key.removeprefix("vote-"))
            except ValueError:
                abort(400, description="vote_invalid")
            answers.append((tid, VOTES[value], request.form.get(f"carried-{tid}") or None))
        try:
            services.answer_follow_up(conversation_id, reader.pid, answers)
        except DeliberationError as refusal:
            error = REFUSALS.get(refusal.code, str(refusal))
        else:
            return redirect(page_url("follow_up_page", saved=1))
    questions = services.follow_up_questions(conversation_id, reader.pid)
    return render_template(
        "participant/follow_up.html",
        conversation=conversation,
        questions=questions,
        carried_out=CARRIED_OUT,
        saved=request.args.get("saved") == "1",
        error=error,
    ), (400 if error else 200)
