"""Read a request body into its job IDs with work bounded by the body's size, not its content.

Why not hand the body to the generated model alone: pydantic validates every key and every
item and builds one error per violation before the first can be reported, so 1 MiB of
120,000 unknown keys cost up to 2.4 s of CPU on the event loop (350,000 ``[]`` items 1.2 s),
and every other client waited. Here the body is parsed once by orjson (C, the whole body:
syntax is judged on all of it, so a malformed body is ``CS.10004`` wherever the break is),
with the cyclic garbage collector paused (a million small containers made it run dozens of
times: 145 ms instead of 21 ms), and the schema is then checked in document order, stopping
at the first violation - the one the answer reports. Only a body that passes goes through
the generated ``JobMetricsRequest`` model, and then it holds at most 1,000 plain integers.
Bodies over 32 KiB are parsed in the body helper (:mod:`reference_server.body_helper`), so
that even this bounded work never holds the event loop.

Job IDs written as numbers with a fraction or an exponent are decided from their JSON text,
exactly, as JSON Schema says (an integer is a number whose value is integral): never through
a double, which turned ``9007199254740993.0`` into job 9007199254740992 and
``0.99999999999999999`` into job 1.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from pydantic import ValidationError

from reference_server import errors
from reference_server.adapters import REQUEST
from reference_server.errors import Refusal

# The bounds as the generated model states them (the spec stays the one place that says them).
_SCHEMA = REQUEST.json_schema()
_JOB_IDS = _SCHEMA["properties"]["job_ids"]
MIN_IDS: int = _JOB_IDS["minItems"]
MAX_IDS: int = _JOB_IDS["maxItems"]
JOB_ID_MIN: int = _SCHEMA["$defs"]["JobId"]["minimum"]
JOB_ID_MAX: int = _SCHEMA["$defs"]["JobId"]["maximum"]

# Numbers too large for a double (``1e400``, 400 digits) make orjson stop. Each one is
# replaced by ``1e300`` (still a number, so the syntax verdict is unchanged; job IDs are
# decided from the original text anyway) and the body parsed again, at most this many times.
# Past it the body is refused as a schema violation without being parsed further: such a
# number is outside every field's range, so a body holding one can never be valid.
MAX_OVERFLOWING_NUMBERS = 2

_NUMBER = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?")
_JSON_SPACE = " \t\n\r"
_NOT_JSON = ("NaN", "Infinity", "-Infinity")

FRACTION = "Input should be a valid integer, got a number with a fractional part"
NOT_INTEGER = "Input should be a valid integer"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector around building (and freeing) a parsed body.

    JSON values hold no reference cycles, so nothing is lost; the collector resumes (if it
    was on) as soon as the block ends. Only the event loop's thread parses bodies.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The rules a body is refused with here. A number no parser holds and one a double would
# misread are refused as the schema violations they are (``body-schema-violation``): the
# rules of those cases (``number-beyond-parsers``, ``numbers-decided-exactly``) say so.
RULES = ("json-malformed", "body-schema-violation", "body-unknown-field", "job-ids-duplicate")
# The rules whose cases this module decides, answered under one of ``RULES``.
COVERED = ("number-beyond-parsers", "numbers-decided-exactly")


def job_ids_of(body: bytes) -> list[int]:
    """The body's job IDs, or the :class:`Refusal` of the first problem."""
    simple = _simple_job_ids(body)
    if simple is not None:
        return simple
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refusal(
            "json-malformed", f"The request body is not valid JSON: not UTF-8 ({exc.reason})"
        ) from None
    with gc_paused():
        value = _parse(text)
        job_ids = _job_ids(value, text)
        del value  # freed here, still with the collector paused
    try:
        request = REQUEST.validate_json(orjson.dumps({"job_ids": job_ids}), strict=True)
    except ValidationError as exc:  # pragma: no cover - the checks above are the model's
        raise _schema(errors.first_violation(exc, "body")) from None
    _refuse_duplicates(request.job_ids)
    return request.job_ids


# Bodies up to this size may take the fast path: what a client sends (1,000 twenty-digit IDs
# are about 22 KB); a larger one is parsed where its cost is bounded (the full path).
_SIMPLE_LIMIT = 32 * 1024


