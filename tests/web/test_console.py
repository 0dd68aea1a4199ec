"""The facilitator console (web.console): who may reach what, and the happy paths of creating,
seeding, moderating, inviting and watching the results, through the Flask test client on both
databases."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AuditEntry, Conversation, InviteCode, ModerationState, Statement
from deliberation.recompute import run_once
from tests.web.conftest import (
    API,
    CONSOLE,
    PASSWORD,
    bearer,
    csrf_token,
    join,
    log_in,
    make_facilitator,
    post,
)


@pytest.fixture(autouse=True)
def english_console(client):
    """These tests read the console's English text; its Spanish is test_console_language's."""
    client.set_cookie("mesa_language", "en")


def post_and_follow(client, path: str, data: dict | None = None, **kwargs):
    """Post, then read the page it redirects to (the IsolatedClient cannot follow redirects)."""
    response = post(client, path, data, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.location)


def statement_rows(conversation) -> dict[int, Statement]:
    database.session.rollback()
    rows = database.session.scalars(
        sa.select(Statement).where(Statement.conversation_id == conversation.id)
    )
    return {row.tid: row for row in rows}


def console_routes(app, conversation_id: str) -> list[tuple[str, str]]:
    """(method, path) of every console route but login and static files, arguments filled in."""
    values = {"conversation_id": conversation_id, "tid": 0, "group_id": 0}
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "console" or rule.endpoint in (
            "console.login",
            "console.static",
        ):
            continue
        path = rule.build({name: values[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    return routes


# --------------------------------------------------------------------------------------------
# Who may reach what


def test_every_console_route_needs_a_login(app, client, conversation):
    routes = console_routes(app, conversation.public_id)
    assert len(routes) >= 30
    for method, path in routes:
        response = client.open(path, method=method)
        if path.endswith(".json"):
            assert response.status_code == 401, (method, path)
            assert response.get_json()["code"] == "authentication_required"
        else:
            assert response.status_code == 302, (method, path, response.status_code)
            assert f"{CONSOLE}/login" in response.location


def test_a_wrong_password_does_not_log_in(client, owner):
    response = client.post(
        f"{CONSOLE}/login",
        data={"csrf_token": csrf_token(client), "email": owner.email, "password": "wrong one!"},
    )
    assert response.status_code == 200
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get(f"{CONSOLE}/").status_code == 302


def test_login_refuses_a_foreign_next_and_logout_ends_the_session(client, owner):
    client.post(
        f"{CONSOLE}/login",
        data={
            "csrf_token": csrf_token(client),
            "email": owner.email,
            "password": PASSWORD,
            "next": "//evil.example/phish",
        },
    )
    assert client.get(f"{CONSOLE}/").status_code == 200
    assert post(client, f"{CONSOLE}/logout").status_code == 302
    assert client.get(f"{CONSOLE}/").status_code == 302


def test_posts_need_the_csrf_token(client, owner, conversation):
    log_in(client, owner.email)
    response = client.post(
        f"{CONSOLE}/c/{conversation.public_id}/statements/seed",
        data={"paste-statements": "Sin token."},
    )
    assert response.status_code == 400
    assert "Sin token." not in {s.text for s in statement_rows(conversation).values()}


def test_a_moderator_of_one_conversation_cannot_read_or_change_another(
    app, client, owner, conversation, seeds
):
    other = services.create_conversation(owner.id, "Otra mesa")
    services.add_seed_statement(owner.id, other.public_id, "Una declaración de la otra mesa.")
    moderator = make_facilitator("moderator@example.org")
    services.grant_role(owner.id, conversation.public_id, moderator.email, "moderator")
    log_in(client, moderator.email)

    # Their own conversation: the moderator's pages open.
    mine = conversation.public_id
    for page in ("", "statements", "moderation", "map", "consensus", "projector", "share", "team"):
        assert client.get(f"{CONSOLE}/c/{mine}/{page}").status_code == 200, page
    # ... but not the owner's.
    for page in ("settings", "audit", "invites", "archive", "export.json", "export.zip"):
        assert client.get(f"{CONSOLE}/c/{mine}/{page}").status_code == 403, page

    # The other conversation: every route refuses, reads and writes alike.
    before = statement_rows(other)
    routes = [r for r in console_routes(app, other.public_id) if f"/c/{other.public_id}/" in r[1]]
    assert len(routes) >= 28
    for method, path in routes:
        if method == "GET":
            response = client.get(path)
        else:
            response = post(
                client,
                path,
                {"action": "reject", "tid": "0", "row": "reject:0", "paste-statements": "x"},
            )
        assert response.status_code == 403, (method, path, response.status_code)
    after = statement_rows(other)
    assert [(s.text, s.moderation) for s in after.values()] == [
        (s.text, s.moderation) for s in before.values()
    ]
    assert other.topic not in client.get(f"{CONSOLE}/").get_data(as_text=True)


def test_a_participant_token_cannot_reach_moderation(client, conversation, seeds):
    joined = join(client, conversation.public_id)
    statement = services.submit_statement(conversation.public_id, joined["pid"], "Falta algo.")
    cid = conversation.public_id
    # With the participant cookie the join set, and with the token as a bearer: no console.
    assert client.get(f"{CONSOLE}/c/{cid}/moderation").status_code == 302
    headers = bearer(joined["token"])
    assert client.get(f"{CONSOLE}/c/{cid}/moderation", headers=headers).status_code == 302
    assert client.get(f"{CONSOLE}/c/{cid}/live.json", headers=headers).status_code == 401
    response = client.post(
        f"{CONSOLE}/c/{cid}/moderation",
        data={"action": "accept", "tid": str(statement.tid)},
        headers={**headers, "X-CSRFToken": joined["csrf_token"]},
    )
    assert response.status_code == 302
    # Nor the API's moderation routes.
    assert (
        client.get(f"{API}/conversations/{cid}/moderation-queue", headers=headers).status_code
        == 403
    )
    assert statement_rows(conversation)[statement.tid].moderation is ModerationState.TODO


# --------------------------------------------------------------------------------------------
# Happy paths


def test_create_a_conversation_with_every_setting(client, owner):
    log_in(client, owner.email)
    assert client.get(f"{CONSOLE}/new").status_code == 200
    response = post(
        client,
        f"{CONSOLE}/new",
        {
            "topic": "¿Qué pedimos al gobierno federal?",
            "description": "Sesión de marzo",
            "languages": "es, en",
            "stakeholder_sectors": "comercio\r\nderechos humanos\r\ngobierno\r\n",
            "subcommittee": "acceso a la justicia",
            "access_mode": "invite",
            "is_open": "y",
            "strict_moderation": "y",
            "statement_max_length": "200",
            "attribution": "",
            "math_seed": "42",
            "reason": "primera sesión",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    created = database.session.scalar(sa.select(Conversation))
    assert response.location.endswith(f"/c/{created.public_id}/statements")
    assert created.languages == ["es", "en"]
    assert created.stakeholder_sectors == ["comercio", "derechos humanos", "gobierno"]
    assert created.access_mode.value == "invite"
    assert (created.is_open, created.strict_moderation, created.participants_can_add) == (
        True,
        True,
        False,
    )
    assert (created.statement_max_length, created.math_seed) == (200, 42)
    assert created.subcommittee == "acceso a la justicia"

    # Editing: only what changed is written, with the reason in the audit log.
    settings = f"{CONSOLE}/c/{created.public_id}/settings"
    page = client.get(settings).get_data(as_text=True)
    assert "derechos humanos" in page
    response = post(
        client,
        settings,
        {
            "topic": "¿Qué pedimos al gobierno federal?",
            "languages": "es",
            "stakeholder_sectors": "comercio\ngobierno",
            "access_mode": "link",
            "is_open": "y",
            "participants_can_add": "y",
            "statement_max_length": "280",
            "math_seed": "42",
            "reason": "abrir a todos",
        },
    )
    assert response.status_code == 302
    database.session.refresh(created)
    assert created.access_mode.value == "link" and created.languages == ["es"]
    update = database.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "conversation.update")
    )
    assert update.reason == "abrir a todos"
    assert set(update.detail) >= {"access_mode", "languages", "stakeholder_sectors"}


def test_invalid_settings_are_shown_not_saved(client, owner, conversation):
    log_in(client, owner.email)
    response = post(
        client,
        f"{CONSOLE}/c/{conversation.public_id}/settings",
        {
            "topic": "x",
            "languages": "not a tag!",
            "access_mode": "link",
            "statement_max_length": "5",
        },
    )
    assert "is not a language tag" in response.get_data(as_text=True)
    database.session.refresh(conversation)
    assert conversation.topic != "x"


def test_seed_by_pasting_one_per_line(client, owner, conversation):
    log_in(client, owner.email)
    long_line = "x" * 300
    response = post_and_follow(
        client,
        f"{CONSOLE}/c/{conversation.public_id}/statements/seed",
        {
            "paste-statements": "Más fiscales, no más soldados.\r\n\r\n"
            "La policía necesita mejores salarios.\r\n"
            f"más fiscales,  no más soldados.\r\n{long_line}\r\n",
            "paste-language": "es",
        },
    )
    page = response.get_data(as_text=True)
    assert "Added 2 seed statements" in page
    assert "already a statement" in page and "longer than the conversation allows" in page
    rows = statement_rows(conversation)
    assert [s.text for s in rows.values()] == [
        "Más fiscales, no más soldados.",
        "La policía necesita mejores salarios.",
    ]
    assert all(s.is_seed and s.moderation is ModerationState.ACCEPTED for s in rows.values())
    assert {s.language for s in rows.values()} == {"es"}


def test_seed_from_a_csv_file_with_a_comment_text_column(client, owner, conversation):
    log_in(client, owner.email)
    content = (
        '\ufeffcomment_text,author\r\n"Uno, con coma",a\r\nDos,b\r\n,c\r\n"Tres ""citado""",d\r\n'
    )
    response = post_and_follow(
        client,
        f"{CONSOLE}/c/{conversation.public_id}/statements/upload",
        {"upload-file": (io.BytesIO(content.encode("utf-8")), "seeds.csv"), "upload-language": ""},
        content_type="multipart/form-data",
    )
    assert "Added 3 seed statements" in response.get_data(as_text=True)
    assert [s.text for s in statement_rows(conversation).values()] == [
        "Uno, con coma",
        "Dos",
        'Tres "citado"',
    ]

    response = post_and_follow(
        client,
        f"{CONSOLE}/c/{conversation.public_id}/statements/upload",
        {"upload-file": (io.BytesIO(b"text\nCuatro\n"), "seeds.csv")},
        content_type="multipart/form-data",
    )
    assert "no comment_text column" in response.get_data(as_text=True)
    assert len(statement_rows(conversation)) == 3


