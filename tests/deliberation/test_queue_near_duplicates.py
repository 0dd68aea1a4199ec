"""The moderation queue's "similar to #N" (issue 17 review): each statement is normalised once,
not once per queued statement, and the answers are those of checking each one on its own."""

import clustering.near_duplicates as near_duplicates
import deliberation.services.near_duplicates as queue_check
from clustering.near_duplicates import similar_statements
from deliberation import services
from deliberation.services.topics import unrejected_texts
from tests.deliberation.conftest import join

TEXTS = [
    "Más fiscales e investigadores, no más soldados.",
    "La policía municipal necesita mejores salarios.",
    "Toda detención debe registrarse en un sistema público.",
    "Mas fiscales e investigadores y no mas soldados",
    "La policía municipal necesita mejores salarios y seguro de vida.",
    "Alumbrado en los parques de la colonia.",
    "Toda detención debe registrarse en un sistema público y abierto.",
]


def test_the_queue_normalises_each_statement_once(owner, conversation, monkeypatch):
    cid = conversation.public_id
    services.seed_statements(owner.id, cid, TEXTS[:3])
    author = join(conversation).pid
    for text in TEXTS[3:]:
        services.submit_statement(cid, author, text)
    queue = services.moderation_queue(owner.id, cid, "todo")
    assert len(queue) == 4

    calls = []
    real = near_duplicates.normalise
    counted = lambda text: calls.append(text) or real(text)  # noqa: E731
    monkeypatch.setattr(near_duplicates, "normalise", counted)  # the queries
    monkeypatch.setattr(queue_check, "normalise", counted)  # the earlier statements
    similar = services.similar_in_queue(owner.id, cid, queue)
    # Every statement once as an earlier one, each queued one once as the query: 7 + 4, where
    # checking each queued statement against its earlier ones apart took 3 + 4 + 5 + 6 + 4.
    assert len(calls) == len(TEXTS) + len(queue)

    earlier = unrejected_texts(conversation.id)
    expected = {}
    for statement in queue:
        before = [(tid, text) for tid, text in earlier if tid < statement.tid]
        found = similar_statements(statement.text, [text for _, text in before], limit=1)
        if found:
            expected[statement.tid] = before[found[0].index][0]
    assert similar == expected == {3: 0, 4: 1, 6: 2}
