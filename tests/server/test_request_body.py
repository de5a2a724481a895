"""Request bodies: job IDs decided exactly, the first violation reported, bounded work.

The outside tester's findings: float IDs answered the wrong job (``9007199254740993.0`` was
job ...992, ``0.99999999999999999`` job 1, ``1e-999999999`` job 0) or none
(``9223372036854775807.0``); and a 1 MiB body of unknown keys or ``[]`` items held the event
loop for seconds. The latency under attack is a ``make bench`` row (bench/cpu_attack.py);
here the answers are checked, and that a large body is parsed outside the event loop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.cpu_attack import candidate_bodies
from reference_server import body_helper, request_body
from reference_server.demo import TOKEN_A
from reference_server.errors import Refusal
from reference_server.request_body import integral_value, job_ids_of
from tests.support import ROOT, call, validator

INT64_MAX = 2**63 - 1

# JSON text of one ID -> the job ID it is (JSON Schema: a number whose value is integral).
INTEGRAL = {
    "7.0": 7,
    "-0": 0,
    "-0.0": 0,
    "0e999999999": 0,
    "1e2": 100,
    "120e-1": 12,
    "1.000e3": 1000,
    "9007199254740993.0": 9007199254740993,  # was 9007199254740992 (through a double)
    "9007199254740993e0": 9007199254740993,
    "9223372036854775807.0": INT64_MAX,  # was refused
    "922337203685477580.7e1": INT64_MAX,
}
# JSON text -> words of the refusal (CS.10003, the ID's index in the cause).
NOT_A_VALID_ID = {
    "0.99999999999999999": "fractional part",  # was job 1
    "1e-999999999": "fractional part",  # was job 0
    "1e-99999999999999999999999": "fractional part",
    "1.5": "fractional part",
    "-0.5": "fractional part",
    "9223372036854775808.0": "less than or equal to 9223372036854775807",
    "9223372036854775807.5": "fractional part",
    "1e19": "less than or equal to 9223372036854775807",
    "1e400": "less than or equal to 9223372036854775807",
    "1e99999999999999999999999": "less than or equal to 9223372036854775807",
    "-1.0": "greater than or equal to 0",
    "-1e400": "greater than or equal to 0",
}


@pytest.mark.parametrize(("text", "expected"), INTEGRAL.items(), ids=list(INTEGRAL))
def test_an_integral_number_is_its_exact_job_id(app: Any, text: str, expected: int) -> None:
    body = f'{{"job_ids": [601, {text}]}}'.encode()
    assert job_ids_of(body) == [601, expected]
    assert call(app, body=body).status == 200
    assert integral_value(text) == expected


@pytest.mark.parametrize(("text", "words"), NOT_A_VALID_ID.items(), ids=list(NOT_A_VALID_ID))
def test_a_number_that_is_not_a_valid_id_is_refused(app: Any, text: str, words: str) -> None:
    answer = call(app, body=f'{{"job_ids": [1, {text}]}}'.encode())
    assert answer.status == 400
    body = answer.json()
    validator("ErrorResponse").validate(body)
    assert body["error_id"] == "CS.10003"
    assert body["error_cause"].startswith("job_ids.1: ")
    assert words in body["error_cause"]


def test_the_wrong_job_is_never_answered(app: Any) -> None:
    """Job 1 exists in the demo data: ``0.99999999999999999`` must not read it."""
    answer = call(app, body=b'{"job_ids": [0.99999999999999999]}')
    assert answer.status == 400, answer.json()


# Body -> (the rule refused, start of the cause): the first violation in document order.
FIRST_VIOLATION = {
    b'{"b": 1, "a": 2, "job_ids": [1]}': ("body-unknown-field", "b: Unexpected keyword argument"),
    b'{"job_ids": [1, "2", -3]}': (
        "body-schema-violation",
        "job_ids.1: Input should be a valid integer",
    ),
    b'{"job_ids": [1, 2.5, "x"]}': (
        "body-schema-violation",
        "job_ids.1: Input should be a valid integer,",
    ),
    b'{"job_ids": [1, 2, 1]}': ("job-ids-duplicate", "job_ids.2: duplicate job ID 1"),
    b'{"job_ids": [1], "x": 1e400}': ("body-unknown-field", "x: Unexpected keyword argument"),
    b'{"job_ids": [1e400, 1e401, 1e402]}': (
        "body-schema-violation",
        "body: more than 2 numbers too large",
    ),
    b'{"x": 1, "job_ids": [1]': ("json-malformed", "The request body is not valid JSON"),
    b'{"job_ids": [1], "x": [NaN]}': ("json-malformed", "The request body is not valid JSON: NaN"),
    b'{"job_ids": [1, -Infinity]}': (
        "json-malformed",
        "The request body is not valid JSON: Infinity",
    ),
    b'"job_ids"': ("body-schema-violation", "body: Input should be an object"),
    b'{"job_ids": [7.0, "a[b,c"]}': (
        "body-schema-violation",
        "job_ids.1: Input should be a valid integer",
    ),
    b'{"job_ids": [0.99999999999999999, "]"]}': (
        "body-schema-violation",
        "job_ids.0: Input should be a valid",
    ),
    b'{"job_ids": [1e19, [1.0]]}': (
        "body-schema-violation",
        "job_ids.0: Input should be less than or equal",
    ),
}


@pytest.mark.parametrize(("body", "expected"), FIRST_VIOLATION.items())
def test_the_first_violation_is_the_one_reported(body: bytes, expected: tuple[str, str]) -> None:
    with pytest.raises(Refusal) as refused:
        job_ids_of(body)
    assert (refused.value.rule_id, refused.value.cause[: len(expected[1])]) == expected


# The costliest bodies the benchmark knows, and the first violation each must report.
HOSTILE = {
    "120,000 distinct unknown keys": ("CS.10003", "k000000: Unexpected keyword argument"),
    "349,000 `[]` in job_ids": ("CS.10003", "job_ids: List should have at most 1000 items"),
    "349,000 `{}` in job_ids": ("CS.10003", "job_ids: List should have at most 1000 items"),
    "524,000 nested `[` (deep nesting)": ("CS.10004", "The request body is not valid JSON"),
    "`[]` x 349,000 then job_ids [1.0] again (duplicate key)": ("", ""),  # the last copy: [1]
    "`{}` x 349,000 then numbers past a double": ("CS.10003", "body: more than 2 numbers"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_bodies_get_their_first_violation(app: Any, name: str) -> None:
    error_id, cause = HOSTILE[name]
    answer = call(app, body=candidate_bodies()[name])
    if not error_id:
        assert answer.status == 200
        assert [job["job_id"] for job in answer.json()["payload"]["jobs"]] == [1]
        return
    assert answer.status == 400
    body = answer.json()
    validator("ErrorResponse").validate(body)
    assert (body["error_id"], body["error_cause"][: len(cause)]) == (error_id, cause)


def test_a_large_body_is_parsed_outside_the_event_loop(app: Any, monkeypatch: Any) -> None:
    """Over the inline limit, the body goes to the helper process, never to this process'
    parser (which holds the GIL, and so the event loop, for the whole parse)."""
    parsed_here: list[int] = []
    real = request_body.job_ids_of

    def spy(body: bytes) -> list[int]:
        parsed_here.append(len(body))
        return real(body)

    monkeypatch.setattr(request_body, "job_ids_of", spy)
    large = b'{"job_ids": [1, 2]}' + b" " * (body_helper.INLINE_LIMIT + 1)
    answer = call(app, body=large)
    assert answer.status == 200
    assert [job["job_id"] for job in answer.json()["payload"]["jobs"]] == [1, 2]
    assert parsed_here == []
    refused = call(app, body=candidate_bodies()["120,000 distinct unknown keys"])
    assert refused.json()["error_id"] == "CS.10003"
    assert parsed_here == []
    assert call(app, body={"job_ids": [3]}, token=TOKEN_A).status == 200
    assert parsed_here == [len(b'{"job_ids": [3]}')]  # small bodies stay inline


UNGUARDED_SCRIPT = """
import sys
from pathlib import Path