def test_translate_a_statement(client, owner, conversation, seeds):
    log_in(client, owner.email)
    path = f"{CONSOLE}/c/{conversation.public_id}/statements/{seeds[0]}/translate"
    assert "In <strong>en</strong>" in client.get(path).get_data(as_text=True)
    response = post(client, path, {"language": "en", "text": "More prosecutors, not soldiers."})
    assert response.status_code == 302
    statement = statement_rows(conversation)[seeds[0]]
    assert statement.text_in("en") == "More prosecutors, not soldiers."


def test_moderate_one_by_one_and_in_bulk(client, owner, conversation, seeds):
    participant = join(client, conversation.public_id)
    submitted = [
        services.submit_statement(conversation.public_id, participant["pid"], text).tid
        for text in (
            "Primera propuesta.",
            "Segunda propuesta.",
            "Tercera propuesta.",
            "Spam, spam, spam!",
        )
    ]
    log_in(client, owner.email)
    path = f"{CONSOLE}/c/{conversation.public_id}/moderation"
    page = client.get(path).get_data(as_text=True)
    assert "Primera propuesta." in page and 'data-tab-count="todo">4<' in page

    # A row's own button, with that row's reason (as without JavaScript).
    response = post(
        client, path, {"row": f"reject:{submitted[3]}", f"reason-{submitted[3]}": "publicidad"}
    )
    assert response.status_code == 302
    # Bulk, as the keyboard script sends it: JSON back.
    response = post(
        client,
        path,
        {"action": "accept", "tid": [str(submitted[0]), str(submitted[1])], "tab": "todo"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["counts"] == {"todo": 1, "accepted": 5, "rejected": 1}
    assert [s["moderation"] for s in answer["statements"]] == ["accepted", "accepted"]
    response = post(
        client,
        path,
        {"action": "meta", "tid": str(submitted[2])},
        headers={"Accept": "application/json"},
    )
    assert response.get_json()["statements"][0]["is_meta"] is True

    rows = statement_rows(conversation)
    assert rows[submitted[3]].moderation is ModerationState.REJECTED
    assert rows[submitted[3]].moderation_reason == "publicidad"
    assert rows[submitted[0]].moderation is ModerationState.ACCEPTED
    assert rows[submitted[2]].is_meta and rows[submitted[2]].moderation is ModerationState.TODO
    rejected_tab = client.get(f"{path}?tab=rejected").get_data(as_text=True)
    assert "Spam, spam, spam!" in rejected_tab and "publicidad" in rejected_tab

    # Every decision is in the audit log, which the owner reads.
    audit = client.get(f"{CONSOLE}/c/{conversation.public_id}/audit").get_data(as_text=True)
    assert audit.count("statement.moderate") == 3 and "statement.meta" in audit

    # An unknown statement refuses the whole batch.
    response = post(
        client,
        path,
        {"action": "accept", "tid": [str(submitted[2]), "999"]},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 404
    assert statement_rows(conversation)[submitted[2]].moderation is ModerationState.TODO


def test_invite_codes_per_sector_and_their_sheet(client, owner, conversation):
    log_in(client, owner.email)
    path = f"{CONSOLE}/c/{conversation.public_id}/invites"
    assert post(client, path, {"action": "per-sector"}).status_code == 302
    assert post(client, path, {"action": "one", "sector": ""}).status_code == 302
    codes = database.session.scalars(sa.select(InviteCode).order_by(InviteCode.id)).all()
    assert [code.sector for code in codes] == ["comercio", "derechos humanos", "gobierno", None]

    sheet = client.get(f"{path}/sheet").get_data(as_text=True)
    share = client.get(f"{CONSOLE}/c/{conversation.public_id}/share").get_data(as_text=True)
    for code in codes:
        assert code.code in sheet and f"invite={code.code}" in share
    qr = client.get(f"{CONSOLE}/c/{conversation.public_id}/qr.svg?invite={codes[0].code}")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).startswith("<svg")
    assert client.get(f"{CONSOLE}/c/{conversation.public_id}/qr.svg?invite=<x>").status_code == 404

    # A participant joining with a sector's code is counted in that sector, and a sector of
    # fewer than MESA_MIN_SECTOR_CELL (5) shows no count at all (sector_privacy).
    services.update_conversation(owner.id, conversation.public_id, {"access_mode": "invite"})
    join(client, conversation.public_id, invite_code=codes[1].code)
    counts = client.get(f"{CONSOLE}/c/{conversation.public_id}/fragments/counts")
    assert re.search(
        r"derechos humanos</th>\s*<td class=\"number muted\" colspan=\"2\">fewer than 5<",
        counts.get_data(as_text=True),
    )
    client.application.config["MESA_MIN_SECTOR_CELL"] = 1
    counts = client.get(f"{CONSOLE}/c/{conversation.public_id}/fragments/counts")
    assert re.search(
        r"derechos humanos</th>\s*<td class=\"number\">1<", counts.get_data(as_text=True)
    )


def test_xid_allow_list(client, owner, conversation):
    log_in(client, owner.email)
    path = f"{CONSOLE}/c/{conversation.public_id}/invites"
    post(client, path, {"action": "allow-xids", "xids": "user-1\nuser-2\n\nuser-1"})
    assert services.allowed_xids(owner.id, conversation.public_id) == ["user-1", "user-2"]
    post(client, path, {"action": "disallow-xid", "xid": "user-1"})
    assert services.allowed_xids(owner.id, conversation.public_id) == ["user-2"]


def test_owner_adds_and_removes_a_moderator(client, owner, conversation):
    colleague = make_facilitator("colleague@example.org")
    log_in(client, owner.email)
    path = f"{CONSOLE}/c/{conversation.public_id}/team"
    post(client, path, {"action": "add", "email": colleague.email, "role": "moderator"})
    assert colleague.email in client.get(path).get_data(as_text=True)
    response = post_and_follow(client, path, {"action": "add", "email": "nobody@example.org"})
    assert "No facilitator account" in response.get_data(as_text=True)
    post(client, path, {"action": "remove", "email": colleague.email})
    roles = services.conversation_roles(owner.id, conversation.public_id)
    assert [email for email, _ in roles] == [owner.email]


def test_archive_and_delete_offer_the_export_first(client, owner, conversation, seeds):
    log_in(client, owner.email)
    cid = conversation.public_id
    page = client.get(f"{CONSOLE}/c/{cid}/archive").get_data(as_text=True)
    assert page.index("export.zip") < page.index("Delete conversation")
    bundle = zipfile.ZipFile(io.BytesIO(client.get(f"{CONSOLE}/c/{cid}/export.zip").data))
    assert f"{cid}/comments.csv" in bundle.namelist()
    exported = json.loads(client.get(f"{CONSOLE}/c/{cid}/export.json").data)
    assert len(exported["statements"]) == 3

    post(client, f"{CONSOLE}/c/{cid}/archive", {"action": "archive"})  # unconfirmed
    database.session.refresh(conversation)
    assert not conversation.is_archived
    post(client, f"{CONSOLE}/c/{cid}/archive", {"action": "archive", "confirm": "yes"})
    database.session.refresh(conversation)
    assert conversation.is_archived

    response = post_and_follow(client, f"{CONSOLE}/c/{cid}/delete", {"confirmation": "wrong"})
    assert "type the conversation id" in response.get_data(as_text=True)
    assert post(client, f"{CONSOLE}/c/{cid}/delete", {"confirmation": cid}).status_code == 302
    database.session.rollback()
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == 0
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Statement)) == 0


