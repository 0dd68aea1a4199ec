"""A participant deletes their participation; retention deletes old participation; exports keep
xids out and can coarsen times. The rules are in deliberation.services.privacy."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import (
    AuditEntry,
    LatestVote,
    MathResult,
    Participant,
    Statement,
    VoteRecord,
)
from deliberation.polis_io import import_polis_export, json_export, polis_csv_export
from deliberation.polis_io.exporters import DAY_MS
from deliberation.recompute import run_once
from tests.deliberation.conftest import signed_xid
from tests.web.conftest import API, assert_refused, bearer, join
from web.credentials import csrf_cookie_name, participant_cookie_name

FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def rows(model, conversation, **where) -> list:
    database.session.rollback()
    return list(
        database.session.scalars(
            sa.select(model).filter_by(conversation_id=conversation.id, **where)
        )
    )


def fresh_join(client, conversation_id: str) -> dict:
    """Join as a new participant: the client then forgets the cookies, as another phone."""
    joined = join(client, conversation_id)
    for name in (participant_cookie_name(conversation_id), csrf_cookie_name(conversation_id)):
        client.delete_cookie(name)
    return joined


def newest_result(conversation) -> dict:
    database.session.rollback()
    stored = database.session.scalar(
        sa.select(MathResult)
        .filter_by(conversation_id=conversation.id)
        .order_by(MathResult.version.desc())
        .limit(1)
    )
    return stored.result


@pytest.fixture
def table(client, owner, conversation, seeds):
    """Two participants: `leaver` votes on everything and writes three statements (one the
    moderators accept, one that `stayer` votes on, one left alone); `stayer` votes too."""
    cid = conversation.public_id
    leaver, stayer = fresh_join(client, cid), fresh_join(client, cid)
    for tid in seeds:
        services.cast_vote(cid, leaver["pid"], tid, 1)
        services.cast_vote(cid, stayer["pid"], tid, -1)
    accepted = services.submit_statement(cid, leaver["pid"], "Que la fiscalía rinda cuentas.")
    voted = services.submit_statement(cid, leaver["pid"], "Patrullas a pie en el centro.")
    alone = services.submit_statement(cid, leaver["pid"], "Mi vecino sabe quién fue.")
    services.moderate_statement(owner.id, cid, accepted.tid, "accepted")
    services.cast_vote(cid, stayer["pid"], voted.tid, 1)
    return {
        "leaver": leaver,
        "stayer": stayer,
        "accepted": accepted.tid,
        "voted": voted.tid,
        "alone": alone.tid,
    }


def test_a_participant_deletes_their_participation_through_the_api(
    client, owner, conversation, seeds, table
):
    cid, leaver = conversation.public_id, table["leaver"]
    stayer_votes = {(v.tid, v.vote) for v in rows(VoteRecord, conversation, pid=1)}
    run_once("fast")
    assert "0" in newest_result(conversation)["user-vote-counts"]
    seed_changed = {s.tid: s.updated_ms for s in rows(Statement, conversation)}

    response = client.delete(
        f"{API}/conversations/{cid}/participants/me", headers=bearer(leaver["token"])
    )
    assert response.status_code == 200, response.get_json()
    # 3 seed votes, plus the agree each submitted statement counts as.
    assert response.get_json() == {
        "votes": 6,
        "statements_deleted": 1,
        "statements_anonymised": 2,
    }
    assert rows(VoteRecord, conversation, pid=leaver["pid"]) == []
    assert rows(LatestVote, conversation, pid=leaver["pid"]) == []
    assert rows(Participant, conversation, pid=leaver["pid"]) == []
    kept = {s.tid: s for s in rows(Statement, conversation)}
    assert table["alone"] not in kept
    assert kept[table["accepted"]].author_pid is None
    assert kept[table["voted"]].author_pid is None
    # The seeds' tallies lost votes: their updated_ms moved, the recompute worker's signal.
    assert all(kept[tid].updated_ms > seed_changed[tid] for tid in seeds)
    # Nobody else's vote was touched.
    assert {(v.tid, v.vote) for v in rows(VoteRecord, conversation, pid=1)} == stayer_votes
    audit = rows(AuditEntry, conversation, action="participation.delete")
    assert [entry.detail["votes"] for entry in audit] == [6]
    assert "pid" not in json.dumps(audit[0].detail)

    # The token no longer works, anywhere.
    again = client.get(
        f"{API}/conversations/{cid}/participants/me", headers=bearer(leaver["token"])
    )
    assert_refused(again, 403, "participant_token_unknown")

    # The worker sees the change although no vote was added, and the result drops them.
    outcomes = run_once("fast")
    assert [(o.conversation_id, o.status) for o in outcomes] == [(cid, "computed")]
    counts = newest_result(conversation)["user-vote-counts"]
    assert str(leaver["pid"]) not in counts and str(table["stayer"]["pid"]) in counts


def test_deleting_clears_the_cookies_and_needs_the_csrf_header_with_them(
    client, conversation, seeds
):
    cid = conversation.public_id
    joined = join(client, cid)  # the test client now holds the participant's cookies
    services.cast_vote(cid, joined["pid"], seeds[0], 1)
    refused = client.delete(f"{API}/conversations/{cid}/participants/me")
    assert_refused(refused, 403, "csrf_failed")
    assert len(rows(VoteRecord, conversation)) == 1

    response = client.delete(
        f"{API}/conversations/{cid}/participants/me",
        headers={"X-CSRF-Token": joined["csrf_token"]},
    )
    assert response.status_code == 200
    cleared = {c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")}
    assert {participant_cookie_name(cid), csrf_cookie_name(cid)} <= cleared
    assert rows(VoteRecord, conversation) == []


def test_a_participant_of_one_conversation_cannot_delete_in_another(
    client, owner, conversation, table
):
    other = services.create_conversation(owner.id, "Otra mesa")
    response = client.delete(
        f"{API}/conversations/{other.public_id}/participants/me",
        headers=bearer(table["leaver"]["token"]),
    )
    assert_refused(response, 403, "token_wrong_conversation")
    assert rows(Participant, conversation, pid=table["leaver"]["pid"])
    unauthenticated = client.delete(f"{API}/conversations/{conversation.public_id}/participants/me")
    assert_refused(unauthenticated, 401)


def test_the_privacy_page_offers_deletion_and_does_it(client, conversation, seeds):
    client.set_cookie("mesa_language", "en")
    cid = conversation.public_id
    joined = join(client, cid)
    services.cast_vote(cid, joined["pid"], seeds[0], -1)
    page = client.get(f"/c/{cid}/privacy")
    html = page.get_data(as_text=True)
    assert "Delete my participation" in html
    token = FORM_TOKEN.search(html).group(1)

    forged = client.post(f"/c/{cid}/leave", data={"csrf_token": "not-it"})
    assert forged.status_code == 400
    assert rows(Participant, conversation)

    unconfirmed = client.post(f"/c/{cid}/leave", data={"csrf_token": token})
    assert unconfirmed.status_code == 400
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    assert rows(VoteRecord, conversation)

    response = client.post(f"/c/{cid}/leave", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 200
    assert "Your participation is deleted" in response.get_data(as_text=True)
    assert rows(Participant, conversation) == [] and rows(VoteRecord, conversation) == []
    after = client.get(f"/c/{cid}/privacy").get_data(as_text=True)
    assert "Delete my participation" not in after  # the phone forgot the participant


def test_spanish_privacy_page_offers_deletion(client, conversation):
    client.set_cookie("mesa_language", "es")
    join(client, conversation.public_id)
    html = client.get(f"/c/{conversation.public_id}/privacy").get_data(as_text=True)
    assert "Eliminar mi participación" in html


def test_retention_is_a_setting_and_purge_deletes_only_what_is_older(
    app, client, owner, owner_token, conversation, seeds
):
    cid = conversation.public_id
    old, recent, idle = (fresh_join(client, cid) for _ in range(3))
    for tid in seeds:
        services.cast_vote(cid, old["pid"], tid, 1)
        services.cast_vote(cid, recent["pid"], tid, 0)
    # `old` voted and joined 40 days ago; `idle` joined 40 days ago and never voted.
    forty_days_ago = services.get_conversation(cid).created_ms - 40 * DAY_MS
    database.session.execute(
        sa.update(VoteRecord)
        .where(VoteRecord.conversation_id == conversation.id, VoteRecord.pid == old["pid"])
        .values(created_ms=forty_days_ago)
    )
    database.session.execute(
        sa.update(Participant)
        .where(
            Participant.conversation_id == conversation.id,
            Participant.pid.in_([old["pid"], idle["pid"]]),
        )
        .values(created_ms=forty_days_ago)
    )
    database.session.commit()

    bad = client.patch(
        f"{API}/conversations/{cid}", json={"retention_days": 0}, headers=bearer(owner_token)
    )
    assert_refused(bad, 400)
    runner = app.test_cli_runner()
    assert "Purged 0 expired" in runner.invoke(args=["purge-expired"]).output  # no setting yet

    set_it = client.patch(
        f"{API}/conversations/{cid}", json={"retention_days": 30}, headers=bearer(owner_token)
    )
    assert set_it.status_code == 200 and set_it.get_json()["retention_days"] == 30
    assert client.get(f"{API}/conversations/{cid}").get_json()["retention_days"] == 30

    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert f"{cid}: deleted 2 participants and 3 votes" in result.output
    assert {p.pid for p in rows(Participant, conversation)} == {recent["pid"]}
    assert {v.pid for v in rows(VoteRecord, conversation)} == {recent["pid"]}
    assert "Purged 0 expired" in runner.invoke(args=["purge-expired"]).output


def xid_conversation(owner, client):
    conversation = services.create_conversation(owner.id, "Con xids")
    cid = conversation.public_id
    tids = [services.add_seed_statement(owner.id, cid, f"Frase {i}").tid for i in range(3)]
    voters = [
        services.join_conversation(cid, **signed_xid(cid, f"persona-secreta-{i}")) for i in range(4)
    ]
    # Two votes a day apart on one cell, then a same-day re-vote that must win.
    for index, voter in enumerate(voters):
        for tid in tids:
            services.cast_vote(cid, voter.pid, tid, (index + tid) % 3 - 1)
    database.session.execute(
        sa.update(VoteRecord)
        .where(VoteRecord.conversation_id == conversation.id)
        .values(created_ms=VoteRecord.created_ms - 2 * DAY_MS)
    )
    database.session.commit()
    services.cast_vote(cid, voters[0].pid, tids[0], 1)
    services.cast_vote(cid, voters[0].pid, tids[0], -1)
    return conversation


def test_exports_leave_xids_out_unless_the_owner_asks(app, client, owner, tmp_path):
    conversation = xid_conversation(owner, client)
    cid = conversation.public_id
    plain = polis_csv_export(services.OPERATOR, cid)
    assert not any("persona-secreta" in text for text in plain.values())
    assert "persona-secreta" not in json.dumps(json_export(services.OPERATOR, cid))

    with_xids = polis_csv_export(services.OPERATOR, cid, include_xids=True)
    table = list(csv.DictReader(io.StringIO(with_xids["participants-votes.csv"])))
    assert {row["xid"] for row in table} == {f"persona-secreta-{i}" for i in range(4)}
    assert len(json_export(services.OPERATOR, cid, include_xids=True)["xids"]) == 4

    runner = app.test_cli_runner()
    out = tmp_path / "with-xids"
    result = runner.invoke(args=["export", cid, "--out", str(out), "--include-xids"])
    assert result.exit_code == 0, result.output
    assert "persona-secreta-0" in (out / "participants-votes.csv").read_text()
    # A folder of participants-votes.csv alone is imported with its xids.
    for name in ("votes.csv", "comments.csv"):
        (out / name).unlink()
    imported = import_polis_export(out)
    database.session.rollback()
    public = type(conversation)
    xids = database.session.scalars(
        sa.select(Participant.xid)
        .join(public, Participant.conversation_id == public.id)
        .where(public.public_id == imported.conversation_id)
    ).all()
    assert sorted(xids) == [f"persona-secreta-{i}" for i in range(4)]


def test_coarsened_exports_hold_days_only_and_import_to_the_same_standing_votes(
    app, client, owner, tmp_path
):
    conversation = xid_conversation(owner, client)
    cid = conversation.public_id
    files = polis_csv_export(services.OPERATOR, cid, coarsen_timestamps=True)
    for name in ("votes.csv", "comments.csv"):
        stamps = [int(row["timestamp"]) for row in csv.DictReader(io.StringIO(files[name]))]
        assert stamps and all(stamp % DAY_MS == 0 for stamp in stamps)
    document = json_export(services.OPERATOR, cid, coarsen_timestamps=True)
    times = [v["created_ms"] for v in document["votes"]] + [
        s["created_ms"] for s in document["statements"]
    ]
    assert all(t % DAY_MS == 0 for t in times + [document["conversation"]["created_ms"]])
    exact = polis_csv_export(services.OPERATOR, cid)["votes.csv"]
    assert any(int(row["timestamp"]) % DAY_MS for row in csv.DictReader(io.StringIO(exact)))

    out = tmp_path / "coarse"
    result = app.test_cli_runner().invoke(
        args=["export", cid, "--out", str(out), "--coarsen-timestamps"]
    )
    assert result.exit_code == 0, result.output
    imported = import_polis_export(out)

    def standing(public_id):
        database.session.rollback()
        target = services.get_conversation(public_id)
        return {(v.pid, v.tid, v.vote) for v in rows(LatestVote, target)}

    assert standing(imported.conversation_id) == standing(cid)


def test_the_console_settings_set_the_retention(client, owner, conversation):
    assert (
        client.post(
            f"{API}/session", json={"email": owner.email, "password": "a long enough password"}
        ).status_code
        == 200
    )
    page = client.get(f"/console/c/{conversation.public_id}/settings").get_data(as_text=True)
    assert 'name="retention_days"' in page
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    fields = {
        "csrf_token": csrf,
        "topic": conversation.topic,
        "languages": "es, en",
        "statement_max_length": "280",
        "access_mode": "link",
        "is_open": "y",
        "participants_can_add": "y",
        "retention_days": "90",
        "math_seed": str(conversation.math_seed),
    }
    saved = client.post(f"/console/c/{conversation.public_id}/settings", data=fields)
    assert saved.status_code in (200, 302), saved.get_data(as_text=True)
    database.session.rollback()
    assert services.get_conversation(conversation.public_id).retention_days == 90