def _simple_job_ids(body: bytes) -> list[int] | None:
    """The job IDs of a body that is exactly what well-behaved clients send - one
    ``job_ids`` member holding 1 to 1,000 distinct plain integers in range - or None (then
    the full path decides, with its exact messages).

    Why: the full path checks the schema item by item in Python, for bounded work on any
    body and exact numbers; for the common request that cost about 10 us of the 24 us the
    app spent on it (the request rate fell 30%). What passes here is what the generated
    ``JobMetricsRequest`` accepts, its whole schema (a test holds the two paths equal), and
    the model's bounds are the ones read at import. A repeated ``job_ids`` key is not seen
    by a parser that keeps the last copy, as the full path does too.
    """
    if len(body) > _SIMPLE_LIMIT:
        return None
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict or len(value) != 1:
        return None
    items = value.get("job_ids")
    if type(items) is not list or not MIN_IDS <= len(items) <= MAX_IDS:
        return None
    if set(map(type, items)) != {int}:
        return None
    if min(items) < JOB_ID_MIN or max(items) > JOB_ID_MAX or len(set(items)) != len(items):
        return None
    return items


def _parse(text: str) -> Any:
    """Parse the whole body; a number beyond a double is replaced (see the constant)."""
    shadow = text
    for _ in range(MAX_OVERFLOWING_NUMBERS + 1):
        try:
            return orjson.loads(shadow)
        except orjson.JSONDecodeError as exc:
            if not exc.msg.startswith("number is infinity"):
                raise Refusal("json-malformed", _malformed(exc, shadow)) from None
            position = exc.pos
            token = _NUMBER.match(shadow, position)
            assert token is not None, "orjson names the start of the number it cannot hold"
            shadow = f"{shadow[:position]}{token.group(1)}1e300{shadow[token.end() :]}"
    raise _schema(
        f"body: more than {MAX_OVERFLOWING_NUMBERS} numbers too large for a double;"
        " no field accepts such a number",
    )


def _malformed(exc: orjson.JSONDecodeError, text: str) -> str:
    where = f"line {exc.lineno} column {exc.colno} (char {exc.pos})"
    for constant in _NOT_JSON:
        if text.startswith(constant, exc.pos) or text.startswith(constant, exc.pos - 1):
            return f"The request body is not valid JSON: {constant} is not a JSON value: {where}"
    if exc.msg.startswith("depth limit"):
        return f"The request body is not valid JSON: nested deeper than 1024 levels: {where}"
    return f"The request body is not valid JSON: {exc.msg}: {where}"


def _schema(cause: str, rule_id: str = "body-schema-violation") -> Refusal:
    return Refusal(rule_id, cause)


def _job_ids(value: Any, text: str) -> list[int]:
    """Check the parsed body against ``JobMetricsRequest`` in document order; stop at the
    first violation. The messages are pydantic's for the same violation."""
    if not isinstance(value, dict):
        raise _schema("body: Input should be an object")
    for key in value:
        if key != "job_ids":
            raise _schema(f"{errors.clip(key)}: Unexpected keyword argument", "body-unknown-field")
    if "job_ids" not in value:
        raise _schema("job_ids: Field required")
    items = value["job_ids"]
    if not isinstance(items, list):
        raise _schema("job_ids: Input should be a valid array")
    if len(items) < MIN_IDS:
        raise _schema(
            f"job_ids: List should have at least {MIN_IDS} item after validation, not {len(items)}"
        )
    if len(items) > MAX_IDS:
        raise _schema(
            f"job_ids: List should have at most {MAX_IDS} items after validation, not {len(items)}"
        )
    texts: list[str] | None = None
    job_ids: list[int] = []
    for index, item in enumerate(items):
        if isinstance(item, float) and item.is_integer():
            # An integral double may come from a non-integral text (0.99999999999999999) or
            # another integer (9007199254740993.0): the text decides.
            if texts is None:
                numbers_only = all(type(other) in (int, float) for other in items)
                texts = _last_array_items(text, len(items)) if numbers_only else _exact(text)
            outcome = integral_value(texts[index])
        elif isinstance(item, float):
            outcome = FRACTION  # a non-integral double never comes from an integral text
        elif isinstance(item, int) and not isinstance(item, bool):
            outcome = item
        else:
            outcome = NOT_INTEGER
        if isinstance(outcome, str):
            raise _schema(f"job_ids.{index}: {outcome}")
        if outcome < JOB_ID_MIN:
            raise _schema(f"job_ids.{index}: Input should be greater than or equal to {JOB_ID_MIN}")
        if outcome > JOB_ID_MAX:
            raise _schema(f"job_ids.{index}: Input should be less than or equal to {JOB_ID_MAX}")
        job_ids.append(outcome)
    return job_ids


