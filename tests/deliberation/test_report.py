"""The plenary report (deliberation.report) and its Markdown, CSV and JSON renderings, on a small
two-camp conversation computed by the real recompute worker, on both databases."""

from __future__ import annotations

import csv
import io
import json

import pytest

from deliberation import services
from deliberation.errors import Forbidden, Invalid
from deliberation.recompute import run_once
from deliberation.report import plenary_report
from deliberation.report.exports import CSV_HEADER, report_csv, report_json
from deliberation.services.agenda import promote_statement
from deliberation.services.snapshots import create_snapshot
from tests.deliberation.conftest import make_facilitator
from web.report.markdown import escape_markdown, report_markdown

ATTRIBUTION = "Datos: Mesa de prueba, CC BY 4.0"
SMALL_SECTOR = "fiscalía"  # two members: every figure about it must stay out of every export
FORMULA = '=HYPERLINK("http://evil.example","clic")'
TEXTS = [
    "Más fiscales e investigadores, no más soldados.",
    "La policía municipal necesita mejores salarios.",
    "Toda detención debe registrarse en un sistema público.",
    "Los retenes militares deben quedarse en la ciudad.",
    "La prisión preventiva debe aplicarse a más delitos.",
    FORMULA,
]
# Two camps: everyone agrees with 0-2 and 5; the camps split on 3 and 4.
CAMP_VOTES = {"mano dura": [1, 1, 1, 1, 1, 1], "derechos": [1, 1, 1, -1, -1, 1]}


@pytest.fixture
def reported(app):
    """A conversation with two camps of 12 (sectors comercio / derechos humanos) and two people
    of a small sector, its groups computed; (owner id, public id, tids)."""
    owner = make_facilitator("report-owner@example.org")
    conversation = services.create_conversation(
        owner.id,
        "Mesa de prueba",
        languages=["es", "en"],
        stakeholder_sectors=["comercio", "derechos humanos", SMALL_SECTOR],
    )
    cid = conversation.public_id
    tids = [services.add_seed_statement(owner.id, cid, text).tid for text in TEXTS]
    services.translate_statement(owner.id, cid, tids[0], "en", "More prosecutors, not soldiers.")
    people = [("mano dura", "comercio")] * 12 + [("derechos", "derechos humanos")] * 12
    people += [("derechos", SMALL_SECTOR)] * 2
    for n, (camp, sector) in enumerate(people):
        pid = services.join_conversation(cid, sector=sector).pid
        for tid, vote in zip(tids, CAMP_VOTES[camp], strict=True):
            # A little dissent, so shares are not all 0 or 1.
            services.cast_vote(cid, pid, tid, -vote if (n + tid) % 11 == 0 else vote)
    run_once("fast")
    return owner.id, cid, tids


def _report_holds_participation_groups_and_the_common_agenda(reported):
    owner_id, cid, tids = reported
    report = plenary_report(owner_id, cid, "es")

    assert report.participation.participants == 26
    assert report.participation.voters == 26
    assert report.participation.votes == 26 * len(TEXTS)
    assert sum(bucket.votes for bucket in report.participation.timeline) == 26 * len(TEXTS)
    assert sum(bucket.joined for bucket in report.participation.timeline) == 26
    assert len(report.groups) >= 2
    assert sum(group.size for group in report.groups) == report.participation.grouped
    assert report.opinion_map is not None and len(report.opinion_map.x) == 26
    assert all(0 <= v <= 1 for v in report.opinion_map.x + report.opinion_map.y)
    for entry in report.common_agenda:
        for share in entry.groups + entry.sectors:
            assert 0 <= share.agree_share <= 1 and share.n > 0
            if share.interval:
                assert share.interval[0] <= share.agree_share <= share.interval[1]
    # The small sector is counted nowhere; the others are.
    sectors = dict(report.participation.sectors)
    assert sectors == {"comercio": 12, "derechos humanos": 12}
    assert report.participation.sectors_withheld == 1


def _language_picks_the_translation(reported):
    owner_id, cid, tids = reported
    texts = {
        language: {
            stance.statement.tid: stance.statement.text
            for group in plenary_report(owner_id, cid, language).groups
            for stance in group.stances
        }
        for language in ("es", "en")
    }
    promote_statement(owner_id, cid, tids[0])
    items = {
        language: plenary_report(owner_id, cid, language).agenda_items[0].statement
        for language in ("es", "en")
    }
    assert items["es"].text == TEXTS[0]
    assert items["en"].text == "More prosecutors, not soldiers." and items["en"].language == "en"
    assert set(texts["es"]) == set(texts["en"])


def _attribution_appears_in_every_export_only_when_required(reported):
    owner_id, cid, _tids = reported
    before = plenary_report(owner_id, cid, "en")
    assert before.attribution is None
    assert "attribution" not in report_csv(before)
    assert json.loads(report_json(before))["attribution"] is None

    services.update_conversation(owner_id, cid, {"attribution": ATTRIBUTION})
    report = plenary_report(owner_id, cid, "en")
    assert escape_markdown(ATTRIBUTION) in report_markdown(report)
    assert json.loads(report_json(report))["attribution"] == ATTRIBUTION
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert {"section": "attribution", "subject": ATTRIBUTION} in [
        {"section": row["section"], "subject": row["subject"]} for row in rows
    ]


