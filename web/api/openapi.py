"""Finishing touches to the OpenAPI document APIFlask generates from the views.

What applies to every operation is added here once, from the document itself, rather than on
each view: the path arguments' constraints, 413 and 415 for every request body, 429 everywhere
(the per-address limit may apply to any route), and the X-CSRF-Token header on writes that a
cookie can authenticate.

It also merges the copies APIFlask makes of a schema that is both nested in another response
and a response of its own ("Statement" and "Statement1"): APIFlask 3.1 does not know the
marshmallow plugin registered the nested one, registers it again under a new name, and warns.
"""

from __future__ import annotations

import functools
import re
import warnings
from typing import Any

from web.api.auth import ERROR_DESCRIPTIONS
from web.api.converters import PARAMETER_SCHEMAS
from web.credentials import CSRF_HEADER

_COOKIE_SCHEMES = {"participantCookie", "facilitatorSession"}
_CSRF_PARAMETER = {
    "in": "header",
    "name": CSRF_HEADER,
    "required": False,
    "schema": {"type": "string"},
    "description": "Required when a cookie (not a bearer token) authenticates this write: the "
    "csrf_token from joining (participants) or logging in (facilitators).",
}
ERROR_COMPONENT = "HTTPError"


def complete_spec(spec: dict[str, Any]) -> dict[str, Any]:
    spec = _merge_copies(spec)
    for path_item in spec.get("paths", {}).values():
        for method, operation in path_item.items():
            parameters = operation.setdefault("parameters", [])
            for parameter in parameters:
                if parameter.get("in") == "path" and parameter["name"] in PARAMETER_SCHEMAS:
                    parameter["schema"] = dict(PARAMETER_SCHEMAS[parameter["name"]])
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
                for status in (413, 415):
                    responses.setdefault(str(status), _error_response(status))
            responses.setdefault("429", _error_response(429))
            if method != "get" and _cookie_authenticated(operation):
                parameters.append(dict(_CSRF_PARAMETER))
    return spec


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}
        },
    }


def _cookie_authenticated(operation: dict[str, Any]) -> bool:
    return any(_COOKIE_SCHEMES & set(option) for option in operation.get("security", []))


def _merge_copies(spec: dict[str, Any]) -> dict[str, Any]:
    """Until none is left: a copy may differ from its original only by referring to copies."""
    while True:
        schemas = spec.get("components", {}).get("schemas", {})
        renames = {}
        for name, schema in schemas.items():
            original = re.fullmatch(r"(.+?)\d+", name)
            if original and schemas.get(original[1]) == schema:
                renames[f"#/components/schemas/{name}"] = f"#/components/schemas/{original[1]}"
        if not renames:
            return spec
        for reference in renames:
            del schemas[reference.rsplit("/", 1)[1]]
        spec = _replace_references(spec, renames)


def _replace_references(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            key: renames.get(value, value) if key == "$ref" else _replace_references(value, renames)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_replace_references(item, renames) for item in node]
    return node


def without_duplicate_schema_warnings(view):
    """Wraps the document's view (SPEC_DECORATORS): the copies warned about are merged above."""

    @functools.wraps(view)
    def quiet(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Multiple schemas resolved|.*already been added")
            return view(*args, **kwargs)

    return quiet
