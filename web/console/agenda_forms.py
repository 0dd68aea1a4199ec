"""Forms of the agenda pages. They check the shape of what was typed; the services check the
rules (lengths, allowed status moves), so a refusal reads the same everywhere."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from web.api.converters import MAX_TID

GOVERNMENT_LEVELS = [
    SelectChoice("", _l("Not set")),
    SelectChoice("municipal", _l("Municipal")),
    SelectChoice("state", _l("State")),
    SelectChoice("federal", _l("Federal")),
    SelectChoice("other", _l("Other")),
]
# The level as people read it, in the page's language (never the stored value "state").
LEVEL_LABELS = {choice.value: choice.label for choice in GOVERNMENT_LEVELS if choice.value}
STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "agreed": _l("Agreed"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "evaluated": _l("Evaluated"),
}

# Why a statement is not among the candidates (services.HeldBackReason values).
HELD_BACK_LABELS = {
    "awaiting_moderation": _l("Waiting for moderation"),
    "meta": _l("Meta statement: about the conversation, not a commitment"),
    "too_few_votes": _l("Too few votes in group %(group)s"),
    "not_in_result": _l("Not in the results yet"),
}


class PromoteForm(FlaskForm):
    # A statement id fits the database's integer column; beyond it the query itself fails.
    tid = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=MAX_TID)])
    # "suggested" (the statement's topics decide), "" (none) or a subcommittee's id; the
    # service checks the id belongs to the conversation.
    subcommittee = StringField(_l("Subcommittee"), validators=[Length(max=20)])

    def subcommittee_id(self) -> str | None:
        return self.subcommittee.data if self.subcommittee.data is not None else "suggested"


class AgendaItemForm(FlaskForm):
    subcommittee = StringField(_l("Subcommittee"), validators=[Length(max=20)])  # an id or ""
    responsible_body = StringField(_l("Responsible body"), validators=[Length(max=300)])
    government_level = SelectField(_l("Government level"), choices=GOVERNMENT_LEVELS)
    due_date = DateField(_l("Due date"), validators=[Optional()])

    def changes(self) -> dict:
        return {
            "subcommittee_id": self.subcommittee.data or None,
            "responsible_body": self.responsible_body.data or "",
            "government_level": self.government_level.data or None,
            "due_date": self.due_date.data,
        }


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Why (kept in the audit log)"), validators=[Length(max=1000)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Why it is withdrawn (kept in the audit log)"),
        validators=[DataRequired(), Length(max=10_000)],
    )


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=10_000)])
    noted_on = DateField(_l("Note date"), validators=[Optional()])


class RoundForm(FlaskForm):
    label = StringField(
        _l("Name of the round"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("e.g. six months on"),
    )


class SnapshotForm(FlaskForm):
    label = StringField(_l("Label"), validators=[Length(max=200)])
