"""Near-duplicates on the pages: the author of a draft is offered the existing statement to vote
on (or sends theirs anyway), and the moderation queue says "similar to #N"."""

from __future__ import annotations

import pytest

from deliberation import services
from tests.web.conftest import stored_counts
from tests.web.test_console import CONSOLE, log_in
from tests.web.test_participant_pages import join_by_form, page, standing_votes

SEED = "Más fiscales e investigadores, no más soldados."
DRAFT = "Yo creo que hacen falta más fiscales e investigadores, no más soldados"


@pytest.mark.parametrize(
    "language, heading",
    [("en", "Someone already said something similar"), ("es", "Alguien ya dijo algo parecido")],
)
def test_a_draft_close_to_a_statement_offers_it_to_vote_on(
    client, conversation, seeds, language, heading
):
    client.set_cookie("mesa_language", language)
    token = join_by_form(client, conversation.public_id)
    before = stored_counts()["statements"]
    response = client.post(
        page(conversation.public_id, "/statements"), data={"csrf_token": token, "text": DRAFT}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert heading in html and SEED in html and DRAFT in html
    assert 'name="anyway" value="1"' in html
    assert stored_counts()["statements"] == before

    voted = client.post(
        page(conversation.public_id, "/votes"),
        data={"csrf_token": token, "tid": "0", "vote": "1", "back": "votes"},
    )
    assert voted.status_code == 302
    assert standing_votes(conversation) == {(0, 0): 1}
    assert stored_counts()["statements"] == before


def test_the_author_can_send_the_draft_anyway(client, conversation, seeds):
    client.set_cookie("mesa_language", "en")
    token = join_by_form(client, conversation.public_id)
    before = stored_counts()["statements"]
    response = client.post(
        page(conversation.public_id, "/statements"),
        data={"csrf_token": token, "text": DRAFT, "anyway": "1"},
    )
    assert response.status_code == 302
    assert stored_counts()["statements"] == before + 1


def test_a_draft_unlike_any_statement_is_sent_at_once(client, conversation, seeds):
    client.set_cookie("mesa_language", "en")
    token = join_by_form(client, conversation.public_id)
    response = client.post(
        page(conversation.public_id, "/statements"),
        data={"csrf_token": token, "text": "Alumbrado público en todas las colonias."},
    )
    assert response.status_code == 302


def test_the_moderation_queue_says_which_statement_a_new_one_repeats(
    client, owner, conversation, seeds
):
    author = services.join_conversation(conversation.public_id)
    repeated = services.submit_statement(conversation.public_id, author.pid, DRAFT)
    fresh = services.submit_statement(
        conversation.public_id, author.pid, "Alumbrado público en todas las colonias."
    )
    log_in(client, owner.email)
    client.set_cookie("mesa_language", "en")
    html = client.get(f"{CONSOLE}/c/{conversation.public_id}/moderation").get_data(as_text=True)
    assert 'data-similar-tid="0">similar to #0<' in html
    assert html.count("similar-badge") == 1
    assert f'data-tid="{repeated.tid}"' in html and f'data-tid="{fresh.tid}"' in html
    client.set_cookie("mesa_language", "es")
    html = client.get(f"{CONSOLE}/c/{conversation.public_id}/moderation").get_data(as_text=True)
    assert 'data-similar-tid="0">parecida a la #0<' in html


def test_a_statement_the_author_already_voted_on_is_not_offered_again(client, conversation, seeds):
    client.set_cookie("mesa_language", "en")
    token = join_by_form(client, conversation.public_id)
    client.post(
        page(conversation.public_id, "/votes"), data={"csrf_token": token, "tid": "0", "vote": "-1"}
    )
    before = stored_counts()["statements"]
    response = client.post(
        page(conversation.public_id, "/statements"), data={"csrf_token": token, "text": DRAFT}
    )
    assert response.status_code == 302
    assert stored_counts()["statements"] == before + 1
