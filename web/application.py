"""Mesa's Flask application class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apiflask import APIFlask

from deliberation.remembered import Remembered

# More distinct callables than an app has hooks and views, should something make new ones per
# request.
_REMEMBERED_AT_MOST = 4096


class MesaFlask(APIFlask):
    """APIFlask (Flask plus the OpenAPI document generated from the API's views) that asks once
    per hook or view, not once per request, whether it is a coroutine function.

    Flask calls `ensure_sync` on every before- and after-request hook, teardown and view of
    every request: thirteen `inspect.iscoroutinefunction` calls for a vote, about 1.5% of its
    CPU in the app. The answer never changes for a given callable, so it is remembered; async
    views would still be wrapped as Flask wraps them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: Remembered[Callable, Callable] = Remembered(_REMEMBERED_AT_MOST)

    def ensure_sync(self, func: Callable) -> Callable:
        try:
            runnable = self._synchronous.get(func)
        except TypeError:  # an unhashable callable: asked every time, as Flask does
            return super().ensure_sync(func)
        if runnable is None:
            runnable = super().ensure_sync(func)
            self._synchronous.keep(func, runnable)
        return runnable
