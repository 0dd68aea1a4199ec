"""Results of the newest stored math: opinion groups, what represents each, consensus, the map.

Read through the stored result's view (clustering.result_view); Polis's keys come out in
snake_case, counts and statistics keep Polis's meaning (see docs/polis-math.md). Map points carry
no pid and are sorted by position, so nobody can find another participant on the map.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from apiflask import APIBlueprint, Schema, fields
from apiflask.validators import OneOf

from deliberation.errors import NotFound
from deliberation.models import MathKind
from deliberation.services import NewestResult, newest_result
from web.api.auth import PUBLIC, access

bp = APIBlueprint("results", __name__, tag="Results")


class ResultsQuery(Schema):
    kind = fields.String(
        load_default=None,
        validate=OneOf([kind.value for kind in MathKind]),
        metadata={"description": "Only results of this kind; the newest of either by default"},
    )


class Representative(Schema):
    tid = fields.Integer(required=True)
    repful_for = fields.String(required=True, metadata={"enum": ["agree", "disagree"]})
    n_success = fields.Integer(
        required=True, metadata={"description": "Group members who voted so"}
    )
    n_trials = fields.Integer(required=True, metadata={"description": "Group members who voted"})
    p_success = fields.Float(required=True, metadata={"description": "Share, Beta(1,1) prior"})
    p_test = fields.Float(required=True)
    repness = fields.Float(required=True, metadata={"description": "Share here / share elsewhere"})
    repness_test = fields.Float(required=True)
    best_agree = fields.Boolean(required=True)


class OpinionGroup(Schema):
    id = fields.Integer(required=True)
    size = fields.Integer(required=True)
    representative = fields.List(fields.Nested(Representative), required=True)


class ConsensusStatement(Schema):
    tid = fields.Integer(required=True)
    n_success = fields.Integer(required=True)
    n_trials = fields.Integer(required=True)
    p_success = fields.Float(required=True)
    p_test = fields.Float(required=True)


class Consensus(Schema):
    agree = fields.List(fields.Nested(ConsensusStatement), required=True)
    disagree = fields.List(fields.Nested(ConsensusStatement), required=True)


class GroupAwareConsensus(Schema):
    tid = fields.Integer(required=True)
    value = fields.Float(
        required=True, metadata={"description": "Product over groups of (agrees+1)/(votes+2)"}
    )


class MapPoint(Schema):
    x = fields.Float(required=True)
    y = fields.Float(required=True)
    group = fields.Integer(allow_none=True)


class Results(Schema):
    version = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": [kind.value for kind in MathKind]})
    computed_ms = fields.Integer(required=True)
    participants = fields.Integer(required=True)
    statements = fields.Integer(required=True)
    groups = fields.List(fields.Nested(OpinionGroup), required=True)
    consensus = fields.Nested(Consensus, required=True)
    group_aware_consensus = fields.List(fields.Nested(GroupAwareConsensus), required=True)
    map = fields.List(
        fields.Nested(MapPoint), required=True, metadata={"description": "PCA map, participants"}
    )
    umap = fields.List(
        fields.Nested(MapPoint),
        allow_none=True,
        metadata={"description": "UMAP map with HDBSCAN groups, when computed"},
    )


@bp.get("/conversations/<conversation:conversation_id>/results")
@access(PUBLIC, errors=[400])
@bp.input(ResultsQuery, location="query", arg_name="query")
@bp.output(Results)
def results(conversation_id, query):
    """The newest results of the math

    404 with code results_not_computed until the first recompute.
    """
    newest = newest_result(conversation_id, kind=query["kind"])
    if newest is None:
        raise NotFound("no results computed yet", code="results_not_computed")
    return results_view(newest)


def results_view(newest: NewestResult) -> dict[str, Any]:
    view = newest.view
    votes = view.group_votes
    groups = [
        {
            "id": gid,
            "size": size,
            "representative": [dataclasses.asdict(entry) for entry in view.repness.get(gid, ())],
        }
        for gid, size in zip(votes.group_ids.tolist(), votes.sizes.tolist(), strict=True)
    ]
    umap = view.umap
    # The fields of the `Results` schema above (the API's names, not the stored document's).
    return dict(
        version=newest.stamp.version,
        kind=newest.stamp.kind.value,
        computed_ms=newest.stamp.created_ms,
        participants=view.participants,
        statements=view.statements,
        groups=groups,
        consensus={
            side: [dataclasses.asdict(entry) for entry in view.majority[side]]
            for side in ("agree", "disagree")
        },
        group_aware_consensus=[
            {"tid": tid, "value": value}
            for tid, value in sorted(view.group_aware_consensus.items())
        ],
        map=_points(
            view.placements.x.tolist(),
            view.placements.y.tolist(),
            view.placements.group_or_none(),
        ),
        umap=(
            _points(umap.x.tolist(), umap.y.tolist(), umap.hdbscan_group.tolist())
            if umap is not None and umap.available
            else None
        ),
    )


def _points(x: list[float], y: list[float], groups: list) -> list[dict[str, Any]]:
    points = zip(x, y, groups, strict=False)
    return [{"x": x, "y": y, "group": group} for x, y, group in sorted(points, key=_position)]


def _position(point: tuple[float, float, Any]) -> tuple[float, float]:
    return point[0], point[1]
