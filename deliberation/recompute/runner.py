"""Where each stage's computation runs: the recompute's one seam for tests and benchmarks.

The fast stage computes in the calling thread (milliseconds, numpy releases the GIL); the slow
stage in the child process of `recompute.child` (UMAP holds the GIL for seconds), and so do the
topics (seconds of CPU at 10,000 statements, much of it Python). A test that
needs a computation to stall, overlap another or skip the child's start-up passes its own
`Runner` to `run_once` or `Worker`, or installs one on an app with `use_runner`, instead of
replacing functions inside the recompute's modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from deliberation.recompute.child import run_in_child

EXTENSION_KEY = "mesa.recompute_runner"


def run_here(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`function(*args, **kwargs)` in the calling thread."""
    return function(*args, **kwargs)


@dataclass(frozen=True)
class Runner:
    """How to call a stage's computation: `fast(function, *args, **kwargs)`,
    `slow(function, *args)` and `topics(function, *args)` (a conversation's topics,
    `deliberation.services.topics`), each returning what `function` returns. `slow`'s and
    `topics`' functions and arguments must pickle, since by default they cross into the child
    process (the same one: the slow loop calls both, one at a time)."""

    fast: Callable[..., Any] = run_here
    slow: Callable[..., Any] = run_in_child
    topics: Callable[..., Any] = run_in_child


DEFAULT_RUNNER = Runner()


def use_runner(app: Flask, runner: Runner) -> None:
    """Make `runner` the one of every recompute that `app`'s workers and passes start."""
    app.extensions[EXTENSION_KEY] = runner


def runner_of(app: Flask) -> Runner:
    """The app's runner (`use_runner`), else the default one."""
    return app.extensions.get(EXTENSION_KEY, DEFAULT_RUNNER)
