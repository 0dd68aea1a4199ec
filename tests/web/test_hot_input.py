"""The vote's input skips webargs when a plain check vouches for it (web.api.hot_input): every
input a plain check vouches for, its documented schema loads to the same value; anything else
still gets the schema's 400 with per-field messages."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, ValidationError
from werkzeug.datastructures import MultiDict

from tests.web.conftest import API, bearer, join, stored_counts
from web.api.converters import MAX_TID
from web.api.schemas import ReadingLanguage, plain_reading_language
from web.api.voting import Ballot, plain_ballot

# Values near every edge the schemas check: types (bool is an int to Python), ranges, lengths,
# NUL and unpaired surrogates.
EDGY_NUMBERS = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([MAX_TID, MAX_TID + 1, -1, 2**63]),
    st.booleans(),
    st.floats(allow_nan=False) | st.just(1.0),
    st.text(max_size=3),
    st.none(),
)
EDGY_TEXT = st.one_of(
    st.text(max_size=70),
    st.text(alphabet=st.characters(codec=None), max_size=5),
    st.sampled_from(["", "a" * 64, "a" * 65, "x\x00", "\ud800", "es", "es-MX", "e" * 17]),
    st.integers(),
    st.none(),
)
BALLOTS = st.one_of(
    st.fixed_dictionaries(
        {"tid": EDGY_NUMBERS, "vote": EDGY_NUMBERS},
        optional={"client_vote_id": EDGY_TEXT, "extra": st.integers()},
    ),
    st.dictionaries(st.sampled_from(["tid", "vote", "client_vote_id"]), EDGY_NUMBERS),
    st.lists(st.integers(), max_size=2),
    st.none(),
    st.text(max_size=3),
)
QUERIES = st.lists(
    st.tuples(
        st.sampled_from(["language", "lang", "x"]), EDGY_TEXT.filter(lambda v: isinstance(v, str))
    ),
    max_size=3,
)


def schema_load(schema, data, **options):
    try:
        return schema.load(data, **options)
    except ValidationError:
        return "refused"


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(BALLOTS)
def test_a_ballot_the_plain_check_vouches_for_loads_the_same_through_the_schema(body):
    plain = plain_ballot(body)
    if plain is not None:
        assert schema_load(Ballot(), body) == plain


@settings(max_examples=400)
@given(QUERIES)
def test_a_query_the_plain_check_vouches_for_loads_the_same_through_the_schema(pairs):
    query = MultiDict(pairs)
    plain = plain_reading_language(query)
    if plain is not None:
        # webargs reads a query string's single-valued field as its first value, unknown
        # arguments excluded.
        as_webargs_reads_it = {key: query.get(key) for key in query}
        assert schema_load(ReadingLanguage(), as_webargs_reads_it, unknown=EXCLUDE) == plain


def test_the_plain_checks_vouch_for_what_phones_send():
    assert plain_ballot({"tid": 3, "vote": -1, "client_vote_id": "v-1"}) == {
        "tid": 3,
        "vote": -1,
        "client_vote_id": "v-1",
    }
    assert plain_ballot({"tid": 0, "vote": 0}) == {"tid": 0, "vote": 0}
    assert plain_reading_language(MultiDict()) == {}
    assert plain_reading_language(MultiDict([("language", "es-MX")])) == {"language": "es-MX"}
    for left_to_the_schema in (
        {"tid": True, "vote": 1},
        {"tid": 1, "vote": 1.0},
        {"tid": 1, "vote": 1, "client_vote_id": None},
        {"tid": 1, "vote": 1, "note": "x"},
    ):
        assert plain_ballot(left_to_the_schema) is None


def test_what_the_plain_check_leaves_gets_the_schemas_400_and_stores_nothing(
    client, conversation, seeds
):
    joined = join(client, conversation.public_id)
    url = f"{API}/conversations/{conversation.public_id}/votes"
    before = stored_counts()
    for body, field in (
        ({"tid": seeds[0], "vote": 2}, "vote"),
        ({"tid": seeds[0], "vote": True}, "vote"),
        ({"tid": -1, "vote": 1}, "tid"),
        ({"tid": seeds[0], "vote": 1, "client_vote_id": "x" * 65}, "client_vote_id"),
        ({"tid": seeds[0], "vote": 1, "client_vote_id": "a\x00b"}, "client_vote_id"),
        ({"tid": seeds[0], "vote": 1, "extra": 1}, "extra"),
        ({"vote": 1}, "tid"),
    ):
        refused = client.post(
            url,
            data=json.dumps(body),
            content_type="application/json",
            headers=bearer(joined["token"]),
        )
        assert refused.status_code == 400, body
        problem = refused.get_json()
        assert problem["code"] == "invalid_input", problem
        assert field in json.dumps(problem["detail"]), problem
    refused = client.post(
        url,
        query_string={"language": "x" * 17},
        json={"tid": seeds[0], "vote": 1},
        headers=bearer(joined["token"]),
    )
    assert refused.status_code == 400
    assert "language" in json.dumps(refused.get_json()["detail"])
    assert stored_counts() == before
