"""The Polis-compatible read API (/api/v3) and its publication rules, on both databases: shapes
and signs as Polis serves them, 403 on every route while the data is closed, 404 for unknown
ids, and no private field (planted emails, xids, moderation reasons, sectors) in any answer.

red-dwarf reading these routes through a real server is in tests/interop (make e2e)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.errors import Forbidden
from deliberation.models import AuditEntry, LatestVote, Participant, PolisReport
from deliberation.polis_io import NO_AUTHOR_PID, REPORT_CSV_FILES, csv_formats
from deliberation.recompute import run_once
from deliberation.services import polis_reports
from tests.deliberation.conftest import make_facilitator, signed_xid
from tests.web.conftest import CONSOLE, assert_refused, log_in, post


@pytest.fixture(autouse=True)
def english_console(client):
    """These tests read the console's English text; its Spanish is test_console_language's."""
    client.set_cookie("mesa_language", "en")


V3 = "/api/v3"
POLIS_MATH_FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "polis-math-fixtures"
    / "below-100-ptpts"
    / "math-pca2.json"
)
MODERATOR_EMAIL = "moderator.private@example.org"
XIDS = ("xid-private-alpha-1", "xid-private-beta-2", "xid-private-gamma-3")
SECTOR = "comercio"
REJECTED_TEXT = "Statement that the moderators rejected."
REJECTION_REASON = "reason-private: names a neighbour"
# (pid index, tid, vote in Mesa's CSV sign): a few of each kind, and a re-vote.
VOTES = [(0, 0, 1), (0, 1, -1), (0, 2, 0), (1, 0, -1), (1, 1, 1), (2, 0, 1), (2, 2, -1)]


@pytest.fixture
def published(owner, conversation, seeds):
    """The conversation with xid participants, a sector, votes, a rejected statement with a
    reason, a moderator, a computed math result; data still closed, one report id."""
    cid = conversation.public_id
    services.update_conversation(owner.id, cid, {"access_mode": "xid"})
    services.allow_xids(owner.id, cid, XIDS)
    pids = [services.join_conversation(cid, **signed_xid(cid, xid)).pid for xid in XIDS]
    services.declare_sector(cid, pids[0], SECTOR)
    for who, tid, vote in VOTES:
        services.cast_vote(cid, pids[who], tid, vote)
    services.cast_vote(cid, pids[1], 1, -1)  # re-vote: disagree now stands
    rejected = services.submit_statement(cid, pids[2], REJECTED_TEXT).tid
    services.moderate_statement(owner.id, cid, rejected, "rejected", reason=REJECTION_REASON)
    make_facilitator(MODERATOR_EMAIL)
    services.grant_role(owner.id, cid, MODERATOR_EMAIL, "moderator")
    assert [o.status for o in run_once("fast")] == ["computed"]
    report = polis_reports.create_report_id(owner.id, cid)
    return {"cid": cid, "pids": pids, "rejected": rejected, "report_id": report.report_id}


def routes(cid: str, report_id: str) -> list[str]:
    """Every route of the API, with the parameters Polis tools send."""
    return [
        f"{V3}/conversations?conversation_id={cid}",
        f"{V3}/comments?conversation_id={cid}&moderation=true&include_voting_patterns=true",
        f"{V3}/comments?conversation_id={cid}",
        f"{V3}/votes?conversation_id={cid}&pid=0",
        f"{V3}/math/pca2?conversation_id={cid}",
        f"{V3}/participationInit?conversation_id={cid}&pid=mypid&{proven(cid, XIDS[0])}",
        f"{V3}/reports?report_id={report_id}",
        *(f"{V3}/reportExport/{report_id}/{name}" for name in REPORT_CSV_FILES),
    ]


def proven(cid: str, xid: str) -> str:
    """The query of an xid signed by the embedding site, as participationInit requires."""
    return urlencode(signed_xid(cid, xid))


def open_data(owner, published) -> None:
    polis_reports.set_data_open(owner.id, published["cid"], True)
    database.session.rollback()


def test_every_route_answers_403_while_the_data_is_closed(client, owner, published):
    urls = routes(published["cid"], published["report_id"])
    assert len(urls) == 12
    for url in urls:
        assert_refused(client.get(url), 403, "data_not_open")
    open_data(owner, published)
    for url in urls:
        assert client.get(url).status_code == 200, url
    polis_reports.set_data_open(owner.id, published["cid"], False)
    for url in urls:
        response = client.get(url)
        assert_refused(response, 403, "data_not_open")
        assert response.headers["Cache-Control"] == "no-store"


def test_unknown_ids_are_404_and_bad_parameters_400(client, owner, conversation, published):
    open_data(owner, published)
    cid, rid = published["cid"], published["report_id"]
    for url in (
        f"{V3}/conversations?conversation_id=9zzzzzzzzz",
        f"{V3}/votes?conversation_id=no-such-id&pid=0",
        f"{V3}/math/pca2?conversation_id=9zzzzzzzzz",
    ):
        assert_refused(client.get(url), 404, "conversation_not_found")
    for url in (
        f"{V3}/reports?report_id=rnosuchreport",
        f"{V3}/reports?report_id=R-not-a-report-id",
        f"{V3}/reportExport/rnosuchreport/votes.csv",
    ):
        assert_refused(client.get(url), 404, "report_not_found")
    assert_refused(client.get(f"{V3}/reportExport/{rid}/passwd"), 404, "export_file_not_found")
    assert_refused(client.get(f"{V3}/no-such-route"), 404)
    for url in (
        f"{V3}/conversations",
        f"{V3}/votes?conversation_id={cid}",
        f"{V3}/reports",
    ):
        assert_refused(client.get(url), 400, "missing_parameter")
    for url in (
        f"{V3}/votes?conversation_id={cid}&pid=-1",
        f"{V3}/votes?conversation_id={cid}&pid=x",
        f"{V3}/votes?conversation_id={cid}&pid=99999999999",
        f"{V3}/comments?conversation_id={cid}&moderation=maybe",
        f"{V3}/participationInit?conversation_id={cid}&pid=3&xid={XIDS[1]}",
    ):
        assert_refused(client.get(url), 400, "invalid_parameter")
    # Read-only: POST is not a route here.
    assert_refused(client.post(f"{V3}/conversations?conversation_id={cid}"), 405)
    # Open data but no math yet: 404 until the worker has run.
    fresh = services.create_conversation(owner.id, "Sin votos", is_data_open=True).public_id
    assert_refused(client.get(f"{V3}/math/pca2?conversation_id={fresh}"), 404)


def test_conversation_and_comments_in_polis_shape(client, owner, conversation, published):
    open_data(owner, published)
    cid = published["cid"]
    document = client.get(f"{V3}/conversations?conversation_id={cid}").get_json()
    assert document["conversation_id"] == cid
    assert document["topic"] == conversation.topic
    assert document["description"] == conversation.description
    assert document["is_active"] is True and document["is_data_open"] is True
    assert document["use_xid_whitelist"] is True and document["participant_count"] == 3

    comments = client.get(
        f"{V3}/comments?conversation_id={cid}&moderation=true&include_voting_patterns=true"
    ).get_json()
    assert [c["tid"] for c in comments] == [0, 1, 2, published["rejected"]]
    standing = database.session.execute(
        sa.select(LatestVote.tid, LatestVote.vote).where(
            LatestVote.conversation_id == conversation.id
        )
    ).all()
    for comment in comments:
        votes = [vote for tid, vote in standing if tid == comment["tid"]]
        assert comment["agree_count"] == votes.count(1)
        assert comment["disagree_count"] == votes.count(-1)
        assert comment["pass_count"] == votes.count(0)
        assert comment["count"] == len(votes)
        assert set(comment) >= {"txt", "created", "is_seed", "is_meta", "mod", "active", "lang"}
        assert comment["created"].isdigit()  # Polis's bigint milliseconds, as text
    by_tid = {c["tid"]: c for c in comments}
    assert by_tid[1]["agree_count"] == 0 and by_tid[1]["disagree_count"] == 2  # after re-vote
    assert by_tid[0]["is_seed"] and by_tid[0]["pid"] == NO_AUTHOR_PID  # a facilitator's seed
    rejected = by_tid[published["rejected"]]
    assert rejected["mod"] == -1 and rejected["pid"] == published["pids"][2]
    assert rejected["agree_count"] == 1  # the author's automatic agree

    # Without moderation=true, what participants are shown: no rejected statement, no counts.
    shown = client.get(f"{V3}/comments?conversation_id={cid}").get_json()
    assert [c["tid"] for c in shown] == [0, 1, 2]
    assert "agree_count" not in shown[0] and "mod" not in shown[0]


def test_votes_are_in_polis_raw_sign_and_participation_init_finds_a_pid(
    client, owner, conversation, published
):
    open_data(owner, published)
    cid, pids = published["cid"], published["pids"]
    votes = client.get(f"{V3}/votes?conversation_id={cid}&pid={pids[0]}").get_json()
    assert [(v["tid"], v["vote"]) for v in votes] == [(0, -1), (1, 1), (2, 0)]  # agree = -1
    assert all(v["pid"] == pids[0] and v["modified"].isdigit() for v in votes)
    revoted = client.get(f"{V3}/votes?conversation_id={cid}&pid={pids[1]}").get_json()
    assert [(v["tid"], v["vote"]) for v in revoted] == [(0, 1), (1, 1)]  # latest only
    # A pid nobody has (red-dwarf asks for pid n): no votes, as Polis answers.
    assert client.get(f"{V3}/votes?conversation_id={cid}&pid=99").get_json() == []
    assert client.get(f"{V3}/votes?conversation_id={cid}&pid={NO_AUTHOR_PID}").get_json() == []

    participants = database.session.scalar(sa.select(sa.func.count(Participant.id)))
    found = client.get(
        f"{V3}/participationInit?conversation_id={cid}&pid=mypid&{proven(cid, XIDS[1])}"
    ).get_json()
    assert found["ptpt"] == {"pid": pids[1]}
    assert [(v["tid"], v["vote"]) for v in found["votes"]] == [(0, 1), (1, 1)]
    unknown = client.get(
        f"{V3}/participationInit?conversation_id={cid}&pid=mypid&{proven(cid, 'somebody-new')}"
    ).get_json()
    assert unknown["ptpt"] is None and unknown["votes"] == []
    # Read-only: nobody was created for the unknown xid.
    assert database.session.scalar(sa.select(sa.func.count(Participant.id))) == participants


def test_participation_init_answers_only_for_an_xid_the_embedding_site_signed(
    client, owner, published
):
    """Issue 13 point 3: naming someone's xid does not show their votes, nor whether they took
    part: a bare, forged, foreign or expired xid is refused alike, before any lookup."""
    open_data(owner, published)
    cid = published["cid"]
    init = f"{V3}/participationInit?conversation_id={cid}&pid=mypid&"
    known_bare = client.get(init + urlencode({"xid": XIDS[1]}))
    unknown_bare = client.get(init + urlencode({"xid": "somebody-new"}))
    assert_refused(known_bare, 403, "xid_unsigned")
    assert (unknown_bare.status_code, unknown_bare.get_json()) == (
        known_bare.status_code,
        known_bare.get_json(),
    )
    assert "votes" not in known_bare.get_json() and "ptpt" not in known_bare.get_json()

    genuine = signed_xid(cid, XIDS[1])
    other = services.create_conversation(owner.id, "Otra mesa").public_id
    forged = [
        {**genuine, "xid": XIDS[0]},  # the signature of another xid
        {**genuine, "xid_signature": "0" * 64},
        {**signed_xid(other, XIDS[1]), "xid": XIDS[1]},  # another conversation's secret
        {**genuine, "xid_expires": genuine["xid_expires"] + 1},
    ]
    for query in forged:
        assert_refused(client.get(init + urlencode(query)), 403, "xid_signature_invalid")
    expired = signed_xid(cid, XIDS[1], expires_in=-5)
    assert_refused(client.get(init + urlencode(expired)), 403, "xid_signature_expired")

    # Without an xid: an anonymous answer, as before; with a proven one: that participant.
    anonymous = client.get(init.rstrip("&")).get_json()
    assert anonymous["ptpt"] is None and anonymous["votes"] == []
    found = client.get(init + urlencode(genuine)).get_json()
    assert found["ptpt"] == {"pid": published["pids"][1]}


def test_math_pca2_is_the_newest_fast_result_with_polis_keys_only(client, owner, published):
    open_data(owner, published)
    cid = published["cid"]
    response = client.get(f"{V3}/math/pca2?conversation_id={cid}")
    document = response.get_json()
    polis_keys = set(json.loads(POLIS_MATH_FIXTURE.read_text(encoding="utf-8")))
    assert set(document) == polis_keys  # the keys Polis's own server sent, no fewer, no more
    stored = services.latest_math_result(cid).result
    assert "mesa" in stored and "mesa" not in document
    assert document["consensus"] == stored["consensus"]
    assert document["in-conv"] == stored["in-conv"]
    assert document["math_tick"] == stored["math_tick"] >= 1
    assert document["n"] == 3 and published["rejected"] in document["mod-out"]
    tick = document["math_tick"]
    assert response.headers["ETag"] == f'"{tick}"'
    assert client.get(f"{V3}/math/pca2?conversation_id={cid}&math_tick={tick}").status_code == 304
    newer = client.get(f"{V3}/math/pca2?conversation_id={cid}&math_tick={tick - 1}")
    assert newer.status_code == 200


def _csv(client, report_id: str, name: str) -> list[list[str]]:
    response = client.get(f"{V3}/reportExport/{report_id}/{name}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_report_exports_are_the_node_servers_files(client, owner, conversation, published):
    open_data(owner, published)
    rid, pids, rejected = published["report_id"], published["pids"], published["rejected"]
    unvoted = services.add_seed_statement(owner.id, published["cid"], "Nadie la votó.").tid
    report = client.get(f"{V3}/reports?report_id={rid}").get_json()
    assert report[0]["report_id"] == rid and report[0]["conversation_id"] == published["cid"]

    summary = dict(_csv(client, rid, "summary.csv"))
    math = services.latest_math_result(published["cid"]).result
    assert list(summary) == [
        "topic",
        "url",
        "voters",
        "voters-in-conv",
        "commenters",
        "comments",
        "groups",
        "conversation-description",
    ]  # no views row, as the node server writes it
    assert int(summary["voters-in-conv"]) == len(math["in-conv"])
    assert summary["url"].endswith(f"/c/{published['cid']}")

    votes = _csv(client, rid, "votes.csv")
    assert votes[0] == list(csv_formats.VOTES_HEADER)
    history = database.session.execute(
        sa.text("SELECT created_ms, tid, pid, vote FROM votes WHERE conversation_id = :c"),
        {"c": conversation.id},
    ).all()
    assert len(votes) - 1 == len(history) == len(VOTES) + 2  # history: re-vote and auto-agree
    assert sorted(
        (int(row[0]), int(row[2]), int(row[3]), int(row[4])) for row in votes[1:]
    ) == sorted((created // 1000, tid, pid, vote) for created, tid, pid, vote in history)
    assert re.match(r"^\w{3} \w{3} \d\d \d{4} \d\d:\d\d:\d\d GMT\+0000 \(", votes[1][1])
    # red-dwarf's rule (stable sort by time, newest first; first row per cell wins) finds the
    # vote that stands even when a re-vote shares its second with the vote it replaced.
    kept: dict[tuple[int, int], int] = {}
    for row in sorted(votes[1:], key=lambda row: int(row[0]), reverse=True):
        kept.setdefault((int(row[3]), int(row[2])), int(row[4]))
    standing = database.session.execute(
        sa.select(LatestVote.pid, LatestVote.tid, LatestVote.vote).where(
            LatestVote.conversation_id == conversation.id
        )
    ).all()
    assert kept == {(pid, tid): vote for pid, tid, vote in standing}
    assert kept[(pids[1], 1)] == -1

    table = _csv(client, rid, "participant-votes.csv")
    # A column for every statement, voted or not, as the node server writes it.
    columns = ["0", "1", "2", str(rejected), str(unvoted)]
    assert table[0] == [*csv_formats.PARTICIPANTS_VOTES_HEADER, *columns]
    rows = {int(row[0]): row for row in table[1:]}
    assert list(rows) == sorted(pids)
    assert rows[pids[0]][6:] == ["1", "-1", "0", "", ""]  # CSV sign: agree = 1
    assert rows[pids[2]][2:6] == ["1", "3", "2", "1"]  # authored one; 3 votes: 2 agree, 1 dis.

    comments = _csv(client, rid, "comments.csv")
    assert comments[0] == list(csv_formats.COMMENTS_HEADER)
    assert len(comments[1][0]) == 10  # seconds, not milliseconds
    groups = _csv(client, rid, "comment-groups.csv")
    assert groups[0][:6] == list(csv_formats.COMMENT_GROUPS_HEADER)
    assert len(groups[0]) == 6 + 4 * len(math["group-clusters"])


def test_no_private_field_in_any_answer(client, owner, published):
    open_data(owner, published)
    cid, rid = published["cid"], published["report_id"]
    services.update_conversation(owner.id, cid, {"attribution": "Datos: Mesa de seguridad"})
    urls = routes(cid, rid)
    urls += [
        f"{V3}/votes?conversation_id={cid}&pid={pid}" for pid in published["pids"]
    ]  # every participant's votes
    urls.append(f"{V3}/reportExport/{rid}/attribution.txt")
    bodies = {url: client.get(url).get_data(as_text=True) for url in urls}
    assert all(body for body in bodies.values())
    private = [owner.email, MODERATOR_EMAIL, *XIDS, REJECTION_REASON, SECTOR, "token"]
    for url, body in bodies.items():
        for secret in private:
            assert secret not in body, (secret, url)
    # The statements themselves are public once the data is open, rejected ones too (Polis).
    assert REJECTED_TEXT in bodies[routes(cid, rid)[1]]
    assert "Datos: Mesa de seguridad" in bodies[f"{V3}/reportExport/{rid}/attribution.txt"]


def test_only_owners_publish_and_both_steps_are_audited(owner, conversation, published):
    cid = published["cid"]
    moderator_id = database.session.scalar(
        sa.text("SELECT id FROM facilitators WHERE email = :e"), {"e": MODERATOR_EMAIL}
    )
    with pytest.raises(Forbidden):
        polis_reports.set_data_open(moderator_id, cid, True)
    with pytest.raises(Forbidden):
        polis_reports.create_report_id(moderator_id, cid)
    outsider = make_facilitator("outsider@example.org")
    with pytest.raises(Forbidden):
        polis_reports.report_ids(outsider.id, cid)
    # Moderators may see the report ids.
    assert [r.report_id for r in polis_reports.report_ids(moderator_id, cid)] == [
        published["report_id"]
    ]
    polis_reports.set_data_open(owner.id, cid, True)
    second = polis_reports.create_report_id(owner.id, cid).report_id
    assert re.fullmatch(r"r[a-z0-9]{20}", second) and second != published["report_id"]
    database.session.rollback()
    entries = database.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.conversation_id == conversation.id)
    ).all()
    assert [e.detail for e in entries if e.action == "report.create"] == [
        {"report_id": published["report_id"]},
        {"report_id": second},
    ]
    assert {"is_data_open": {"before": False, "after": True}} in [
        e.detail for e in entries if e.action == "conversation.update"
    ]
    reports = database.session.scalar(sa.select(sa.func.count(PolisReport.id)))
    assert reports == 2


def test_console_opens_the_data_and_creates_a_report_id(client, owner, published):
    cid = published["cid"]
    log_in(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{cid}/share").get_data(as_text=True)
    assert "The data is <strong>closed</strong>" in page
    assert f"/api/v3/reportExport/{published['report_id']}/" in page
    for action in ("open-data", "create-report"):
        assert post(client, f"{CONSOLE}/c/{cid}/share/data", {"action": action}).status_code == 302
    page = client.get(f"{CONSOLE}/c/{cid}/share").get_data(as_text=True)
    assert "The data is <strong>open</strong>" in page
    shown = re.findall(r"/api/v3/reportExport/(r[a-z0-9]+)/\"", page)
    assert len(shown) == 2 and published["report_id"] in shown
    new = next(rid for rid in shown if rid != published["report_id"])
    assert client.get(f"{V3}/reports?report_id={new}").status_code == 200

    # A moderator sees the report ids but no control, and cannot post one.
    other = client.application.test_client()
    log_in(other, MODERATOR_EMAIL)
    page = other.get(f"{CONSOLE}/c/{cid}/share").get_data(as_text=True)
    assert new in page and 'value="close-data"' not in page
    for action in ("close-data", "create-report", "no-such-action"):
        refused = post(other, f"{CONSOLE}/c/{cid}/share/data", {"action": action})
        assert refused.status_code == 403, action
    assert len(polis_reports.report_ids(owner.id, cid)) == 2
    database.session.rollback()
    assert client.get(f"{V3}/conversations?conversation_id={cid}").status_code == 200
