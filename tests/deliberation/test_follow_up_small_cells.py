"""One small-cell rule for every breakdown of a follow-up round (issue 10, point 7): a group's
cell with fewer than MESA_MIN_SECTOR_CELL people is hidden, as a sector's is."""

from __future__ import annotations

from deliberation import services
from deliberation.recompute import run_once
from deliberation.services.agenda import promote_statement
from deliberation.services.follow_up import (
    answer_follow_up,
    follow_up_comparison,
    open_follow_up_round,
)

CAMPS = {"comercio": (1, 1, -1), "derechos humanos": (1, -1, 1)}


def test_a_group_cell_below_the_minimum_is_hidden_like_a_sector_cell(owner, conversation, seeds):
    cid = conversation.public_id
    camps = {}
    for sector, votes in CAMPS.items():
        camps[sector] = [services.join_conversation(cid, sector=sector).pid for _ in range(6)]
        for pid in camps[sector]:
            for tid, vote in zip(seeds, votes, strict=True):
                services.cast_vote(cid, pid, tid, vote)
    run_once("fast")
    promote_statement(owner.id, cid, 0)
    open_follow_up_round(owner.id, cid, "marzo")
    # One person answers: their group's "after" cell would be a cell of one.
    answer_follow_up(cid, camps["comercio"][0], [(0, 1, "yes")])

    [statement] = follow_up_comparison(owner.id, cid).statements
    afters = [change.after for _, change in statement.groups]
    assert afters and all(after is None or after.n == 0 for after in afters)
    assert any(after is None for after in afters)  # the one answer's group is hidden
    # Before the round every group had six or more people: shown.
    assert all(change.before is not None and change.before.n >= 5 for _, change in statement.groups)
    assert statement.overall.after.n == 1  # the overall figure is not a breakdown
