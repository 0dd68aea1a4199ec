"""The common agenda service: from votes and declared sectors, through the worker's slow stage,
to the agenda a plenary sees; small sector cells never shown. SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from deliberation import services
from deliberation.models import MathKind
from deliberation.recompute import run_once
from deliberation.services import OPERATOR
from deliberation.services.common_agenda import common_agenda
from deliberation.services.participation import participation
from deliberation.services.sector_privacy import is_suppressed, min_sector_cell
from tests.deliberation.conftest import join

# Sector sizes: two sectors above the default minimum cell (5), one below it.
COMERCIO, DERECHOS, GOBIERNO = "comercio", "derechos humanos", "gobierno"
SECTOR_SIZES = {COMERCIO: 9, DERECHOS: 9, GOBIERNO: 3}
STATEMENTS = [
    "Toda detención debe registrarse en un sistema público.",  # everyone agrees
    "Más soldados en las calles.",  # camp A agrees, camp B disagrees
    "La policía municipal necesita mejores salarios.",  # camp B agrees, camp A disagrees
    "Más patrullas nocturnas.",  # camp A agrees, camp B disagrees
    "Cerrar los bares a medianoche.",  # camp B agrees, camp A disagrees
    "Desaparecer la policía municipal.",  # everyone but comercio disagrees
]


def vote_of(sector: str, camp: int, tid: int) -> int:
    if tid == 0:
        return 1
    if tid == 5:
        return 1 if sector == COMERCIO else -1
    return 1 if (tid + camp) % 2 == 1 else -1


@pytest.fixture
def voted(owner, conversation):
    tids = [
        services.add_seed_statement(owner.id, conversation.public_id, text).tid
        for text in STATEMENTS
    ]
    services.translate_statement(
        owner.id, conversation.public_id, tids[0], "en", "Every arrest must be on a public record."
    )
    camp = 0
    for sector, size in SECTOR_SIZES.items():
        for _ in range(size):
            pid = join(conversation, sector=sector).pid
            camp = 1 - camp
            for tid in tids:
                services.cast_vote(conversation.public_id, pid, tid, vote_of(sector, camp, tid))
    return tids


def test_before_the_slow_stage_only_polis_figures_are_there(conversation, voted):
    agenda = common_agenda(OPERATOR, conversation.public_id)
    assert agenda.result_version is None and agenda.computed_at is None
    assert agenda.statements == () and agenda.stability is None

    run_once("fast")
    agenda = common_agenda(OPERATOR, conversation.public_id)
    assert agenda.result_version is not None and agenda.slow_stage_ran is False
    assert agenda.statements[0].tid == voted[0]  # the one everyone agrees with
    for statement in agenda.statements:
        assert statement.consensus_interval is None and statement.bridging is None
        assert statement.majority_share is None and statement.sectors == ()
        for group in statement.groups:
            low, high = group.interval
            assert low <= group.agree_share <= high
    assert agenda.stability is None


def test_the_slow_stage_stores_the_analyses_and_the_agenda_reads_them(
    app, conversation, voted, fewer_resamples, in_thread
):
    outcomes = run_once("both")
    assert [(o.stage, o.status) for o in outcomes] == [
        (MathKind.FAST, "computed"),
        (MathKind.SLOW, "computed"),
    ]
    agenda = common_agenda(OPERATOR, conversation.public_id, lang="en")
    assert agenda.slow_stage_ran and agenda.resamples == 40
    assert agenda.seed == conversation.math_seed
    first = agenda.statements[0]
    assert first.tid == voted[0]
    assert first.text == "Every arrest must be on a public record." and first.language == "en"
    assert first.majority_share == 1.0 and first.voters == sum(SECTOR_SIZES.values())
    consensus = [s.consensus for s in agenda.statements]
    assert consensus == sorted(consensus, reverse=True)
    for statement in agenda.statements:
        low, high = statement.consensus_interval
        assert low <= statement.consensus <= high
        low, high = statement.bridging_interval
        assert low <= statement.bridging <= high
        assert {g.label for g in statement.groups} == {"A", "B"}
    # The statement everyone agrees with bridges better than the divisive ones.
    assert first.bridging > max(s.bridging for s in agenda.statements if s.tid in voted[1:5])
    assert {d.tid for d in agenda.divisive[:4]} == set(voted[1:5])
    assert agenda.divisive[0].spread > 0.75  # (A+1)/(S+2) of all versus none of ~10
    assert 0.0 <= agenda.stability.ari <= 1.0
    assert all(0.0 <= g.jaccard <= 1.0 for g in agenda.stability.groups)
    assert agenda.sectors == (COMERCIO, DERECHOS, GOBIERNO)

    # Small sector cells: suppressed, never a red line.
    agenda = common_agenda(OPERATOR, conversation.public_id)
    assert agenda.min_sector_cell == min_sector_cell() == 5
    by_tid = {s.tid: s for s in agenda.statements}
    red = by_tid[voted[5]]
    assert red.red_line and red.red_line_sectors == (DERECHOS,)
    cells = {cell.sector: cell for cell in red.sectors}
    assert cells[DERECHOS].n == 9 and cells[DERECHOS].disagree_share == 1.0
    assert cells[DERECHOS].disagree_interval[0] > 0.5
    assert cells[COMERCIO].agree_share == 1.0 and not cells[COMERCIO].red_line
    # gobierno (3 participants) disagreed too, but its cell is too small to show at all.
    hidden = cells[GOBIERNO]
    assert hidden.suppressed and not hidden.red_line
    assert (hidden.n, hidden.agree_share, hidden.disagree_share) == (None, None, None)
    assert hidden.agree_interval is None and hidden.disagree_interval is None
    for statement in agenda.statements:
        assert [c.sector for c in statement.sectors if c.suppressed] == [GOBIERNO]

    # The command prints the same, small cells left out.
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["agenda", conversation.public_id])
    assert printed.exit_code == 0, printed.output
    assert STATEMENTS[0] in printed.output and "ARI" in printed.output
    assert "gobierno: fewer than 5" in printed.output
    as_json = runner.invoke(args=["agenda", conversation.public_id, "--json"])
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.output)
    assert document["statements"][0]["tid"] == voted[0]
    for statement in document["statements"]:
        hidden = [cell for cell in statement["sectors"] if cell["sector"] == GOBIERNO]
        assert hidden == [{"sector": GOBIERNO, "suppressed": True}]
    missing = runner.invoke(args=["agenda", "nosuchconv"])
    assert missing.exit_code != 0 and "nosuchconv" in missing.output

    app.config["MESA_MIN_SECTOR_CELL"] = 3  # a table that accepts cells of three
    shown = {s.tid: s for s in common_agenda(OPERATOR, conversation.public_id).statements}[voted[5]]
    assert not {c.sector: c for c in shown.sectors}[GOBIERNO].suppressed
    assert shown.red_line_sectors == (DERECHOS, GOBIERNO)


def test_participation_per_sector_hides_small_cells(app, owner, conversation):
    for sector, size in SECTOR_SIZES.items():
        for _ in range(size):
            join(conversation, sector=sector)
    counts = participation(owner.id, conversation.public_id)
    shown = dict(counts.sectors)
    assert shown[COMERCIO] == 9 and shown[DERECHOS] == 9
    assert GOBIERNO not in shown and counts.suppressed_sectors == (GOBIERNO,)
    app.config["MESA_MIN_SECTOR_CELL"] = 2
    assert dict(participation(owner.id, conversation.public_id).sectors)[GOBIERNO] == 3


def test_the_minimum_cell_comes_from_the_config(app, monkeypatch):
    assert min_sector_cell() == 5 and is_suppressed(4) and not is_suppressed(0)
    monkeypatch.setenv("MESA_MIN_SECTOR_CELL", "7")  # read by create_app only, not here
    assert min_sector_cell() == 5
    app.config["MESA_MIN_SECTOR_CELL"] = 2
    assert min_sector_cell() == 2 and not is_suppressed(2)


def test_the_bootstrap_sizes_reach_the_slow_stage_from_the_config(app):
    from deliberation.recompute import analyses

    assert analyses.agenda_params(1).resamples == analyses.DEFAULT_AGENDA_PARAMS.resamples
    app.config.update(MESA_AGENDA_RESAMPLES=40, MESA_AGENDA_STABILITY_RESAMPLES=8)
    # Bound in the worker's thread, where the app is; the child process has none.
    bound = analyses.slow_update_with(None).keywords["sizes"]
    assert (bound.resamples, bound.stability_resamples) == (40, 8)


def test_a_failing_analysis_keeps_the_slow_result(monkeypatch, caplog):
    from clustering.inputs import Moderation
    from clustering.pipeline import PolisParams
    from clustering.synth import synthesize
    from deliberation.recompute import analyses

    def broken(*args, **kwargs):
        raise FloatingPointError("planted failure")

    monkeypatch.setattr(analyses, "agenda_analyses", broken)
    votes, _ = synthesize(60, 12, 8, 2, 0)
    result = analyses.slow_update_with(None)(votes, Moderation(), None, PolisParams(seed=1))
    assert result.to_dict()["group-clusters"] and "agenda" not in result.to_dict()["mesa"]
    assert "planted failure" in caplog.text
