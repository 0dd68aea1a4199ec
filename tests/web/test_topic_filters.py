"""Topic filters (issue 17): the map's statement explorer and the moderation queue keep one
topic's statements; renaming a topic from the topics page; the groups' agreement on the page.
Bad filters are 4xx and change nothing."""

from __future__ import annotations

import re

import sqlalchemy as sa

from deliberation import services
from deliberation.recompute import run_once
from deliberation.services.topics import latest_topics
from tests.deliberation.conftest import join
from tests.deliberation.test_subcommittees_and_topics import JUSTICE, POLICE
from tests.web.test_console import CONSOLE, post
from tests.web.test_topics_page import _table


def _voted(client, owner, conversation):
    """The topics page's table, every statement voted on by two camps, the queue with one new
    police statement from a participant."""
    _table(client, owner, conversation)
    cid = conversation.public_id
    for camp in (1, -1):
        for _ in range(4):
            pid = join(conversation).pid
            for tid in range(8):
                services.cast_vote(cid, pid, tid, camp if tid < 4 else 1)
    run_once("fast")
    police = next(t for t in latest_topics(cid).topics if 0 in t.tids)
    justice = next(t for t in latest_topics(cid).topics if 4 in t.tids)
    assert police.index != justice.index
    return cid, police, justice


def _explorer_tids(page: str) -> set[int]:
    lists = page.split('id="findings-compact"', 1)[1]
    return {int(t) for t in re.findall(r'class="statement-item" data-tid="(\d+)"', lists)}


def test_the_maps_statement_explorer_keeps_one_topics_statements(client, owner, conversation):
    cid, police, justice = _voted(client, owner, conversation)
    everything = client.get(f"{CONSOLE}/c/{cid}/map").get_data(as_text=True)
    assert 'id="filter-topic"' in everything
    assert _explorer_tids(everything) & set(police.tids)
    assert _explorer_tids(everything) & set(justice.tids)

    page = client.get(f"{CONSOLE}/c/{cid}/map?topic={police.index}").get_data(as_text=True)
    shown = _explorer_tids(page)
    assert shown and shown <= set(police.tids)
    # The fragment the page polls keeps the filter.
    assert f"compact=1&amp;topic={police.index}&amp;topics={latest_topics(cid).version}" in page
    fragment = client.get(
        f"{CONSOLE}/c/{cid}/fragments/findings?compact=1&topic={justice.index}"
    ).get_data(as_text=True)
    found = {int(t) for t in re.findall(r'data-tid="(\d+)"', fragment)}
    assert found and found <= set(justice.tids)

    assert client.get(f"{CONSOLE}/c/{cid}/map?topic=x").status_code == 400
    assert client.get(f"{CONSOLE}/c/{cid}/map?topic=77").status_code == 404
    assert client.get(f"{CONSOLE}/c/{cid}/fragments/findings?topic=77").status_code == 404


def test_the_moderation_queue_keeps_one_topics_statements(client, owner, conversation):
    cid, police, justice = _voted(client, owner, conversation)
    tab = "accepted"
    page = client.get(f"{CONSOLE}/c/{cid}/moderation?tab={tab}").get_data(as_text=True)
    queued = lambda html: {int(t) for t in re.findall(r'class="queue-item" data-tid="(\d+)"', html)}  # noqa: E731
    assert queued(page) == set(range(8))
    only = client.get(f"{CONSOLE}/c/{cid}/moderation?tab={tab}&topic={justice.index}")
    html = only.get_data(as_text=True)
    assert queued(html) == set(justice.tids) & set(range(8))
    # The tabs and the decision keep the filter.
    version = latest_topics(cid).version
    assert f"tab=todo&amp;topic={justice.index}&amp;topics={version}" in html
    response = post(
        client,
        f"{CONSOLE}/c/{cid}/moderation",
        {"row": "meta:4", "tab": tab, "topic": str(justice.index)},
    )
    assert response.location.endswith(f"tab={tab}&topic={justice.index}")
    kept = post(
        client,
        f"{CONSOLE}/c/{cid}/moderation",
        {"row": "meta:4", "tab": tab, "topic": str(justice.index), "topics": "3"},
    )
    assert kept.location.endswith(f"tab={tab}&topic={justice.index}&topics=3")
    assert client.get(f"{CONSOLE}/c/{cid}/moderation?topic=-1").status_code == 400
    assert client.get(f"{CONSOLE}/c/{cid}/moderation?topic=12").status_code == 404


def test_a_topic_is_renamed_from_its_page_and_the_filters_use_the_name(client, owner, conversation):
    cid, police, justice = _voted(client, owner, conversation)
    response = post(
        client, f"{CONSOLE}/c/{cid}/topics/rename", {"topic": police.index, "name": "Policía"}
    )
    assert response.status_code == 302
    page = client.get(f"{CONSOLE}/c/{cid}/topics").get_data(as_text=True)
    assert "Topic renamed: Policía." in page
    assert "<h3>Policía <span" in page
    assert f"from its words: {police.name}" in page
    assert services.audit_trail(owner.id, cid)[-1].action == "topic.rename"
    queue = client.get(f"{CONSOLE}/c/{cid}/moderation").get_data(as_text=True)
    assert f'<option value="{police.index}">Policía</option>' in queue

    # Too long, or no such topic: refused, flashed, nothing renamed.
    for form, why in (
        ({"topic": justice.index, "name": "x" * 201}, "at most 200 characters"),
        ({"topic": "nine", "name": "Otro"}, "choose a topic"),
        ({"topic": "9", "name": "Otro"}, "no topic 9"),
    ):
        post(client, f"{CONSOLE}/c/{cid}/topics/rename", form)
        page = client.get(f"{CONSOLE}/c/{cid}/topics").get_data(as_text=True)
        assert re.search(rf'class="flash error">Not done: [^<]*{why}', page), why
    assert [t.name for t in latest_topics(cid).topics].count("Policía") == 1


