"""The read model of a stored result: built from Polis's own document and from Mesa's, it gives
the same figures the document holds, and nobody can change it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from clustering.agenda import AgendaParams, agenda_analyses
from clustering.loaders import load_conversation
from clustering.pipeline import update
from clustering.result_view import UNGROUPED, ResultView

FIXTURE = Path("tests/data/polis-math-fixtures/150ptpt-3gp-no-strict-no-meta")


@pytest.fixture(scope="module")
def polis_document() -> dict:
    return json.loads((FIXTURE / "math-pca2.json").read_text())


@pytest.fixture(scope="module")
def mesa_document() -> dict:
    """A slow result as the worker stores it: the pipeline's document with the agenda attached."""
    conversation = load_conversation(str(FIXTURE))
    result = update(conversation.votes, conversation.moderation)
    analyses = agenda_analyses(
        conversation.votes,
        result.to_dict(),
        conversation.moderation,
        params=AgendaParams(resamples=5, stability_resamples=2),
    )
    analyses.pop("timings")
    result.attach_agenda(analyses)
    return json.loads(result.to_json())


def test_a_polis_document_reads_as_polis_wrote_it(polis_document):
    view = ResultView.from_document(polis_document)
    by_group = polis_document["group-votes"]

    assert view.participants == polis_document["n"]
    assert view.statements == polis_document["n-cmts"]
    assert view.group_ids.tolist() == sorted(int(g) for g in by_group)
    assert view.tids.tolist() == sorted(polis_document["tids"])
    for g, gid in enumerate(view.group_ids.tolist()):
        assert view.group_votes.sizes[g] == by_group[str(gid)]["n-members"]
        for t, tid in enumerate(view.tids.tolist()):
            cell = by_group[str(gid)]["votes"].get(str(tid)) or {"A": 0, "D": 0, "S": 0}
            assert (
                view.group_votes.agree[g, t],
                view.group_votes.disagree[g, t],
                view.group_votes.seen[g, t],
            ) == (cell["A"], cell["D"], cell["S"])

    for gid, entries in polis_document["repness"].items():
        read = view.repness[int(gid)]
        assert [e.tid for e in read] == [e["tid"] for e in entries]
        assert [e.agrees for e in read] == [e["repful-for"] == "agree" for e in entries]
        assert [e.best_agree for e in read] == [bool(e.get("best-agree")) for e in entries]
        assert [e.p_success for e in read] == [e["p-success"] for e in entries]
    for side in ("agree", "disagree"):
        assert [e.tid for e in view.majority[side]] == [
            e["tid"] for e in polis_document["consensus"][side]
        ]
    assert view.group_aware_consensus == {
        int(t): v for t, v in polis_document["group-aware-consensus"].items()
    }
    assert view.priorities == {int(t): v for t, v in polis_document["comment-priorities"].items()}
    # Polis's document has no `mesa` block: nobody placed, no UMAP map, no agenda analyses.
    assert len(view.placements.pid) == 0 and view.placements.place_of(0) is None
    assert view.umap is None and view.agenda is None
    assert view.agenda_votes is view.group_votes


def test_a_mesa_document_reads_its_placements_and_agenda(mesa_document):
    view = ResultView.from_document(mesa_document)
    people = mesa_document["mesa"]["participants"]
    agenda = mesa_document["mesa"]["agenda"]

    assert view.placements.pid.tolist() == people["pid"]
    assert view.placements.x.tolist() == people["x"]
    assert view.placements.group_or_none() == people["group"]
    assert UNGROUPED not in set(g for g in people["group"] if g is not None)
    row = next(i for i, g in enumerate(people["group"]) if g is not None)
    assert view.placements.place_of(people["pid"][row]) == (
        people["x"][row],
        people["y"][row],
        people["group"][row],
    )
    # The group counts agree with the sums the next update's priorities read.
    sums = mesa_document["mesa"]["state"]["group_vote_sums"]
    column = {tid: t for t, tid in enumerate(view.tids.tolist())}
    order = [column[tid] for tid in sums["tids"]]
    assert view.group_votes.agree.sum(axis=0)[order].tolist() == sums["A"]
    assert view.group_votes.seen.sum(axis=0)[order].tolist() == sums["S"]

    assert view.agenda is not None
    assert view.agenda_votes is view.agenda.groups
    assert view.agenda.tids.tolist() == agenda["tids"]
    assert view.agenda.groups.group_ids.tolist() == agenda["groups"]["ids"]
    assert view.agenda.groups.agree.tolist() == agenda["groups"]["agree"]
    assert view.agenda.overall_seen.tolist() == agenda["overall"]["seen"]
    stored = np.array(agenda["consensus"]["value"], dtype=np.float64)
    np.testing.assert_array_equal(view.agenda.consensus, stored)  # None read as NaN
    assert view.agenda.stability.resamples == agenda["stability"]["resamples"]
    assert view.agenda.params["seed"] == 0
    # The same statements and groups, whichever part of the document they are read from.
    assert set(view.agenda.tids.tolist()) >= set(view.tids.tolist())
    assert view.agenda.groups.group_ids.tolist() == view.group_ids.tolist()


def test_the_view_cannot_be_changed(mesa_document):
    view = ResultView.from_document(mesa_document)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.participants = 0
    with pytest.raises(ValueError, match="read-only"):
        view.group_votes.agree[0, 0] = 99
    with pytest.raises(ValueError, match="read-only"):
        view.placements.x[0] = 99.0
    with pytest.raises(ValueError, match="read-only"):
        view.agenda.consensus[0] = 1.0
    with pytest.raises(TypeError):
        view.group_aware_consensus[0] = 1.0
    with pytest.raises(TypeError):
        view.repness[0] = ()
    with pytest.raises(TypeError):
        view.agenda.params["seed"] = 1
    # Nor does changing the document afterwards reach it.
    mesa_document = json.loads(json.dumps(mesa_document))
    before = view.group_votes.agree.copy()
    for group in mesa_document["group-votes"].values():
        for cell in group["votes"].values():
            cell["A"] += 1
    np.testing.assert_array_equal(view.group_votes.agree, before)


def test_an_empty_or_hand_made_document_reads_as_nothing_computed():
    empty = ResultView.from_document({})
    assert empty.participants == 0 and len(empty.group_ids) == 0 and len(empty.tids) == 0
    assert empty.group_votes.agree.shape == (0, 0)
    # A document without `tids` still gives the statements its groups voted on.
    view = ResultView.from_document(
        {"group-votes": {"0": {"votes": {"7": {"A": 2, "D": 0, "S": 3}}}}}
    )
    assert view.tids.tolist() == [7]
    assert view.group_votes.agree.tolist() == [[2.0]]
    assert view.group_votes.size_of(0) == 0 and view.group_votes.size_of(5) == 0
