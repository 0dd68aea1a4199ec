"""Topics and subcommittees in the exports: each statement's topics (name, weight) and its
subcommittee, in the JSON document and in comment-topics.csv beside Polis's files."""

import csv
import io

from deliberation import services
from deliberation.polis_io import POLIS_CSV_FILES, json_export, polis_csv_export
from deliberation.polis_io.csv_formats import COMMENT_TOPICS_HEADER
from deliberation.polis_io.exporters import TOPICS_FILE
from deliberation.services.subcommittees import assign_statement, create_subcommittee
from deliberation.services.topics import MIN_STATEMENTS, latest_topics, refresh_stale_topics
from tests.deliberation.test_subcommittees_and_topics import JUSTICE, POLICE


def _table(owner, conversation):
    """Two subcommittees, eight statements with topics, a rejected ninth (no topics), and the
    first statement assigned to justice by hand; (police id, justice id)."""
    cid = conversation.public_id
    police = create_subcommittee(owner.id, cid, "Respuesta inmediata", "Policía y calles.")
    justice = create_subcommittee(owner.id, cid, "=Acceso a la justicia", "Fiscales y jueces.")
    for text in POLICE + JUSTICE:
        services.add_seed_statement(owner.id, cid, text)
    rejected = services.add_seed_statement(owner.id, cid, "Fuera de tema por completo.")
    services.moderate_statement(owner.id, cid, rejected.tid, "rejected")
    assert refresh_stale_topics() == 1
    assign_statement(owner.id, cid, 0, justice.id)
    return police.id, justice.id


def test_the_json_export_gives_each_statement_its_topics_and_subcommittee(owner, conversation):
    police, justice = _table(owner, conversation)
    document = json_export(owner.id, conversation.public_id)
    topics = latest_topics(conversation.public_id)

    assert document["topics"]["version"] == topics.version
    assert [t["name"] for t in document["topics"]["topics"]] == [t.name for t in topics.topics]
    assert [s["id"] for s in document["subcommittees"]] == [police, justice]
    by_tid = {s["tid"]: s for s in document["statements"]}
    for tid in range(8):
        exported = by_tid[tid]["topics"]
        members = [t for t in topics.topics if tid in t.tids]
        assert {e["topic"] for e in exported} == {t.index for t in members} != set()
        for entry in exported:
            assert entry["name"] == topics.topics[entry["topic"]].name
            assert entry["weight"] == topics.shares[tid][entry["topic"]] >= 0.25
        weights = [e["weight"] for e in exported]
        assert weights == sorted(weights, reverse=True)
    assert by_tid[0]["subcommittee"] == {
        "id": justice,
        "name": "=Acceso a la justicia",
        "source": "assigned",
    }
    assert by_tid[1]["subcommittee"] == {
        "id": police,
        "name": "Respuesta inmediata",
        "source": "suggested",
    }
    assert by_tid[5]["subcommittee"]["id"] == justice
    assert by_tid[8]["topics"] == [] and by_tid[8]["subcommittee"] is None


def test_comment_topics_csv_has_a_row_per_statement_and_topic(owner, conversation):
    _table(owner, conversation)
    files = polis_csv_export(owner.id, conversation.public_id)
    assert set(files) == {*POLIS_CSV_FILES, TOPICS_FILE}
    lines = files[TOPICS_FILE].splitlines()
    assert tuple(lines[0].split(",")) == COMMENT_TOPICS_HEADER
    rows = list(csv.DictReader(io.StringIO(files[TOPICS_FILE])))
    document = json_export(owner.id, conversation.public_id)
    expected = []
    for statement in document["statements"]:
        placed = statement["subcommittee"]
        name = placed["name"] if placed else ""
        name = "'" + name if name.startswith("=") else name  # neutralised for spreadsheets
        for topic in statement["topics"] or [{"topic": "", "name": "", "weight": ""}]:
            weight = topic["weight"]
            expected.append(
                {
                    "comment-id": str(statement["tid"]),
                    "subcommittee": name,
                    "subcommittee-source": placed["source"] if placed else "",
                    "topic-id": str(topic["topic"]),
                    "topic": topic["name"],
                    "weight": f"{weight:.4f}" if weight != "" else "",
                }
            )
    assert rows == expected
    assert rows[0]["subcommittee"] == "'=Acceso a la justicia"
    assert [r for r in rows if r["comment-id"] == "8"] == [
        {
            "comment-id": "8",
            "subcommittee": "",
            "subcommittee-source": "",
            "topic-id": "",
            "topic": "",
            "weight": "",
        }
    ]
    only = polis_csv_export(owner.id, conversation.public_id, names=[TOPICS_FILE])
    assert only == {TOPICS_FILE: files[TOPICS_FILE]}


def test_a_conversation_without_topics_or_subcommittees_exports_no_topics(owner, conversation):
    cid = conversation.public_id
    for text in POLICE[: MIN_STATEMENTS - 1]:
        services.add_seed_statement(owner.id, cid, text)
    refresh_stale_topics()
    assert TOPICS_FILE not in polis_csv_export(owner.id, cid)
    document = json_export(owner.id, cid)
    assert document["topics"] is None and document["subcommittees"] == []
    assert all(s["topics"] == [] and s["subcommittee"] is None for s in document["statements"])
    create_subcommittee(owner.id, cid, "Robo con violencia")
    rows = list(csv.DictReader(io.StringIO(polis_csv_export(owner.id, cid)[TOPICS_FILE])))
    assert [r["comment-id"] for r in rows] == ["0", "1", "2"]
    assert {r["topic"] for r in rows} == {""}
