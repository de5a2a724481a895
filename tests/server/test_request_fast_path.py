"""The fast path for well-formed bodies (``request_body._simple_job_ids``) decides exactly as
the full path and the generated model do: it may only decline, never disagree."""

from __future__ import annotations

import json

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.adapters import REQUEST
from reference_server.errors import Refusal
from reference_server.request_body import (
    JOB_ID_MAX,
    JOB_ID_MIN,
    MAX_IDS,
    _simple_job_ids,
    job_ids_of,
)

ids = st.integers(min_value=JOB_ID_MIN - 3, max_value=JOB_ID_MAX + 3) | st.integers(-5, 50)
items = ids | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=3)
bodies = st.one_of(
    st.builds(lambda v: {"job_ids": v}, st.lists(ids, max_size=12)),
    st.builds(lambda v: {"job_ids": v}, st.lists(items, max_size=6)),
    st.dictionaries(st.sampled_from(["job_ids", "x"]), st.lists(ids, max_size=3), max_size=2),
    st.lists(ids, max_size=3),
)


def _full(body: bytes) -> list[int] | str:
    try:
        return job_ids_of(body)
    except Refusal as exc:
        return exc.rule_id


@settings(max_examples=400, deadline=None)
@given(bodies)
def test_the_fast_path_agrees_with_the_model_and_the_full_path(value: object) -> None:
    body = json.dumps(value).encode()
    fast = _simple_job_ids(body)
    if fast is None:
        return  # declined: the full path decides
    assert fast == _full(body)
    assert REQUEST.validate_json(orjson.dumps(value), strict=True).job_ids == fast


def test_the_fast_path_takes_the_common_request_and_declines_the_rest() -> None:
    assert _simple_job_ids(b'{"job_ids": [1, 2, 3]}') == [1, 2, 3]
    for declined in (
        b'{"job_ids": [1, 1]}',
        b'{"job_ids": [1.0]}',
        b'{"job_ids": [true]}',
        b'{"job_ids": []}',
        b'{"job_ids": [-1]}',
        b'{"job_ids": [9223372036854775808]}',
        b'{"job_ids": [1], "x": 1}',
        b'{"job_ids": [1], "job_ids": [2, 2]}',
        b"[1]",
        b"{",
        json.dumps({"job_ids": list(range(MAX_IDS + 1))}).encode(),
    ):
        assert _simple_job_ids(declined) is None, declined
