"""Input of the hottest route, checked by its documented schema only when it needs to be.

Every vote's body and query string went through webargs and marshmallow: 7% of a vote's CPU
in the app (`loadtest.vote_profile`), to load three numbers and a short string. `hot_input`
documents the route exactly as `bp.input` does, so the schema stays the contract in the
OpenAPI document, and gives the view what a plain check (a function of the raw input) says
the schema would load, unchanged. Whatever the plain check does not vouch for (None) goes
through the schema as before, so a bad request gets the schema's 400 with its per-field
messages. tests/web/test_hot_input.py holds each plain check to its schema on generated input:
every input it vouches for, the schema loads to the same value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.schema_adapters.marshmallow import parser

PlainCheck = Callable[[Any], dict | None]


def hot_input(
    blueprint: APIBlueprint,
    schema: Schema,
    plain: PlainCheck,
    *,
    arg_name: str,
    location: str = "json",
):
    """`blueprint.input(schema, location=..., arg_name=...)`, with `plain` tried first."""

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            loaded = plain(kwargs[arg_name])
            if loaded is None:
                loaded = parser.parse(schema, location=location)
            kwargs[arg_name] = loaded
            return view(*args, **kwargs)

        return blueprint.input(schema, location=location, arg_name=arg_name, validation=False)(
            checked
        )

    return decorator
