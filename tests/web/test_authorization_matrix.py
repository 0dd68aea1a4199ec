"""Who may call what: every route of the app, called by every kind of caller.

The routes are enumerated from `app.url_map`, so a route added later is covered without
editing this file: it is classified by its blueprint and path (the API's by the security its
OpenAPI operation declares), and a route that fits no class fails the test with a message
saying where to classify it.

Callers: anonymous; a participant of the conversation (its cookies, and X-CSRF-Token on
writes); a participant of another conversation (its bearer token); a facilitator of another
conversation; a moderator; the owner. A refusal is 401, 403, or the console's redirect to its
login page; anything else means the request was let through to the view (which may still
answer 400 or 404 for the empty body or made-up ids sent here).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient

from deliberation import services
from deliberation.models import Role
from tests.web.conftest import API, IsolatedClient
from web.credentials import csrf_cookie_name, issue_participant_token, participant_cookie_name

# Callers, in the order they are tried; the ones that end a session or a participation go last.
ANONYMOUS, PARTICIPANT, OTHER_PARTICIPANT = "anonymous", "participant", "other participant"
STRANGER, MODERATOR, OWNER = "facilitator of another conversation", "moderator", "owner"
CALLERS = (ANONYMOUS, PARTICIPANT, OTHER_PARTICIPANT, STRANGER, MODERATOR, OWNER)
FACILITATORS = {STRANGER, MODERATOR, OWNER}

# Who is let through, per class of route.
ALLOWED = {
    "public": set(CALLERS),
    "participant": {PARTICIPANT},
    "any facilitator": FACILITATORS,
    "moderator": {MODERATOR, OWNER},
    "owner": {OWNER},
    # Logging in with a wrong password: refused to everyone.
    "credentials": set(),
}
# Routes of a conversation that need more than a moderator. The services decide (OWNER_ONLY in
# deliberation.services.authorization); a new owner-only route fails for the moderator until
# it is listed here.
OWNER_ONLY = {
    "api.conversations.update_conversation",
    "console.settings",
    "console.translate_conversation",
    "console.team:POST",  # moderators see the team, owners change it
    "console.archive",
    "console.delete",
    "console.invites",
    "console.invite_sheet",
    "console.publish_data",
    "console.rotate_embedding_secret",
    "console.audit",
    "console.export_json",
    "console.export_polis_csv",
    "console.add_subcommittee",
    "console.coordination:POST",  # moderators see the flagged sets, owners exclude them
}
# Participant pages anyone may open: the landing page, joining, the privacy notice.
PUBLIC_PAGES = {"conversation_page", "join", "privacy_page", "static"}
# Requests that end the caller's session or participation: sent last, the caller renewed after.
ENDING = (
    "api.participants.delete_own_participation",
    "participant.leave",
    "embed.leave",
    "api.session.log_out",
    "console.logout",
    "console.delete",
)
PATH_VALUES = {"tid": "0", "group_id": "0", "filename": "mesa.css", "fmt": "md"}


def classify(rule, operations: dict[tuple[str, str], dict], method: str = "GET") -> str:
    """The class of a route, from its blueprint, path and (API) declared security."""
    endpoint = rule.endpoint
    blueprint, _, name = endpoint.rpartition(".")
    top = blueprint.split(".")[0]
    has_conversation = "conversation_id" in rule.arguments
    if endpoint == "api.session.log_in":
        return "credentials"
    if endpoint in ("static", "openapi.spec", "console.logout") or top in ("public", "polis_api"):
        return "public"  # static files, the API document, /methods, Polis's read-only API
    if top == "api":
        schemes = _declared_security(rule, operations)
        if not schemes or {} in schemes:
            return "public"
        names = {name for option in schemes for name in option}
        if names <= {"participantToken", "participantCookie"}:
            return "participant"
        if names <= {"facilitatorToken", "facilitatorSession"}:
            if not has_conversation:
                return "any facilitator"
            return "owner" if _owner_only(endpoint, method) else "moderator"
    if top in ("participant", "embed"):
        return "public" if name in PUBLIC_PAGES else "participant"
    if top == "console":
        if name in ("login", "static"):
            return "public"
        if not has_conversation:
            return "any facilitator"
        return "owner" if _owner_only(endpoint, method) else "moderator"
    pytest.fail(
        f"route {rule.rule} ({endpoint}) has no authorisation class: add its blueprint or "
        "prefix to classify() in tests/web/test_authorization_matrix.py"
    )


def _owner_only(endpoint: str, method: str) -> bool:
    return endpoint in OWNER_ONLY or f"{endpoint}:{method}" in OWNER_ONLY


def _declared_security(rule, operations) -> list[dict]:
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
    methods = rule.methods - {"HEAD", "OPTIONS"}
    found = [operations[(m.lower(), path)] for m in methods if (m.lower(), path) in operations]
    assert found, f"{rule.rule} is under /api but not in the OpenAPI document"
    return [option for operation in found for option in operation.get("security", [])]


@dataclass
class Caller:
    client: FlaskClient
    headers: dict[str, str] = field(default_factory=dict)


class Table:
    """A conversation with statements, a moderator, a participant; and the other side's."""

    def __init__(self, app):
        self.app = app
        self.owner = services.create_facilitator("owner@example.org", "a long enough password")
        self.moderator = services.create_facilitator("mod@example.org", "a long enough password")
        self.stranger = services.create_facilitator("other@example.org", "a long enough password")
        conversation = services.create_conversation(
            self.owner.id, "Seguridad", stakeholder_sectors=["comercio"]
        )
        self.conversation_id = conversation.public_id
        other = services.create_conversation(self.stranger.id, "Otra mesa")
        self.other_id = other.public_id
        services.grant_role(self.owner.id, self.conversation_id, "mod@example.org", Role.MODERATOR)
        for text in ("Más fiscales.", "Mejores salarios.", "Registro público."):
            services.add_seed_statement(self.owner.id, self.conversation_id, text)

    def client(self) -> FlaskClient:
        self.app.test_client_class = IsolatedClient
        return self.app.test_client()

    def caller(self, kind: str) -> Caller:
        client = self.client()
        if kind == ANONYMOUS:
            return Caller(client)
        if kind in (PARTICIPANT, OTHER_PARTICIPANT):
            conversation_id = self.conversation_id if kind == PARTICIPANT else self.other_id
            joined = client.post(f"{API}/conversations/{conversation_id}/participants", json={})
            body = joined.get_json()
            if kind == OTHER_PARTICIPANT:  # a token of B, presented on A
                return Caller(self.client(), {"Authorization": f"Bearer {body['token']}"})
            return Caller(client, {"X-CSRF-Token": body["csrf_token"]})
        email = {
            STRANGER: "other@example.org",
            MODERATOR: "mod@example.org",
            OWNER: "owner@example.org",
        }[kind]
        login = client.post(
            f"{API}/session", json={"email": email, "password": "a long enough password"}
        )
        assert login.status_code == 200, login.get_json()
        return Caller(client, {"X-CSRF-Token": login.get_json()["csrf_token"]})