def test_change_password(client, owner):
    log_in(client, owner.email)
    path = f"{CONSOLE}/password"
    response = post(
        client,
        path,
        {"current": "wrong", "new": "another long password", "confirm": "another long password"},
    )
    assert "current password is wrong" in response.get_data(as_text=True)
    response = post(
        client,
        path,
        {"current": PASSWORD, "new": "another long password", "confirm": "another long password"},
    )
    assert response.status_code == 302
    assert services.authenticate_facilitator(owner.email, "another long password").id == owner.id


# --------------------------------------------------------------------------------------------
# The live results


@pytest.fixture
def computed(client, owner, conversation):
    """A conversation with 12 seeds and 40 participants from two camps, recomputed once: all
    agree with 0, 3, 6; all pass on 9; the camps split on 1, 2, 4, 5, 7, 8; 10 and 11 are noise."""
    texts = [f"Propuesta número {n}." for n in range(12)]
    tids = [services.add_seed_statement(owner.id, conversation.public_id, t).tid for t in texts]
    for person in range(40):
        pid = services.join_conversation(conversation.public_id).pid
        camp = 1 if person % 2 else -1
        for tid in tids:
            if tid >= 10:  # no camp's view: spreads people out within their group
                vote = (person // (tid - 8)) % 3 - 1
            else:
                vote = camp if tid % 3 else (1 if tid != 9 else 0)
            services.cast_vote(conversation.public_id, pid, tid, vote)
    outcomes = run_once("fast")
    assert [outcome.status for outcome in outcomes] == ["computed"]
    return tids


def test_live_map_payload_and_statement_votes(client, owner, conversation, computed):
    log_in(client, owner.email)
    cid = conversation.public_id
    stamp = client.get(f"{CONSOLE}/c/{cid}/live.json").get_json()
    assert stamp["latest"]["version"] == 1 and stamp["participants"] == 40

    body = client.get(f"{CONSOLE}/c/{cid}/map.json").get_json()
    assert body["available"] and body["points"] == 40 and body["grouped"] == 40
    assert len(base64.b64decode(body["x"])) == 2 * 40
    assert len(base64.b64decode(body["group"])) == 40
    assert len(body["groups"]) == 2 and all(len(g["hull"]) >= 3 for g in body["groups"])
    assert "pid" not in json.dumps(body)

    votes = client.get(f"{CONSOLE}/c/{cid}/map/statements/{computed[1]}.json").get_json()
    codes = base64.b64decode(votes["votes"])
    assert len(codes) == 40 and votes["counts"] == {
        "none": 0,
        "agree": 20,
        "disagree": 20,
        "pass": 0,
    }
    # Agreers and disagreers of a dividing statement sit in different groups.
    groups = base64.b64decode(body["group"])
    assert len({groups[i] for i in range(40) if codes[i] == 1}) == 1
    umap = client.get(f"{CONSOLE}/c/{cid}/map.json?projection=umap")
    assert umap.status_code == 404 and umap.get_json()["code"] == "results_not_computed"
    assert client.get(f"{CONSOLE}/c/{cid}/map.json?projection=tsne").status_code == 400


def test_consensus_divisive_and_uncertain_lists(client, owner, conversation, computed):
    log_in(client, owner.email)
    cid = conversation.public_id
    findings = client.get(f"{CONSOLE}/c/{cid}/findings.json").get_json()
    consensus = [entry["tid"] for entry in findings["group_aware_consensus"]]
    assert set(consensus[:3]) == {0, 3, 6}  # everyone agrees with these
    assert {entry["tid"] for entry in findings["divisive"][:6]} == {1, 2, 4, 5, 7, 8}
    uncertain = [entry["tid"] for entry in findings["uncertain"]]
    assert uncertain[0] == 9 and set(uncertain) <= {9, 10, 11}  # all, then a third passed
    assert findings["statements"]["0"]["text"] == "Propuesta número 0."

    page = client.get(f"{CONSOLE}/c/{cid}/consensus").get_data(as_text=True)
    for heading in ("Common ground", "Majority opinion", "What divides", "Areas of uncertainty"):
        assert heading in page
    assert "Propuesta número 0." in page and '<svg class="bar"' in page
    group = client.get(f"{CONSOLE}/c/{cid}/fragments/groups/0").get_data(as_text=True)
    assert "Group A" in group
    spotlight = client.get(f"{CONSOLE}/c/{cid}/fragments/spotlight").get_data(as_text=True)
    assert f'data-tid="{consensus[0]}"' in spotlight
    counts = client.get(f"{CONSOLE}/c/{cid}/fragments/counts").get_data(as_text=True)
    assert 'data-count="votes">480<' in counts and 'data-count="grouped">40<' in counts


def test_map_page_keeps_the_strict_content_security_policy(client, owner, conversation):
    log_in(client, owner.email)
    response = client.get(f"{CONSOLE}/c/{conversation.public_id}/map")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    page = response.get_data(as_text=True)
    assert "vendor/plotly-strict.min.js" in page
    assert "<script>" not in page and " style=" not in page
    library = client.get(f"{CONSOLE}/static/vendor/plotly-strict.min.js")
    assert library.status_code == 200 and b"plotly.js (strict" in library.data[:200]
