"""The participant pages without JavaScript: plain forms that post and redirect, and 4xx on bad
input. The browser tests (tests/browser) drive the same pages in Chromium."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AccessMode, LatestVote, Participant, Statement
from tests.deliberation.conftest import signed_xid
from tests.web.conftest import API, stored_counts

FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def in_english(client):
    """Pages in English unless a test says otherwise (the default would be Spanish)."""
    client.set_cookie("mesa_language", "en")


def page(conversation_id: str, path: str = "") -> str:
    return f"/c/{conversation_id}{path}"


def form_token(response) -> str:
    found = FORM_TOKEN.search(response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


def join_by_form(client, conversation_id: str, **fields) -> str:
    """Join through the landing page; returns the form token of the voting page."""
    landing = client.get(page(conversation_id))
    response = client.post(
        page(conversation_id, "/join"), data={"csrf_token": form_token(landing), **fields}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return form_token(client.get(page(conversation_id)))


def standing_votes(conversation) -> dict[tuple[int, int], int]:
    database.session.rollback()
    rows = database.session.execute(
        sa.select(LatestVote.pid, LatestVote.tid, LatestVote.vote).where(
            LatestVote.conversation_id == conversation.id
        )
    )
    return {(pid, tid): vote for pid, tid, vote in rows}


def test_landing_speaks_the_browsers_language_and_spanish_by_default(client, conversation):
    client.delete_cookie("mesa_language")
    english = client.get(page(conversation.public_id), headers={"Accept-Language": "en-GB"})
    assert english.status_code == 200
    html = english.get_data(as_text=True)
    assert '<html lang="en">' in html and "Start voting" in html
    assert conversation.topic in html
    spanish = client.get(page(conversation.public_id), headers={"Accept-Language": "fr, de"})
    assert '<html lang="es">' in spanish.get_data(as_text=True)
    assert "Empezar a votar" in spanish.get_data(as_text=True)
    assert english.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in english.headers["Content-Security-Policy"]


def test_the_language_switch_is_remembered(client, conversation):
    client.delete_cookie("mesa_language")
    response = client.get(page(conversation.public_id, "?lang=en"))
    assert "mesa_language=en" in response.headers["Set-Cookie"]
    again = client.get(page(conversation.public_id), headers={"Accept-Language": "es"})
    assert '<html lang="en">' in again.get_data(as_text=True)


def test_join_needs_the_forms_csrf_token(client, conversation):
    client.get(page(conversation.public_id))
    refused = client.post(page(conversation.public_id, "/join"), data={"csrf_token": "forged"})
    assert refused.status_code == 400
    assert stored_counts()["participants"] == 0


def test_a_participant_joins_votes_and_changes_a_vote_without_javascript(
    client, conversation, seeds
):
    token = join_by_form(client, conversation.public_id, sector="comercio")
    database.session.rollback()
    participant = database.session.scalar(sa.select(Participant))
    assert participant.sector == "comercio"

    for _ in seeds:
        voting = client.get(page(conversation.public_id))
        tid = int(re.search(r'name="tid" value="(\d+)"', voting.get_data(as_text=True)).group(1))
        response = client.post(
            page(conversation.public_id, "/votes"),
            data={"csrf_token": token, "tid": tid, "vote": "-1"},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == page(conversation.public_id)
    assert standing_votes(conversation) == {(0, tid): -1 for tid in seeds}
    done = client.get(page(conversation.public_id)).get_data(as_text=True)
    assert "You have voted on everything" in done

    changed = client.post(
        page(conversation.public_id, "/votes"),
        data={"csrf_token": token, "tid": seeds[1], "vote": "1", "back": "votes"},
    )
    assert changed.headers["Location"] == page(conversation.public_id, f"/votes#s{seeds[1]}")
    assert standing_votes(conversation)[(0, seeds[1])] == 1
    listing = client.get(page(conversation.public_id, "/votes")).get_data(as_text=True)
    assert listing.count('aria-pressed="true"') == len(seeds)


@pytest.mark.parametrize(
    "fields, status",
    [
        ({"tid": "0", "vote": "2"}, 400),
        ({"tid": "zero", "vote": "1"}, 400),
        ({"tid": "-1", "vote": "1"}, 400),
        ({"tid": str(2**40), "vote": "1"}, 400),
        ({"tid": "0"}, 400),
        ({"tid": "99", "vote": "1"}, 404),
    ],
)
def test_bad_votes_are_refused(client, conversation, seeds, fields, status):
    token = join_by_form(client, conversation.public_id)
    response = client.post(
        page(conversation.public_id, "/votes"), data={"csrf_token": token, **fields}
    )
    assert response.status_code == status
    assert stored_counts()["votes"] == 0


def test_a_vote_without_the_participants_form_token_is_refused(client, conversation, seeds):
    join_by_form(client, conversation.public_id)
    response = client.post(
        page(conversation.public_id, "/votes"), data={"tid": seeds[0], "vote": "1"}
    )
    assert response.status_code == 400
    assert stored_counts()["votes"] == 0


def test_pages_need_a_participant(client, conversation, seeds):
    for path in ("/votes", "/statements", "/group", "/sector"):
        assert client.get(page(conversation.public_id, path)).status_code == 403
    response = client.post(
        page(conversation.public_id, "/votes"), data={"tid": seeds[0], "vote": "1"}
    )
    assert response.status_code == 403


def test_unknown_conversations_are_404(client):
    assert client.get("/c/0000000000").status_code == 404
    assert client.get("/c/not-an-id").status_code == 404


def test_adding_a_statement_and_seeing_its_state(client, owner, conversation, seeds):
    token = join_by_form(client, conversation.public_id)
    response = client.post(
        page(conversation.public_id, "/statements"),
        data={"csrf_token": token, "text": "Policías con <b>cámaras</b>"},
    )
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: your statement was received." in shown
    assert "Policías con &lt;b&gt;cámaras&lt;/b&gt;" in shown and "<b>cámaras" not in shown
    assert "Others can already vote on it; a moderator will still review it." in shown
    database.session.rollback()
    added = database.session.scalar(sa.select(Statement).where(Statement.author_pid == 0))
    assert added.text == "Policías con <b>cámaras</b>" and added.language == "en"

    services.moderate_statement(
        owner.id, conversation.public_id, added.tid, "rejected", reason="duplicada"
    )
    shown = client.get(page(conversation.public_id, "/statements")).get_data(as_text=True)
    assert "Not accepted: duplicada" in shown


@pytest.mark.parametrize(
    "text, status, message",
    [
        ("x" * 281, 400, "That statement is too long."),
        ("   ", 400, "Write a statement first."),
        ("Más fiscales e investigadores, no más soldados.", 409, "already in the conversation"),
    ],
)
def test_a_refused_statement_keeps_the_draft(client, conversation, seeds, text, status, message):
    token = join_by_form(client, conversation.public_id)
    before = stored_counts()["statements"]
    response = client.post(
        page(conversation.public_id, "/statements"), data={"csrf_token": token, "text": text}
    )
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert stored_counts()["statements"] == before


def test_statement_text_is_escaped_and_translations_follow_the_language(
    client, owner, conversation
):
    services.add_seed_statement(
        owner.id, conversation.public_id, "<script>alert(1)</script><img src=x onerror=alert(2)>"
    )
    join_by_form(client, conversation.public_id)
    html = client.get(page(conversation.public_id)).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script>alert" not in html and "<img" not in html

    services.translate_statement(owner.id, conversation.public_id, 0, "en", "Plain English")
    english = client.get(page(conversation.public_id, "?lang=en")).get_data(as_text=True)
    assert (
        '<p class="statement" id="statement" tabindex="-1" lang="en">Plain English</p>' in english
    )


def test_page_and_api_accept_the_same_participant(client, conversation, seeds):
    token = join_by_form(client, conversation.public_id)
    response = client.post(
        f"{API}/conversations/{conversation.public_id}/votes",
        json={"tid": seeds[0], "vote": 1},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200, response.get_json()
    assert standing_votes(conversation) == {(0, seeds[0]): 1}


def test_a_closed_conversation_shows_its_results_and_takes_no_votes(
    client, owner, conversation, seeds
):
    token = join_by_form(client, conversation.public_id)
    services.record_math_result(conversation.public_id, "fast", two_groups(seeds))
    services.update_conversation(owner.id, conversation.public_id, {"is_open": False})
    summary = client.get(page(conversation.public_id))
    html = summary.get_data(as_text=True)
    assert summary.status_code == 200
    assert "This conversation is closed" in html and "You were in group B." in html
    assert "Group A: 1 participant" in html and "<svg" in html and 'name="vote"' not in html
    refused = client.post(
        page(conversation.public_id, "/votes"),
        data={"csrf_token": token, "tid": seeds[0], "vote": "1"},
    )
    assert refused.status_code == 403
    assert "closed" in refused.get_data(as_text=True)


def test_the_group_page_shows_the_readers_group_and_common_ground(client, conversation, seeds):
    join_by_form(client, conversation.public_id)
    waiting = client.get(page(conversation.public_id, "/group")).get_data(as_text=True)
    assert "Vote on 3 more statements" in waiting
    services.record_math_result(conversation.public_id, "fast", two_groups(seeds))
    html = client.get(page(conversation.public_id, "/group")).get_data(as_text=True)
    assert "You are in group B" in html
    assert 'class="you"' in html and html.count("<polygon") + html.count("<circle") >= 2
    assert "Agreed by 2 of 2 groups" in html
    assert "La policía municipal necesita mejores salarios." in html  # a representative one


def test_invite_codes_and_a_sector_asked_after_joining(client, owner, conversation):
    services.update_conversation(
        owner.id, conversation.public_id, {"access_mode": AccessMode.INVITE}
    )
    plain = services.create_invite_code(owner.id, conversation.public_id).code
    landing = client.get(page(conversation.public_id, f"?invite={plain}"))
    html = landing.get_data(as_text=True)
    assert f'value="{plain}"' in html and 'name="sector"' not in html
    wrong = client.post(
        page(conversation.public_id, "/join"),
        data={"csrf_token": form_token(landing), "invite_code": "nope"},
    )
    assert wrong.status_code == 403
    assert "not valid for this conversation" in wrong.get_data(as_text=True)
    assert stored_counts()["participants"] == 0

    joined = client.post(
        page(conversation.public_id, "/join"),
        data={"csrf_token": form_token(landing), "invite_code": plain},
    )
    assert joined.headers["Location"] == page(conversation.public_id, "/sector")
    sector_form = client.get(joined.headers["Location"])
    assert "Prefer not to say" in sector_form.get_data(as_text=True)
    declared = client.post(
        page(conversation.public_id, "/sector"),
        data={"csrf_token": form_token(sector_form), "sector": "gobierno"},
    )
    assert declared.status_code == 302
    database.session.rollback()
    assert database.session.scalar(sa.select(Participant.sector)) == "gobierno"
    again = client.post(
        page(conversation.public_id, "/sector"),
        data={"csrf_token": form_token(sector_form), "sector": "comercio"},
    )
    assert again.status_code == 409


def test_an_invite_code_with_a_sector_is_not_asked_again(client, owner, conversation):
    services.update_conversation(
        owner.id, conversation.public_id, {"access_mode": AccessMode.INVITE}
    )
    code = services.create_invite_code(owner.id, conversation.public_id, sector="comercio").code
    landing = client.get(page(conversation.public_id))
    joined = client.post(
        page(conversation.public_id, "/join"),
        data={"csrf_token": form_token(landing), "invite_code": code},
    )
    assert joined.headers["Location"] == page(conversation.public_id)


def test_the_embed_is_framable_and_keeps_the_participant_in_its_cookie(
    client, owner, conversation, seeds
):
    """Issue 13 point 4 changed this test: the token no longer rides in `?p=` links."""
    services.update_conversation(owner.id, conversation.public_id, {"access_mode": AccessMode.XID})
    services.allow_xids(owner.id, conversation.public_id, ["member-17"])
    embed = f"/embed/{conversation.public_id}"
    member = signed_xid(conversation.public_id, "member-17")
    landing = client.get(f"{embed}?{urlencode(member)}")
    assert "frame-ancestors *" in landing.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in landing.headers
    forged = client.post(
        f"{embed}/join",
        data={"csrf_token": form_token(landing), **member, "xid": "someone-else"},
    )
    assert forged.status_code == 400

    joined = client.post(f"{embed}/join", data={"csrf_token": form_token(landing), **member})
    assert joined.status_code == 302
    location = joined.headers["Location"]
    assert "p=" not in location and "token" not in location

    voting = client.get(location)
    html = voting.get_data(as_text=True)
    assert 'id="vote-form"' in html and "data-token" not in html
    vote_url = re.search(r'<form method="post" action="([^"]+)" id="vote-form"', html).group(1)
    assert "p=" not in vote_url
    voted = client.post(
        vote_url.replace("&amp;", "&"),
        data={"csrf_token": form_token(voting), "tid": seeds[0], "vote": "0"},
    )
    assert voted.status_code == 302 and "p=" not in voted.headers["Location"]
    assert standing_votes(conversation) == {(0, seeds[0]): 0}
    database.session.rollback()
    assert database.session.scalar(sa.select(Participant.xid)) == "member-17"


def test_embed_cookies_are_samesite_none_over_https(client, conversation):
    embed = f"/embed/{conversation.public_id}"
    landing = client.get(embed, base_url="https://mesa.example.org")
    joined = client.post(
        f"{embed}/join",
        data={"csrf_token": form_token(landing)},
        base_url="https://mesa.example.org",
        headers={"Referer": f"https://mesa.example.org{embed}"},
    )
    cookies = joined.headers.getlist("Set-Cookie")
    assert cookies and all("SameSite=None" in c and "Secure" in c for c in cookies)
    assert all("Partitioned" in c for c in cookies)  # kept by a third-party frame (CHIPS)


def test_the_privacy_notice_in_both_languages(client, conversation):
    english = client.get(page(conversation.public_id, "/privacy?lang=en")).get_data(as_text=True)
    assert "What is never stored" in english and "IP address" in english
    spanish = client.get(page(conversation.public_id, "/privacy?lang=es")).get_data(as_text=True)
    assert "Qué nunca se guarda" in spanish and "dirección IP" in spanish


def test_the_data_attribution_is_shown(client, owner, conversation):
    services.update_conversation(
        owner.id, conversation.public_id, {"attribution": "Datos de pol.is, CC BY 4.0"}
    )
    html = client.get(page(conversation.public_id)).get_data(as_text=True)
    assert "Datos de pol.is, CC BY 4.0" in html


def two_groups(tids: list[int]) -> dict:
    """A math result in the stored shape: participant 0 alone in group 1 ("B"), a stranger (pid
    99) in group 0; both groups agree with the first statement."""
    first, second = (str(tid) for tid in tids[:2])
    return {
        "n": 2,
        "group-votes": {
            "0": {"n-members": 1, "votes": {first: {"A": 1, "D": 0, "S": 1}}, "id": 0},
            "1": {
                "n-members": 1,
                "votes": {first: {"A": 1, "D": 0, "S": 1}, second: {"A": 0, "D": 1, "S": 1}},
                "id": 1,
            },
        },
        "repness": {
            "1": [
                {
                    "tid": int(second),
                    "repful-for": "disagree",
                    "p-success": 0.67,
                    "n-success": 1,
                    "n-trials": 1,
                }
            ]
        },
        "group-aware-consensus": {first: 0.44},
        "comment-priorities": {},
        "mesa": {
            "participants": {"pid": [0, 99], "x": [1.0, -1.0], "y": [0.5, -0.2], "group": [1, 0]}
        },
    }


def test_the_map_outlines_each_group_by_its_convex_hull():
    from deliberation.services import GroupSummary, OpinionSummary, Placement
    from web.participant.opinion_map import convex_hull, opinion_map

    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]
    assert convex_hull([*square, (1.0, 1.0), (2.0, 0.0)]) == square
    summary = OpinionSummary(
        math_version=1,
        computed_ms=0,
        participants=6,
        groups=[
            GroupSummary(0, 5, [], [*square, (1.0, 1.0)]),
            GroupSummary(1, 1, [], [(9.0, 9.0)]),
        ],
        common_ground=[],
        placement=Placement(1, 1.0, 1.0, 0),
    )
    drawn = opinion_map(summary)
    first, second = drawn.outlines
    assert (first.label, first.is_readers, len(first.points.split())) == ("A", True, 4)
    assert (second.label, second.is_readers, len(second.points.split())) == ("B", False, 2)
    xs = [float(p.split(",")[0]) for outline in drawn.outlines for p in outline.points.split()]
    assert min(xs) >= 0 and max(xs) <= drawn.width
    assert drawn.reader == first.centre  # the reader sits in the middle of the square