def url_for_rule(rule, conversation_id: str) -> str:
    values = {"conversation_id": conversation_id, **PATH_VALUES}
    if "report_id" in rule.arguments:
        values.update(report_id="r0000000000000000", file_name="summary.csv")
    return re.sub(
        r"<(?:([^:<>()]+)(?:\([^)]*\))?:)?([^<>]+)>", lambda m: values[m.group(2)], rule.rule
    )


# What the services say when a facilitator lacks the role (authorization.require_role), as the
# console flashes it after a form post.
ROLE_REFUSAL = re.compile(r"is not (owner|moderator|owner or moderator) of")


def refused(response, caller: Caller, endpoint: str) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "")
    if response.status_code not in (302, 303):
        return False
    if "/console/login" in location:
        return endpoint != "console.logout"  # logging out ends there
    # A console form posts and redirects; a refusal comes back as a flashed message.
    with caller.client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    return any(ROLE_REFUSAL.search(str(message)) for _, message in flashes)


def example(schema: dict, components: dict, name: str = "") -> object:
    """A value the schema accepts, from its required parts: enough to get past validation to
    the services, which check the caller's role."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {key: example(schema["properties"][key], components, key) for key in required}
    if kind == "array":
        return []
    if kind == "integer":
        return max(0, schema.get("minimum", 0))
    if kind == "number":
        return 0
    if kind == "boolean":
        return False
    if name == "language":
        return "es"  # the services check a tag's form (before the role, for translations)
    return "x" * max(1, schema.get("minLength", 1))


def send(caller: Caller, method: str, url: str, body: object):
    kwargs = {"headers": caller.headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = body
    return caller.client.open(url, method=method, **kwargs)


def request_body(rule, method: str, operations: dict, components: dict) -> object:
    if not rule.rule.startswith("/api/"):
        return None
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
    operation = operations.get((method.lower(), path), {})
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    return example(content["schema"], components) if content else {}


def forget_participation(caller: Caller, conversation_id: str) -> None:
    """Joining is public: whoever calls a join route gets participant cookies. A caller that
    is not the participant drops them again, so it stays what it is in the matrix."""
    for name in (participant_cookie_name(conversation_id), csrf_cookie_name(conversation_id)):
        caller.client.delete_cookie(name)


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)  # access rules do not vary by backend
def test_every_route_admits_exactly_its_callers(app):
    for setting in ("MESA_RATE_LIMIT_VOTES", "MESA_RATE_LIMIT_STATEMENTS", "MESA_RATE_LIMIT_LOGIN"):
        app.config[setting] = "10000/minute"  # this test is about roles, not budgets
    table = Table(app)
    document = table.client().get(f"{API}/openapi.json").get_json()
    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    rules = sorted(
        app.url_map.iter_rules(),
        key=lambda r: (
            r.endpoint in ENDING,
            ENDING.index(r.endpoint) if r.endpoint in ENDING else 0,
            r.rule,
        ),
    )
    callers = {kind: table.caller(kind) for kind in CALLERS}
    wrong: list[str] = []
    classes: dict[str, int] = {}
    for rule in rules:
        url = url_for_rule(rule, table.conversation_id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            route_class = classify(rule, operations, method)
            classes[route_class] = classes.get(route_class, 0) + 1
            body = request_body(rule, method, operations, document["components"]["schemas"])
            for kind in CALLERS:
                if kind == OTHER_PARTICIPANT and not url.startswith("/api/"):
                    continue  # a bearer token means nothing to a page: that is the anonymous
                response = send(callers[kind], method, url, body)
                if kind != PARTICIPANT:
                    forget_participation(callers[kind], table.conversation_id)
                assert response.status_code < 500, (method, url, kind, response.status_code)
                expected_allowed = kind in ALLOWED[route_class]
                if refused(response, callers[kind], rule.endpoint) == expected_allowed:
                    verdict = "refused" if expected_allowed else "let through"
                    wrong.append(
                        f"{method} {url} [{route_class}]: {kind} {verdict} ({response.status_code})"
                    )
                if rule.endpoint in ENDING and not refused(response, callers[kind], rule.endpoint):
                    callers[kind] = table.caller(kind)  # the session or participation ended
    assert not wrong, "\n".join(wrong)
    # Every class is exercised; the API and console alone have dozens of routes.
    assert set(classes) == set(ALLOWED), classes
    assert sum(classes.values()) >= 80


def test_a_route_no_class_fits_is_reported_by_name(app):
    class Unclassified:
        endpoint = "reports_v9.secret"
        rule = "/reports/<conversation:conversation_id>"
        arguments = {"conversation_id"}
        methods = {"GET"}

    with pytest.raises(pytest.fail.Exception, match=r"/reports/.*has no authorisation class"):
        classify(Unclassified(), {})


def _tampered(token: str, **changes) -> str:
    """The token's payload edited (pid, conversation) with its signature kept."""
    payload, signature = token[len("p.") :].rsplit(".", 1)
    values = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    values[0] = changes.get("conversation_id", values[0])
    values[1] = changes.get("pid", values[1])
    edited = base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode())
    return "p." + edited.decode().rstrip("=") + "." + signature