def _suppressed_sector_cells_never_appear(reported):
    owner_id, cid, tids = reported
    promote_statement(owner_id, cid, tids[1])
    run_once("slow")  # sector shares, intervals and red lines are the slow stage's
    report = plenary_report(owner_id, cid, "es")
    assert report.slow_stage_ran
    shown = {share.label for entry in report.common_agenda for share in entry.sectors}
    assert shown == {"comercio", "derechos humanos"}
    # The camp that rejects statements 3 and 4 is all of one sector: a red line for it.
    red_lines = {e.statement.tid: e.red_line_sectors for e in report.common_agenda}
    assert red_lines[tids[3]] == red_lines[tids[4]] == ("derechos humanos",)
    assert ("common_agenda", "sector_red_line", "derechos humanos") in {
        (row[0], row[4], row[5]) for row in csv.reader(io.StringIO(report_csv(report)))
    }
    exports = {
        "md": report_markdown(report),
        "csv": report_csv(report),
        "json": report_json(report),
    }
    for name, text in exports.items():
        assert SMALL_SECTOR not in text, name
        assert "comercio" in text, name  # large sectors are shown
    assert report.min_sector_cell == 5
    for entry in report.common_agenda:
        assert all(share.n >= report.min_sector_cell for share in entry.sectors)


def _is_number(cell: str) -> bool:
    """A negative score such as -0.04 is data, not a formula; spreadsheets read it as a number."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _formula_injection_is_neutralised_in_csv_and_markdown(reported):
    owner_id, cid, tids = reported
    promote_statement(owner_id, cid, tids[5])
    report = plenary_report(owner_id, cid, "es")
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert tuple(rows[0]) == CSV_HEADER
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + FORMULA in cells
    formula_like = [
        cell for cell in cells if cell.startswith(("=", "+", "-", "@")) and not _is_number(cell)
    ]
    assert not formula_like, formula_like
    # Numbers stay numbers.
    votes = next(row for row in rows if row[0] == "participation" and row[4] == "votes")
    assert votes[7] == str(26 * len(TEXTS))
    # Markdown: a statement cannot open a link or a table cell of its own.
    markdown = report_markdown(report)
    assert FORMULA not in markdown
    assert escape_markdown(FORMULA) in markdown
    assert escape_markdown("a | b [x](y)") == r"a \| b \[x\]\(y\)"


def _json_document_is_complete_and_snapshot_hash_is_carried(reported):
    owner_id, cid, _tids = reported
    assert json.loads(report_json(plenary_report(owner_id, cid, "en")))["snapshot"] is None
    snapshot = create_snapshot(owner_id, cid, "plenaria de marzo")
    document = json.loads(report_json(plenary_report(owner_id, cid, "en")))
    assert document["format"] == "mesa-plenary-report/1"
    assert document["language"] == "en"
    assert document["snapshot"]["sha256"] == snapshot.sha256
    assert len(snapshot.sha256) == 64
    for key in ("participation", "common_agenda", "groups", "divisive", "uncertain"):
        assert key in document
    assert snapshot.sha256 in report_markdown(plenary_report(owner_id, cid, "en"))


def _report_is_for_the_conversations_facilitators_only(reported):
    _owner_id, cid, _tids = reported
    stranger = make_facilitator("stranger@example.org")
    with pytest.raises(Forbidden):
        plenary_report(stranger.id, cid)
    with pytest.raises(Invalid):
        plenary_report(_owner_id, cid, "fr")


# Each test computes its conversation once (the recompute is the slow part) and checks several
# things on it, in an order where later checks only add to what earlier ones saw.
def test_contents_languages_and_who_may_read_it(reported):
    _report_holds_participation_groups_and_the_common_agenda(reported)
    _report_is_for_the_conversations_facilitators_only(reported)
    _language_picks_the_translation(reported)


def test_attribution_and_snapshot_in_the_exports(reported):
    _attribution_appears_in_every_export_only_when_required(reported)
    _json_document_is_complete_and_snapshot_hash_is_carried(reported)


def test_suppressed_cells_and_formulas_never_leak(
    reported,
    fewer_resamples,
    in_thread,  # the slow stage in this thread, without UMAP: the agenda's figures at a test's cost
):
    _suppressed_sector_cells_never_appear(reported)
    _formula_injection_is_neutralised_in_csv_and_markdown(reported)


def test_json_agenda_entries_keep_the_published_shape(
    reported,
    fewer_resamples,  # noqa: F811
    in_thread,  # noqa: F811
):
    """mesa-plenary-report/1 nests the statement and writes every share as {label, n,
    agree_share, interval}, whatever type the report holds its agenda in."""
    owner_id, cid, _tids = reported
    run_once("slow")
    report = plenary_report(owner_id, cid, "es")
    entries = json.loads(report_json(report))["common_agenda"]
    assert entries and len(entries) == len(report.common_agenda)
    for entry, held in zip(entries, report.common_agenda, strict=True):
        assert list(entry) == [
            "statement",
            "consensus",
            "consensus_interval",
            "majority_share",
            "bridging",
            "bridging_interval",
            "groups",
            "sectors",
            "red_line_sectors",
        ]
        statement = held.statement
        assert entry["statement"] == {
            "tid": statement.tid,
            "text": statement.text,
            "language": statement.language,
        }
        assert entry["consensus"] == held.consensus
        for share in entry["groups"] + entry["sectors"]:
            assert list(share) == ["label", "n", "agree_share", "interval"]
        assert {share["label"] for share in entry["sectors"]} <= {"comercio", "derechos humanos"}
    assert any(entry["sectors"] for entry in entries)
