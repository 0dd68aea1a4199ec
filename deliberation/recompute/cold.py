"""Reproducibility: recompute a conversation from scratch and compare results byte for byte."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clustering.pipeline import update
from deliberation.models import MathKind
from deliberation.recompute.stages import params_for, read_inputs, result_document
from deliberation.services.lookup import find_conversation


def recompute_cold(conversation_id: str) -> dict[str, Any]:
    """The fast result recomputed cold: all current votes, no previous state, the stored seed.

    Nothing is stored. While the votes and moderation are unchanged, its `canonical_json` is
    that of any stored cold fast result (one with mesa.inputs.previous_version None).
    """
    conversation = find_conversation(conversation_id)
    watermark, votes, moderation = read_inputs(conversation, floor_vote_id=0)
    result = update(votes, moderation, None, params_for(MathKind.FAST, conversation.math_seed))
    return result_document(result, watermark, previous_version=None)


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, numbers by value (as RFC 8785 does: -0.0 is 0, 2.0 is 2).

    Needed because a stored result does not come back spelled as it went in: PostgreSQL's
    JSONB reorders keys, turns -0.0 into 0.0 and 1e16 into 10000000000000000.
    """
    return json.dumps(
        _numbers_by_value(document),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def _numbers_by_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        # The integer JSONB makes of this float's JSON spelling: 1e+16 -> 10000000000000000.
        return int(Decimal(repr(value)))
    if isinstance(value, Mapping):
        return {key: _numbers_by_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_numbers_by_value(item) for item in value]
    return value
