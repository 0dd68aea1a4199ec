"""The OpenAPI document: generated from the views, it lists every route with its auth and errors."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import API

PUBLIC_OPERATIONS = {
    ("post", "/api/v1/session"),
    ("get", "/api/v1/conversations/{conversation_id}"),
    ("get", "/api/v1/conversations/{conversation_id}/statements"),
    ("get", "/api/v1/conversations/{conversation_id}/results"),
}
OPTIONALLY_AUTHENTICATED = {("post", "/api/v1/conversations/{conversation_id}/participants")}


@pytest.fixture
def document(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def api_routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every API route the app serves."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint == "openapi.spec":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def operations(document) -> dict[tuple[str, str], dict]:
    return {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_the_document_is_valid_openapi_3(document):
    assert document["openapi"].startswith("3.")
    try:
        from openapi_spec_validator import validate
    except ImportError:  # not a dependency; CI checks the shape below instead
        return
    validate(document)


def test_every_route_is_described_with_its_auth_and_errors(app, document):
    described = operations(document)
    assert set(described) == api_routes(app)
    assert len(described) >= 19
    for (method, path), operation in described.items():
        responses = operation["responses"]
        assert operation.get("summary"), (method, path)
        assert any(status.startswith("2") for status in responses), (method, path)
        assert "429" in responses
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"]["$ref"]
        security = operation.get("security")
        if (method, path) in PUBLIC_OPERATIONS:
            assert not security, (method, path)
        elif (method, path) in OPTIONALLY_AUTHENTICATED:
            assert {} in security
        else:
            assert security, (method, path)
            assert {"401", "403"} <= set(responses), (method, path)


def test_cookie_writes_document_the_csrf_header(document):
    vote = document["paths"]["/api/v1/conversations/{conversation_id}/votes"]["post"]
    assert {"participantToken": []} in vote["security"]
    assert any(p["name"] == "X-CSRF-Token" and p["in"] == "header" for p in vote["parameters"])
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {
        "participantToken",
        "participantCookie",
        "facilitatorToken",
        "facilitatorSession",
    }
    tid = next(
        p
        for p in document["paths"][
            "/api/v1/conversations/{conversation_id}/statements/{tid}/moderation"
        ]["put"]["parameters"]
        if p["name"] == "tid"
    )
    assert tid["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