def test_the_topics_page_shows_each_groups_agreement(client, owner, conversation):
    cid, police, justice = _voted(client, owner, conversation)
    page = client.get(f"{CONSOLE}/c/{cid}/topics").get_data(as_text=True)
    section = page.split(f'id="topic-{justice.index}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(
        r'<tr class="group-(\d+)" data-group="\d+"><th scope="row">Group (\w)</th>'
        r'<td class="number">(\d+)%</td><td class="number">(\d+)</td>'
        r'<td class="number">(\d+)</td><td class="number">(\d+)</td>',
        section,
    )
    assert len(rows) == 2
    members = len(set(justice.tids) & set(range(8)))
    for _gid, _label, share, agrees, disagrees, seen in rows:
        # Both camps agree with every justice statement: 4 voters each, all agree.
        assert (int(share), int(agrees), int(disagrees), int(seen)) == (
            100,
            4 * members,
            0,
            4 * members,
        )
    assert "Raw shares, not smoothed" in section
    client.set_cookie("mesa_language", "es")
    spanish = client.get(f"{CONSOLE}/c/{cid}/topics").get_data(as_text=True)
    assert "Proporciones en bruto, sin suavizar" in spanish
    assert POLICE[0] in spanish and JUSTICE[0] in spanish


def _store_recomputed_topics(cid: str, topics: list[dict]) -> int:
    """A newer computation of the conversation's topics, as the worker would store it after
    statements arrived: the newest document with `topics` in place of its own."""
    from deliberation.db import db, now_ms, unit_of_work
    from deliberation.models import Conversation, TopicResult

    conversation = db.session.scalar(sa.select(Conversation).where(Conversation.public_id == cid))
    newest = db.session.scalar(
        sa.select(TopicResult)
        .where(TopicResult.conversation_id == conversation.id)
        .order_by(TopicResult.version.desc())
    )
    with unit_of_work() as session:
        stored = TopicResult(
            conversation_id=conversation.id,
            version=newest.version + 1,
            statements_updated_ms=newest.statements_updated_ms,
            statement_count=newest.statement_count,
            document={**newest.document, "topics": topics},
            created_ms=now_ms(),
        )
        session.add(stored)
    return stored.version


def test_a_filter_follows_its_topic_when_the_topics_are_computed_again(client, owner, conversation):
    cid, police, justice = _voted(client, owner, conversation)
    version = latest_topics(cid).version
    before = latest_topics(cid)
    document_topics = [
        {
            "name": t.name,
            "terms": list(t.terms),
            "coherence": t.coherence,
            "tids": list(t.tids),
            "suggested_subcommittee_id": t.suggested_subcommittee_id,
        }
        for t in before.topics
    ]
    # The worker numbers its topics anew: the same topics, in the other order.
    newer = _store_recomputed_topics(cid, list(reversed(document_topics)))
    police_now = next(t for t in latest_topics(cid).topics if 0 in t.tids)
    assert police_now.index != police.index  # the old number now names another topic

    page = client.get(f"{CONSOLE}/c/{cid}/map?topic={police.index}&topics={version}")
    html = page.get_data(as_text=True)
    shown = _explorer_tids(html)
    assert shown and shown <= set(police.tids)
    assert f"compact=1&amp;topic={police_now.index}&amp;topics={newer}" in html
    assert 'id="topic-filter-lost"' not in html
    queue = client.get(
        f"{CONSOLE}/c/{cid}/moderation?tab=accepted&topic={police.index}&topics={version}"
    ).get_data(as_text=True)
    assert set(re.findall(r'class="queue-item" data-tid="(\d+)"', queue)) == {
        str(t) for t in police.tids if t < 8
    }
    # Without `topics`, the number is the newest topics' (as links made before this change).
    plain = client.get(f"{CONSOLE}/c/{cid}/map?topic={police.index}").get_data(as_text=True)
    assert _explorer_tids(plain) <= set(justice.tids)

    # Topics that split the police statements: none continues the topic, all are shown.
    halves = [
        {**document_topics[0], "tids": [0, 1, 4, 5]},
        {**document_topics[0], "tids": [2, 3, 6, 7]},
    ]
    _store_recomputed_topics(cid, halves)
    lost = client.get(f"{CONSOLE}/c/{cid}/map?topic={police.index}&topics={version}")
    assert lost.status_code == 200
    html = lost.get_data(as_text=True)
    assert 'id="topic-filter-lost"' in html
    assert _explorer_tids(html) & set(justice.tids) and _explorer_tids(html) & set(police.tids)

    assert client.get(f"{CONSOLE}/c/{cid}/map?topic=0&topics=x").status_code == 400
    assert client.get(f"{CONSOLE}/c/{cid}/map?topic=0&topics=999").status_code == 404
    assert client.get(f"{CONSOLE}/c/{cid}/map?topic=9&topics={version}").status_code == 404
