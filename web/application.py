"""Mesa's Flask application class."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from apiflask import APIFlask

# More distinct callables than an app has hooks and views: something makes new ones per
# request, and remembering them would only grow.
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
        self._synchronous: dict[Callable, Callable] = {}
        self._synchronous_lock = threading.Lock()

    def ensure_sync(self, func: Callable) -> Callable:
        try:
            return self._synchronous[func]
        except (KeyError, TypeError):  # TypeError: an unhashable callable
            pass
        runnable = super().ensure_sync(func)
        with self._synchronous_lock:
            if len(self._synchronous) < _REMEMBERED_AT_MOST:
                try:
                    self._synchronous[func] = runnable
                except TypeError:
                    pass
        return runnable
