"""BLAS thread limits for the slow stage's many small decompositions."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from threadpoolctl import threadpool_limits

P = ParamSpec("P")
R = TypeVar("R")


def one_blas_thread(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` with BLAS held to one thread.

    Re-clustering runs hundreds of small eigendecompositions; with a thread per core they fight
    each other and the worker's fast stage (on a busy 2-core machine one 300 x 300 `eigh` took
    1.5 s instead of 0.03 s). One thread is as fast for these sizes and leaves a core free.
    The limit is taken on each call, so it covers every BLAS library loaded by then.
    """

    @functools.wraps(function)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        with threadpool_limits(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return limited
