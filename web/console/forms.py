"""The console's forms. They check the shape of what was typed; the services check the rules
(lengths, language tags, sectors), so a refusal reads the same from the console and the API."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from deliberation.models import AccessMode, Conversation
from web.local_times import zone_names

ACCESS_MODES = [
    SelectChoice(AccessMode.LINK.value, _l("Anyone with the link or QR code")),
    SelectChoice(AccessMode.INVITE.value, _l("Only with an invite code (one per sector, say)")),
    SelectChoice(
        AccessMode.XID.value, _l("Only allow-listed external ids (a site that embeds Mesa)")
    ),
]
DEFAULT_LANGUAGES = "es, en"


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField(
        _l("New password again"), validators=[EqualTo("new", message=_l("the two do not match"))]
    )


class ConversationForm(FlaskForm):
    """Every setting `create_conversation` and `update_conversation` accept, but archiving
    (which has its own page, with the export offered first)."""

    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    languages = StringField(
        _l("Languages"),
        default=DEFAULT_LANGUAGES,
        description=_l("Language tags, separated by commas; the first is the statements' own."),
    )
    stakeholder_sectors = TextAreaField(
        _l("Stakeholder sectors"),
        description=_l("One per line, e.g. business, human rights, municipal government."),
    )
    subcommittee = StringField(_l("Subcommittee"), validators=[Length(max=200)])
    access_mode = SelectField(_l("Who may take part"), choices=ACCESS_MODES, default="link")
    is_open = BooleanField(_l("Open: participants may vote and add statements"), default=True)
    participants_can_add = BooleanField(_l("Participants may add statements"), default=True)
    strict_moderation = BooleanField(
        _l("Strict moderation: new statements are shown only once accepted")
    )
    statement_max_length = IntegerField(
        _l("Longest statement (characters)"), default=280, validators=[InputRequired()]
    )
    is_data_open = BooleanField(_l("Open data: the votes may be published (anonymised)"))
    retention_days = IntegerField(
        _l("Keep participation for (days)"),
        validators=[Optional(), NumberRange(min=1, max=36_500)],
        description=_l(
            "Blank: as long as the conversation exists. Older participation is "
            "deleted by `flask --app web purge-expired` (SECURITY.md)."
        ),
    )
    time_zone = SelectField(
        _l("Time zone"),
        default="UTC",
        description=_l(
            "Where the table meets: the console, the report and its exports show "
            "times on this clock."
        ),
        render_kw={"data-browser-zone": ""},
    )
    attribution = TextAreaField(
        _l("Data attribution"),
        description=_l("Credit required by imported data (CC BY), shown beside results."),
    )
    math_seed = IntegerField(
        _l("Math seed"),
        validators=[Optional()],
        description=_l("Fixes the random steps of the math; blank draws one at creation."),
    )
    reason = StringField(_l("Why (kept in the audit log)"), validators=[Length(max=1000)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = list(zone_names())

    def settings(self) -> dict[str, Any]:
        """The form as the services' settings."""
        settings = {
            "topic": self.topic.data,
            "description": self.description.data or "",
            "languages": _items(self.languages.data, r"[,\s]+"),
            "stakeholder_sectors": _items(self.stakeholder_sectors.data, r"[\r\n]+"),
            "subcommittee": self.subcommittee.data or None,
            "access_mode": self.access_mode.data,
            "is_open": self.is_open.data,
            "participants_can_add": self.participants_can_add.data,
            "strict_moderation": self.strict_moderation.data,
            "statement_max_length": self.statement_max_length.data,
            "is_data_open": self.is_data_open.data,
            "retention_days": self.retention_days.data,
            "time_zone": self.time_zone.data,
            "attribution": self.attribution.data or None,
        }
        if self.math_seed.data is not None:
            settings["math_seed"] = self.math_seed.data
        return settings

    def fill_from(self, conversation: Conversation) -> None:
        self.topic.data = conversation.topic
        self.description.data = conversation.description
        self.languages.data = ", ".join(conversation.languages or [])
        self.stakeholder_sectors.data = "\n".join(conversation.stakeholder_sectors or [])
        self.subcommittee.data = conversation.subcommittee or ""
        self.access_mode.data = conversation.access_mode.value
        self.is_open.data = conversation.is_open
        self.participants_can_add.data = conversation.participants_can_add
        self.strict_moderation.data = conversation.strict_moderation
        self.statement_max_length.data = conversation.statement_max_length
        self.is_data_open.data = conversation.is_data_open
        self.retention_days.data = conversation.retention_days
        self.time_zone.data = conversation.time_zone
        self.attribution.data = conversation.attribution or ""
        self.math_seed.data = conversation.math_seed


def _items(text: str | None, separator: str) -> list[str]:
    return [item.strip() for item in re.split(separator, text or "") if item.strip()]


class SeedForm(FlaskForm):
    statements = TextAreaField(
        _l("Seed statements, one per line"), validators=[DataRequired(), Length(max=1_000_000)]
    )
    language = SelectField(_l("Written in"), choices=[])


class SeedUploadForm(FlaskForm):
    file = FileField(_l("CSV file with a comment_text column"), validators=[FileRequired()])
    language = SelectField(_l("Written in"), choices=[])


class TranslationForm(FlaskForm):
    language = HiddenField(validators=[DataRequired()])
    text = TextAreaField(_l("Translation"), validators=[DataRequired(), Length(max=10_000)])


class ConversationTextsForm(FlaskForm):
    """The conversation's texts in one more language (web.console.conversation_texts), its
    fields prefixed with the language so that each language's form has its own ids."""

    topic = StringField(_l("Topic"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    sector_names = TextAreaField(
        _l("Sector names"),
        description=_l("One per line, in the order of the sectors; a blank line keeps the name."),
    )