# One token of a JSON text that is known to be valid: a string (escapes included), or a
# structural character. Numbers and literals lie between tokens and are read as slices.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')


def _exact(text: str) -> list[str]:
    """The texts of the items of ``job_ids``' array (the last member of the body's object: the
    copy the parser keeps when the key is repeated), from one pass over the tokens.

    Needed only when the array holds something besides numbers and an integral double comes
    before it; the body is then known to be JSON and refused whatever the verdict. Iterative,
    so nesting costs nothing but its bytes: a recursive parse here (the standard library's)
    raised RecursionError on ``[1.0, [[[...]]]]`` nested about 1,000 deep, which the first
    parser allows, and the answer was an internal error with a traceback in the log.
    """
    depth = 0
    items: list[str] = []
    member_is_array = False
    item_start = 0
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark == ":" and depth == 1:  # a member of the body's object: its value starts
            items, member_is_array, item_start = [], False, token.end()
        elif mark in "[{":
            depth += 1
            if depth == 2 and mark == "[" and not text[item_start : token.start()].strip():
                member_is_array, item_start = True, token.end()
        elif mark in "]}":
            if depth == 2 and member_is_array:
                items.append(text[item_start : token.start()].strip(_JSON_SPACE))
            depth -= 1
        elif mark == "," and depth == 2 and member_is_array:
            items.append(text[item_start : token.start()].strip(_JSON_SPACE))
            item_start = token.end()
    return items


def _last_array_items(text: str, count: int) -> list[str]:
    """The texts of the items of the body's last array: ``job_ids``' value.

    Called once the body is known to be ``{"job_ids": [numbers]}`` (the key possibly
    repeated: the last copy is the one parsed), so that array closes the body and holds no
    bracket: its items lie between the last ``[`` and the final ``]}``.
    """
    inner = text.rstrip(_JSON_SPACE)[:-1].rstrip(_JSON_SPACE)
    start = inner.rfind("[")
    items = [item.strip(_JSON_SPACE) for item in inner[start + 1 : -1].split(",")]
    if not (inner.endswith("]") and start >= 0 and len(items) == count):  # pragma: no cover
        raise RuntimeError("job_ids is not the body's last array")
    return items


# Beyond this many digits an integral value is outside int64 whatever its sign (2**63 has 19).
_MAX_DIGITS = 19
_MAX_EXPONENT_DIGITS = 18  # an exponent this long cannot be offset by a 1 MiB mantissa


def integral_value(number: str) -> int | str:
    """The value of a JSON number if it is an integer, else the reason it is not one.

    Exact: the digits and the exponent are read as text. The value is ``D x 10**shift`` for
    the digits ``D`` with trailing zeros moved into ``shift``; it is integral when ``D`` is
    0 or ``shift`` >= 0. Work is linear in the text and never builds a number of more than
    19 digits: a longer integral value is reported as the bound it breaks.
    """
    match = _NUMBER.fullmatch(number)
    if match is None:
        return NOT_INTEGER
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    digits = (whole + fraction).lstrip("0")
    significant = digits.rstrip("0")
    if not significant:
        return 0  # 0, -0, 0.000e5: zero
    exponent = exponent or "0"
    exponent_digits = exponent.lstrip("+-").lstrip("0")
    if len(exponent_digits) > _MAX_EXPONENT_DIGITS:
        if exponent.startswith("-"):
            return FRACTION  # e.g. 1e-999999999999999999999
        scale = _MAX_DIGITS + 1  # integral and far past int64
    else:
        scale = int(exponent) - len(fraction) + (len(digits) - len(significant))
    if scale < 0:
        return FRACTION
    if len(significant) + scale > _MAX_DIGITS:
        return -(2**64) if sign else 2**64  # past the bounds, on its side of zero
    value: int = int(significant) * 10**scale
    return -value if sign else value


def _refuse_duplicates(job_ids: list[int]) -> None:
    """``uniqueItems``: pydantic does not enforce it, so it is checked here."""
    if len(set(job_ids)) == len(job_ids):
        return
    seen: set[int] = set()
    for index, job_id in enumerate(job_ids):
        if job_id in seen:
            raise _schema(
                f"job_ids.{index}: duplicate job ID {job_id}; each ID may appear once",
                "job-ids-duplicate",
            )
        seen.add(job_id)
