"""One figure, one number (issue 14 point 5): every page that prints how much of a group agreed
prints the plain share of the counts beside it, and the one smoothed figure it shows (the gap
in "What divides") says it is an estimate. Each test computes both numbers itself from the
stored result and checks the pages against them, on both databases."""

from __future__ import annotations

import csv
import io
import math
import re
from html import unescape

import numpy as np
import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import Participant
from deliberation.recompute import run_once
from tests.web.conftest import CONSOLE, log_in

FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
FIGURE = re.compile(r'<p class="figure">(.*?)</p>', re.S)
ITEM = re.compile(r'<li class="statement-item" data-tid="(\d+)">(.*?)</li>', re.S)
STATEMENTS = 12


def plain(count: int, voted: int) -> str:
    return f"{math.floor(100 * count / voted + 0.5)}%"


def smoothed(count: int, voted: int) -> str:
    return f"{math.floor(100 * (count + 1) / (voted + 2) + 0.5)}%"


@pytest.fixture
def voted(owner, conversation, fewer_resamples, in_thread):
    """Two camps of eleven that part on statements 0-5 and meet on 6-11 (a few dissent, a few
    pass), and three people with two votes each, too few to be placed in a group."""
    cid = conversation.public_id
    for t in range(STATEMENTS):
        services.add_seed_statement(owner.id, cid, f"Propuesta número {t} para la mesa de hoy.")
    for person in range(22):
        camp = person % 2
        pid = services.join_conversation(cid, sector="comercio").pid
        for t in range(STATEMENTS):
            if t < 6:
                vote = (1 if camp == 0 else -1) if (person + t) % 7 else 0
            else:
                vote = -1 if (person * 3 + t) % 9 == 0 else 0 if (person + t) % 5 == 0 else 1
            services.cast_vote(cid, pid, t, vote)
    for _ in range(3):
        pid = services.join_conversation(cid).pid
        services.cast_vote(cid, pid, 6, 1)
        services.cast_vote(cid, pid, 7, -1)
    run_once("fast")
    run_once("slow")
    return services.newest_result(cid).view


