"""The report's participation figures over time and its opinion-map sample: the two parts no
other service computes for it."""

from __future__ import annotations

import base64

import numpy as np
import sqlalchemy as sa

from deliberation.db import db
from deliberation.models import Conversation, Participant, VoteRecord
from deliberation.report.model import MapPoints, TimeBucket
from deliberation.services.math_results import MathStamp
from deliberation.services.opinion_map import UNGROUPED, cached_map

# Bucket widths the timeline may use: the smallest that gives at most MAX_BUCKETS bars.
BUCKET_WIDTHS_MS = tuple(
    minutes * 60_000 for minutes in (1, 5, 10, 15, 30, 60, 180, 360, 720, 1440, 10_080)
)
MAX_BUCKETS = 36
# A printed map of more points is a grey blot and a heavy PDF; a sample keeps the shape.
MAX_MAP_POINTS = 2_000


def bucket_width(span_ms: int) -> int:
    for width in BUCKET_WIDTHS_MS:
        if span_ms <= width * MAX_BUCKETS:
            return width
    return -(-span_ms // MAX_BUCKETS)  # a long conversation: equal parts


def participation_timeline(conversation: Conversation) -> tuple[int, tuple[TimeBucket, ...]]:
    """(bucket width in ms, buckets from the first join to the last vote): how many joined and
    how many votes were cast (re-votes included) in each. Counted in the database, by bucket."""
    first, last_join = db.session.execute(
        sa.select(sa.func.min(Participant.created_ms), sa.func.max(Participant.created_ms)).where(
            Participant.conversation_id == conversation.id
        )
    ).one()
    last_vote = db.session.scalar(
        sa.select(sa.func.max(VoteRecord.created_ms)).where(
            VoteRecord.conversation_id == conversation.id
        )
    )
    if first is None:
        return BUCKET_WIDTHS_MS[0], ()
    last = max(last_join, last_vote or last_join)
    width = bucket_width(last - first + 1)
    start = first - first % width if width % 60_000 == 0 else first
    joined = _counts(Participant, conversation, start, width)
    votes = _counts(VoteRecord, conversation, start, width)
    n_buckets = (last - start) // width + 1
    buckets = tuple(
        TimeBucket(start + i * width, joined.get(i, 0), votes.get(i, 0)) for i in range(n_buckets)
    )
    return width, buckets


def _counts(model, conversation: Conversation, start: int, width: int) -> dict[int, int]:
    bucket = ((model.created_ms - start) // width).label("bucket")
    rows = db.session.execute(
        sa.select(bucket, sa.func.count())
        .where(model.conversation_id == conversation.id)
        .group_by(bucket)
    )
    return {int(index): int(count) for index, count in rows}


def map_points(conversation: Conversation, stamp: MathStamp) -> MapPoints:
    """The PCA map of one result, scaled to the unit square; every k-th point (in the map's
    position order) when there are more than MAX_MAP_POINTS, so the sample is deterministic."""
    body = cached_map(conversation, stamp, "pca").body
    if not body.get("points"):
        return MapPoints((), (), (), (), 0)
    grid = float(body["grid"])
    x = np.frombuffer(base64.b64decode(body["x"]), dtype="<u2") / grid
    y = np.frombuffer(base64.b64decode(body["y"]), dtype="<u2") / grid
    group = np.frombuffer(base64.b64decode(body["group"]), dtype=np.int8).astype(np.int64)
    total = len(x)
    if total > MAX_MAP_POINTS:
        keep = np.linspace(0, total - 1, MAX_MAP_POINTS).astype(np.int64)
        x, y, group = x[keep], y[keep], group[keep]
    xmin, xmax, ymin, ymax = body["bounds"]
    hulls = tuple(
        (
            int(outline["id"]),
            tuple(
                # + 0.0 turns a rounded -0.0 into 0.0
                (
                    round((hx - xmin) / (xmax - xmin), 4) + 0.0,
                    round((hy - ymin) / (ymax - ymin), 4) + 0.0,
                )
                for hx, hy in outline["hull"]
            ),
        )
        for outline in body["groups"]
    )
    return MapPoints(
        x=tuple(np.round(x, 4).tolist()),
        y=tuple(np.round(y, 4).tolist()),
        group=tuple(np.where(group < 0, UNGROUPED, group).tolist()),
        hulls=hulls,
        total=total,
    )