from reference_server import Settings, create_app
from tests.support import call

print("script started", flush=True)
app = create_app(Settings(db=Path(sys.argv[1])))
answer = call(app, body=b'{"job_ids": [1]}' + b" " * 100_000)
print("status", answer.status, flush=True)
"""


def test_a_script_without_a_main_guard_is_not_run_again_by_the_helper(tmp_path: Path) -> None:
    """A ``multiprocessing`` spawn pool re-imported its parent's main script in the helper: a
    script building the app without ``if __name__ == "__main__"`` ran twice (and failed)."""
    script = tmp_path / "script.py"
    script.write_text(UNGUARDED_SCRIPT)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "db.sqlite3")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.stdout.splitlines() == ["script started", "status 200"], result.stderr


def test_a_helper_that_died_is_replaced_for_the_same_body(app: Any) -> None:
    large = b'{"job_ids": [4]}' + b" " * (body_helper.INLINE_LIMIT + 1)
    assert call(app, body=large).status == 200
    helper = app.bodies.helper
    first = helper.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    os.waitpid(first, 0)  # reaped here, so the next exchange meets a dead pipe
    answer = call(app, body=large)
    assert answer.status == 200
    assert [job["job_id"] for job in answer.json()["payload"]["jobs"]] == [4]
    assert helper.pid not in (None, first)
