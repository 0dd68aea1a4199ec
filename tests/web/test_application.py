"""Mesa's application class (web.application)."""

from __future__ import annotations

import flask.app
import pytest

from web.application import MesaFlask


def test_the_app_asks_once_per_callable_whether_it_is_a_coroutine(app, monkeypatch):
    assert isinstance(app, MesaFlask)
    asked = []
    original = flask.app.iscoroutinefunction
    monkeypatch.setattr(
        flask.app, "iscoroutinefunction", lambda func: asked.append(func) or original(func)
    )

    def hook():
        return "ran"

    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook)() == "ran"
    assert asked == [hook]


def test_an_async_view_is_still_handed_to_flask(app):
    async def view():
        return "ran"

    # Flask runs it through asgiref, which Mesa does not install, and says so.
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(view)
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(view)  # asked again, not remembered as a plain function