def figures_by_tid(html: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for tid, body in ITEM.findall(html):
        found.setdefault(int(tid), []).extend(unescape(f).strip() for f in FIGURE.findall(body))
    return found


def group_bar_share(html: str, tid: int, gid: int) -> str:
    """The agree share printed in group `gid`'s bar of statement `tid`'s item."""
    body = dict((int(t), b) for t, b in ITEM.findall(html))[tid]
    row = re.search(
        rf'<tr class="group-{gid}">.*?<span class="agree-text">([^<]+)</span>', body, re.S
    )
    return row.group(1)


def test_the_console_prints_plain_shares_with_their_counts(client, owner, conversation, voted):
    assert len(voted.group_votes.group_ids) >= 2
    log_in(client, owner.email)
    base = f"{CONSOLE}/c/{conversation.public_id}"
    differing = 0
    for gid in voted.group_votes.group_ids.tolist():
        html = client.get(f"{base}/fragments/groups/{gid}?lang=en").get_data(as_text=True)
        figures = figures_by_tid(html)
        letter = chr(ord("A") + gid)
        for entry in voted.repness[gid]:
            side = "agree" if entry.agrees else "disagree"
            expected = (
                f"{plain(entry.n_success, entry.n_trials)} of group {letter} {side} "
                f"({entry.n_success} of {entry.n_trials} who voted)"
            )
            assert figures[entry.tid] == [expected]
            if entry.agrees:  # the card's figure is the group's bar beside it
                assert group_bar_share(html, entry.tid, gid) == plain(
                    entry.n_success, entry.n_trials
                )
            differing += plain(entry.n_success, entry.n_trials) != smoothed(
                entry.n_success, entry.n_trials
            )
    assert differing, "the data should have a share its estimate rounds differently"

    html = client.get(f"{base}/consensus?lang=en").get_data(as_text=True)
    figures = figures_by_tid(html)
    assert voted.majority["agree"]
    for side in ("agree", "disagree"):
        for entry in voted.majority[side]:
            assert (
                f"{plain(entry.n_success, entry.n_trials)} of everyone {side} "
                f"({entry.n_success} of {entry.n_trials} who voted)"
            ) in figures[entry.tid]
    # Beside them, the bars' total row is named for what it adds up: the grouped voters.
    assert '<th scope="row">All groups</th>' in html and '<th scope="row">All</th>' not in html

    # The one smoothed figure says so, and is the gap between the groups' estimates.
    votes = voted.group_votes
    column = {tid: i for i, tid in enumerate(votes.tids.tolist())}
    divisive = [(int(t), f) for t, fs in figures.items() for f in fs if "apart" in f]
    assert divisive
    for tid, figure in divisive:
        i = column[tid]
        shares = [
            (votes.agree[g, i] + 1) / (votes.seen[g, i] + 2)
            for g in range(len(votes.group_ids))
            if votes.seen[g, i] >= 3
        ]
        gap = math.floor(100 * (max(shares) - min(shares)) + 0.5)
        assert figure == f"groups ≈{gap} points apart (estimated)"

    spanish = client.get(f"{base}/consensus?lang=es").get_data(as_text=True)
    assert "de todas las personas está de acuerdo" in spanish
    assert "puntos de distancia (estimado)" in spanish


def test_the_participants_group_page_and_the_report_print_the_same_shares(
    client, owner, conversation, voted
):
    cid = conversation.public_id
    # A participant joins on their phone and votes like camp 0, then reads their group's page.
    phone = client.application.test_client()
    phone.set_cookie("mesa_language", "en")
    landing = phone.get(f"/c/{cid}")
    token = FORM_TOKEN.search(landing.get_data(as_text=True)).group(1)
    assert phone.post(f"/c/{cid}/join", data={"csrf_token": token}).status_code == 302
    database.session.rollback()
    pid = database.session.scalar(sa.select(sa.func.max(Participant.pid)))
    for t in range(STATEMENTS):
        services.cast_vote(cid, pid, t, 1)
    run_once("fast")
    view = services.newest_result(cid).view
    gid = int(view.placements.groups_of(np.array([pid]))[0])
    assert gid >= 0
    html = unescape(phone.get(f"/c/{cid}/group").get_data(as_text=True))
    shown = [e for e in view.repness[gid] if e.tid in range(STATEMENTS)][:5]
    assert shown
    for entry in shown:
        side = "agreed" if entry.agrees else "disagreed"
        assert (
            f"{plain(entry.n_success, entry.n_trials)} of the group {side} "
            f"({entry.n_success} of {entry.n_trials})"
        ) in html

    # The report (page, Markdown, CSV) of the result before them prints the same numbers.
    run_once("slow")
    view = services.newest_result(cid).view
    log_in(client, owner.email)
    report = client.get(f"{CONSOLE}/c/{cid}/report?lang=en").get_data(as_text=True)
    markdown = client.get(f"{CONSOLE}/c/{cid}/report.md?lang=en").get_data(as_text=True)
    table = client.get(f"{CONSOLE}/c/{cid}/report.csv?lang=en").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(table)))
    for group, entries in view.repness.items():
        letter = chr(ord("A") + group)
        for entry in entries:
            share = plain(entry.n_success, entry.n_trials)
            side = "agree" if entry.agrees else "disagree"
            counts = f"({entry.n_success} of {entry.n_trials})"
            assert f'{share} {side}</span> <span class="muted">{counts}</span>' in report
            assert f"**{share} {side}** {counts}" in markdown
            exported = [
                float(r["value"])
                for r in rows
                if r["section"] == "group"
                and r["subject"] == letter
                and r["measure"] == f"represents_{side}"
                and r["tid"] == str(entry.tid)
            ]
            assert exported == [pytest.approx(entry.n_success / entry.n_trials, abs=1e-6)]
    document = client.get(f"{CONSOLE}/c/{cid}/report.json").get_json()
    for group in document["groups"]:
        for stance in group["stances"]:
            assert stance["share"] == pytest.approx(stance["count"] / stance["n"])
            assert stance["count"] <= stance["n"]
    assert any(group["stances"] for group in document["groups"])
    assert "points apart (estimated)" in report
    spanish = client.get(f"{CONSOLE}/c/{cid}/report?lang=es").get_data(as_text=True)
    assert "puntos de distancia (estimado)" in spanish


def test_methods_explain_shares_and_estimates_in_both_languages(client):
    english = unescape(client.get("/methods?lang=en").get_data(as_text=True))
    assert 'id="shares-and-estimates"' in english
    assert "“≈” and the word “estimated”" in english
    spanish = unescape(client.get("/methods?lang=es").get_data(as_text=True))
    assert "Proporciones y estimaciones" in spanish
    assert "«≈» y la palabra «estimado»" in spanish
