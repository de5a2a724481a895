"""Judging one answer against the contract: pure functions, no I/O.

The probes, the schemathesis checks (``hooks``) and ``replay`` all call these, so a failure
found one way is judged the same way when it is replayed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fuzz_harness.exchange import Answer
from fuzz_harness.jobids import JobIdSet
from jobs_metrics_spec import Contract, Rule

# Rules judged on every answer of every probe and case, rather than by probes of their own.
ENVELOPE_RULES = ("response-schema", "error-body-schema")
TIMES_RULE = "times-in-milliseconds"
# The gateway's throttling: judged on every 429 a run meets (the sender retries it).
THROTTLED = "throttled"
ANSWER_RULES = (*ENVELOPE_RULES, TIMES_RULE, THROTTLED)


@dataclass
class Verdicts:
    """Problems found per rule, and which rules one answer exercised."""

    exercised: set[str] = field(default_factory=set)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, rule: str, problem: str) -> None:
        self.exercised.add(rule)
        self.problems.setdefault(rule, []).append(problem)

    def merge(self, other: Verdicts) -> None:
        self.exercised |= other.exercised
        for rule, problems in other.problems.items():
            self.problems.setdefault(rule, []).extend(problems)


def describe(answer: Answer) -> str:
    if answer.error:
        return f"no answer ({answer.error})"
    body = answer.body[:200].decode("utf-8", "replace")
    return f"HTTP {answer.status} {answer.header('content-type') or '(no content type)'}: {body}"


def schema_problems(contract: Contract, schema: str, value: Any) -> list[str]:
    validator = contract.validator(schema)
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(body)'}: {error.message[:200]}"
        for error in validator.iter_errors(value)
    ][:5]


def error_statuses(contract: Contract) -> frozenset[int]:
    """The statuses whose answers carry the operation's error body: those of its refusals
    (a rule answered in another body - the gateway's throttling - is judged by its own)."""
    return frozenset(
        rule.status for rule in contract.rules if rule.error_id and rule.status and not rule.body
    )


def judge_throttled(contract: Contract, answer: Answer) -> Verdicts:
    """A 429: the gateway's throttling, in the body and with the code its rule names."""
    verdicts = Verdicts()
    if answer.status != 429 or THROTTLED not in {rule.id for rule in contract.rules}:
        return verdicts
    rule = contract.rule(THROTTLED)
    verdicts.exercised.add(THROTTLED)
    schema, code_field = contract.body_of(rule)
    body = answer.json()
    if not isinstance(body, dict):
        verdicts.fail(THROTTLED, f"a 429 without the gateway's JSON body: {describe(answer)}")
        return verdicts
    for problem in schema_problems(contract, schema, body):
        verdicts.fail(THROTTLED, f"a 429 whose body is not a {schema}: {problem}")
    if body.get(code_field) != rule.error_id:
        verdicts.fail(
            THROTTLED,
            f"a 429 with {code_field} {body.get(code_field)!r}, not {rule.error_id}",
        )
    return verdicts


def judge_body(contract: Contract, answer: Answer) -> Verdicts:
    """The envelope rules every answer must keep: a 200 the operation's answer schema, a
    refusal its error body (``JobMetricsResponse``/``ErrorResponse`` for the CS operation)."""
    verdicts = Verdicts()
    if answer.error:
        return verdicts
    media = (answer.header("content-type") or "").split(";")[0].strip().lower()
    body = answer.json()
    if answer.status == 200:
        if media != "application/json" or body is None:
            verdicts.fail("response-schema", f"the 200 answer is not JSON: {describe(answer)}")
            return verdicts
        jobs = contract.jobs_of(body)
        problems = schema_problems(contract, contract.success_schema, body)
        if problems or jobs:  # only an answer with jobs checks the job fields
            verdicts.exercised.add("response-schema")
        for problem in problems:
            verdicts.fail("response-schema", problem)
    elif answer.status in error_statuses(contract):
        verdicts.exercised.add("error-body-schema")
        if media != "application/json" or body is None:
            verdicts.fail(
                "error-body-schema", f"the refusal has no JSON error body: {describe(answer)}"
            )
            return verdicts
        for problem in schema_problems(contract, contract.error_schema, body):
            verdicts.fail("error-body-schema", problem)
    return verdicts


def judge_refusal(
    rule: Rule, answer: Answer, *, bodiless: bool = False, code_field: str = "error_id"
) -> list[str]:
    """Problems with ``answer`` as the refusal ``rule`` names (status, error code, headers).

    ``bodiless``: the answer to a HEAD request, which has no body by HTTP's definition, is
    held to the status and headers only. ``code_field``: the error body's field holding the
    code (``error_id`` in CS's body, ``error_code`` in DLI's).
    """
    if answer.error:
        return [f"expected {rule.expected}, got {describe(answer)}"]
    problems: list[str] = []
    body = answer.json()
    error_id = body.get(code_field) if isinstance(body, dict) else None
    if bodiless:
        if answer.status != rule.status:
            problems.append(f"expected HTTP {rule.status} (no body: HEAD), got {describe(answer)}")
    elif answer.status != rule.status or (rule.error_id and error_id != rule.error_id):
        problems.append(
            f"expected {rule.expected}, got HTTP {answer.status} with {code_field} {error_id!r}"
            + ("" if error_id else f" ({describe(answer)})")
        )
    for name, value in rule.headers.items():
        got = answer.header(name)
        wanted = {part.strip().upper() for part in value.split(",")}
        if got is None or {part.strip().upper() for part in got.split(",")} != wanted:
            problems.append(f"expected header {name}: {value}, got {got!r}")
    return problems


def judge_jobs(
    requested: Sequence[Any],
    answer: Answer,
    known: JobIdSet,
    foreign: JobIdSet,
    jobs_path: Sequence[str] = ("payload", "jobs"),
) -> Verdicts:
    """The data rules of a 200 answer to ``job_ids == requested``.

    - jobs-only-requested: every job returned was requested, once (exercised when a job came);
    - jobs-found-in-order: every requested known job came back, in the order requested
      (exercised when a known job was requested);
    - jobs-foreign-hidden: no job of another project came back (exercised when one was asked).
    """
    verdicts = Verdicts()
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict):
        return verdicts
    node: Any = body
    for key in jobs_path:
        node = node.get(key) if isinstance(node, dict) else None
    jobs = node if isinstance(node, list) else []
    where = ".".join(jobs_path)
    # A job_id that is no integer is response-schema's finding; counted here too, it would be
    # one bad value reported twice (as "unrequested").
    returned = [
        job.get("job_id")
        for job in jobs
        if isinstance(job, dict) and _as_id(job.get("job_id")) is not None
    ]
    position = {_as_id(job_id): index for index, job_id in enumerate(requested)}
    position.pop(None, None)
    if returned:
        verdicts.exercised.add("jobs-only-requested")
        unrequested = [job_id for job_id in returned if _as_id(job_id) not in position]
        if unrequested:
            verdicts.fail(
                "jobs-only-requested", f"{where} holds unrequested jobs {unrequested[:5]}"
            )
        twice = sorted({j for j in returned if returned.count(j) > 1}, key=str)
        if twice:
            verdicts.fail("jobs-only-requested", f"{where} lists jobs twice: {twice[:5]}")
    asked_known = [job_id for job_id in position if job_id in known and job_id not in foreign]
    if asked_known:
        verdicts.exercised.add("jobs-found-in-order")
        got = set(map(_as_id, returned))
        missing = [job_id for job_id in asked_known if job_id not in got]
        if missing:
            verdicts.fail(
                "jobs-found-in-order",
                f"{len(missing)} of {len(asked_known)} requested jobs of the project are missing"
                f" from {where}, e.g. {missing[:5]}",
            )
        order = [position[i] for i in map(_as_id, returned) if i in position]
        if order != sorted(order):
            verdicts.fail("jobs-found-in-order", f"{where} is not in the order requested")
    asked_foreign = [job_id for job_id in position if job_id in foreign]
    if asked_foreign:
        verdicts.exercised.add("jobs-foreign-hidden")
        leaked = [job_id for job_id in map(_as_id, returned) if job_id in foreign]
        if leaked:
            verdicts.fail(
                "jobs-foreign-hidden",
                f"{where} holds jobs of another project: {leaked[:5]} (a cross-tenant leak)",
            )
    return verdicts


