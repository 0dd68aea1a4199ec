"""The participant pages: /c/<conversation> for a phone, /embed/<conversation> for an iframe.

One blueprint, registered twice: the embed registration differs only in how it carries the
participant's credentials (web.participant.identity) and in allowing other sites to frame it.
"""

from __future__ import annotations

from flask import Flask

from web.participant import follow_up  # noqa: F401  (adds the follow-up round's pages to bp)
from web.participant.identity import EMBED_BLUEPRINT
from web.participant.views import bp


def init_participant_pages(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/c")
    app.register_blueprint(bp, url_prefix="/embed", name=EMBED_BLUEPRINT)