def test_participant_tokens_cannot_be_forged_or_carried_to_another_conversation(
    app, client, owner, owner_token, conversation, seeds
):
    cid = conversation.public_id
    other = services.create_conversation(owner.id, "Otra mesa").public_id
    first = client.post(f"{API}/conversations/{cid}/participants", json={}).get_json()
    app.test_client_class = IsolatedClient
    second = app.test_client().post(f"{API}/conversations/{cid}/participants", json={})
    second = second.get_json()
    me = f"{API}/conversations/{cid}/participants/me"

    def status(token, url=me):
        return app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})

    assert status(first["token"]).get_json()["pid"] == first["pid"]
    # Another participant's pid, or another conversation, written into a genuine token.
    assert status(_tampered(first["token"], pid=second["pid"])).status_code == 401
    assert status(_tampered(first["token"], conversation_id=other)).status_code == 401
    # Signed with another key: as good as made up.
    with app.test_request_context():
        app.secret_key, real_key = "someone else's key", app.secret_key
        foreign = issue_participant_token(cid, first["pid"], "a guessed secret")
        app.secret_key = real_key
        # Signed with our key (a leaked key) but with a secret nobody was given.
        guessed = issue_participant_token(cid, first["pid"], "a guessed secret")
    assert status(foreign).status_code == 401
    assert status(guessed).status_code == 403
    assert status(guessed).get_json()["code"] == "participant_token_unknown"
    assert status("p.garbage").status_code == 401

    # A genuine token of this conversation, used on another one: refused by the API ...
    elsewhere = status(first["token"], f"{API}/conversations/{other}/participants/me")
    assert elsewhere.status_code == 403
    assert elsewhere.get_json()["code"] == "token_wrong_conversation"
    vote = app.test_client().post(
        f"{API}/conversations/{other}/votes",
        json={"tid": 0, "vote": 1},
        headers={"Authorization": f"Bearer {first['token']}"},
    )
    assert vote.status_code == 403
    # ... and by the pages, even in the other conversation's cookie.
    carried = app.test_client()
    carried.set_cookie(participant_cookie_name(other), first["token"])
    assert carried.get(f"/c/{other}/votes").status_code == 403
    # Participant and facilitator tokens never stand in for each other.
    assert status(owner_token).status_code == 403
    as_facilitator = app.test_client().get(
        f"{API}/conversations/{cid}/moderation-queue",
        headers={"Authorization": f"Bearer {first['token']}"},
    )
    assert as_facilitator.status_code == 403
    assert as_facilitator.get_json()["code"] == "facilitator_required"