def _as_id(value: Any) -> int | None:
    """A job ID as an int; JSON Schema counts ``7.0`` as the integer 7."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, Decimal):
        return int(value) if value.is_finite() and value == value.to_integral_value() else None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


# How far current_time / error_time may be from the harness' clock: generous, for servers in
# other time zones' clocks gone wrong by hours or with slow answers, yet a value in seconds
# (1,000 times too small) or a fixed example value is decades away.
TIME_WINDOW_MS = 24 * 60 * 60 * 1000
TIME_FIELDS = ("current_time", "error_time")


def judge_times(answer: Answer, now_ms: int) -> Verdicts:
    """times-in-milliseconds: the answer's time is milliseconds within a day of ``now_ms``."""
    verdicts = Verdicts()
    body = answer.json()
    if not isinstance(body, dict):
        return verdicts
    for name in TIME_FIELDS:
        value = body.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            continue  # absent (optional) or not an integer (the schema rules say so)
        verdicts.exercised.add(TIMES_RULE)
        if abs(value - now_ms) > TIME_WINDOW_MS:
            hint = (
                " (seconds, not milliseconds?)"
                if abs(value * 1000 - now_ms) < TIME_WINDOW_MS
                else ""
            )
            verdicts.fail(
                TIMES_RULE,
                f"{name} {value} is {abs(value - now_ms) / 3_600_000:,.0f} h from the harness'"
                f" clock ({now_ms} ms since the epoch){hint}",
            )
    return verdicts
