"""Rules that need more than one answer: a job's metrics are stable, foreign is like unknown.

One answer cannot show that a server answered job 7 with job 8's metrics, or that its
``message`` counts the foreign jobs it hid: only answers compared with each other can. Each
check sends a round of requests that should give equal answers (the same jobs in another
order or company; foreign IDs and unknown IDs) and repeats its first request at the end of the
round: only a round whose first and last answers agree (the data did not change meanwhile,
as live metrics do) may fail a rule; a round without that is repeated, and after
``ROUNDS`` rounds that all saw the data move the rule is "not exercised", with that reason.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fuzz_harness.exchange import Answer, Request
from fuzz_harness.options import FuzzOptions, Identity
from fuzz_harness.probes import post, some_ids, unknown_ids
from jobs_metrics_spec import Contract

STABLE = "jobs-answer-stable"
FOREIGN = "foreign-like-unknown"
SAME_AS_REPLACED = "jobs-same-as-replaced"
RULES = (STABLE, FOREIGN, SAME_AS_REPLACED)
ROUNDS = 3
Send = Callable[[Request], Answer]


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    detail: str
    request: Request


@dataclass
class Checked:
    """What the checks exercised, broke, or could not exercise (rule -> reason)."""

    exercised: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    not_exercised: dict[str, str] = field(default_factory=dict)


def run_checks(
    send: Send,
    contract: Contract,
    options: FuzzOptions,
    rng: random.Random,
    replaced: Contract | None = None,
) -> Checked:
    """The comparing rules ``contract`` has; ``replaced``: the operation it replaces, whose
    answers its own are compared with (``jobs-same-as-replaced``)."""
    checked = Checked()
    names = {rule.id for rule in contract.rules}
    if STABLE in names:
        check_jobs_stable(send, contract, options, rng, checked)
    if FOREIGN in names:
        check_foreign_like_unknown(send, contract, options, rng, checked)
    if SAME_AS_REPLACED in names:
        if replaced is None:
            checked.not_exercised[SAME_AS_REPLACED] = (
                f"the operation it replaces ({contract.replaces}) is not exercised in this run"
            )
        else:
            check_same_as_replaced(send, contract, replaced, options, rng, checked)
    return checked


def _canonical(value: Any) -> str:
    """One text per JSON value: keys sorted, and a number by its value (``100`` and ``100.0``
    are one number to JSON Schema, and two operations may write it either way)."""
    return json.dumps(_numbers_by_value(value), sort_keys=True, separators=(",", ":"))


def _numbers_by_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _numbers_by_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_by_value(item) for item in value]
    return value


def _jobs(answer: Answer, contract: Contract) -> dict[int, str] | None:
    """The answer's jobs by ID (each object in canonical JSON); None if it is no 200 with jobs."""
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict):
        return None
    jobs = contract.jobs_of(body)
    if not isinstance(jobs, list):
        return None
    found: dict[int, str] = {}
    for job in jobs:
        if isinstance(job, dict) and isinstance(job.get("job_id"), int):
            found.setdefault(job["job_id"], _canonical(job))
    return found


def check_jobs_stable(
    send: Send, contract: Contract, options: FuzzOptions, rng: random.Random, out: Checked
) -> None:
    me = options.identity
    if not me.job_ids:
        out.not_exercised[STABLE] = "no JOB_IDS given: the harness knows no job that exists"
        return
    known = me.job_ids.sample(rng, 4)
    unknown = unknown_ids(rng, options, 2)
    a = known[0]
    asks = [
        (f"job {a} alone", [a]),
        ("known jobs in order", known),
        ("the same jobs reversed, unknown IDs between", [*known[:0:-1], *unknown, a]),
        (f"job {a} with one companion", [known[-1], a] if len(known) > 1 else [a]),
    ]
    for _ in range(ROUNDS):
        answers = [
            (label, ids, _jobs(send(post(contract, me, {"job_ids": ids})), contract))
            for label, ids in asks
        ]
        again = _jobs(send(post(contract, me, {"job_ids": asks[0][1]})), contract)
        first = answers[0][2]
        if first is None or again is None:
            out.not_exercised[STABLE] = "a known-good request was not answered 200 with its jobs"
            return
        if first != again:
            continue  # the data moved during the round: not conclusive
        out.exercised.add(STABLE)
        seen: dict[int, tuple[str, str]] = {}
        for label, ids, jobs in answers:
            for job_id, text in (jobs or {}).items():
                if job_id not in seen:
                    seen[job_id] = (label, text)
                elif seen[job_id][1] != text and _differs_again(
                    send, contract, me, ids, job_id, seen
                ):
                    out.findings.append(
                        Finding(
                            STABLE,
                            f"job {job_id} answered differently in two requests",
                            f"in {seen[job_id][0]}: {seen[job_id][1][:400]}\n"
                            f"in {label} (job_ids {ids}): {text[:400]}\n"
                            f"(job {a} alone gave the same answer before and after the round:"
                            " the data did not change)",
                            post(contract, me, {"job_ids": ids}),
                        )
                    )
                    return
        return
    out.not_exercised[STABLE] = f"the data changed during each of {ROUNDS} rounds of requests"


def _differs_again(
    send: Send,
    contract: Contract,
    me: Identity,
    ids: list[int],
    job_id: int,
    seen: dict[int, tuple[str, str]],
) -> bool:
    """Sent again, the request still answers the job unlike before (not a one-off answer)."""
    jobs = _jobs(send(post(contract, me, {"job_ids": ids})), contract)
    return jobs is not None and job_id in jobs and jobs[job_id] != seen[job_id][1]


def _without_time(answer: Answer) -> str:
    body = answer.json()
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("current_time", "error_time")}
    return f"HTTP {answer.status} " + _canonical(body)


def check_foreign_like_unknown(
    send: Send, contract: Contract, options: FuzzOptions, rng: random.Random, out: Checked
) -> None:
    me, other = options.identity, options.other
    if other is None or not other.job_ids:
        out.not_exercised[FOREIGN] = (
            "no OTHER_JOB_IDS given: the harness knows no job of another project"
        )
        return
    foreign = other.job_ids.sample(rng, 3)
    unknown = unknown_ids(rng, options, len(foreign))
    pairs = [("jobs of OTHER_PROJECT_ID only", foreign, "unknown IDs only", unknown)]
    if me.job_ids:
        own = some_ids(rng, me, 1)
        pairs.append(
            (
                "an own job and foreign jobs",
                own + foreign,
                "an own job and unknown IDs",
                own + unknown,
            )
        )
    for foreign_label, foreign_ids, unknown_label, unknown_ids_ in pairs:
        for _ in range(ROUNDS):
            first = send(post(contract, me, {"job_ids": foreign_ids}))
            other_answer = send(post(contract, me, {"job_ids": unknown_ids_}))
            again = send(post(contract, me, {"job_ids": foreign_ids}))
            if _without_time(first) != _without_time(again):
                continue  # the data moved during the round
            out.exercised.add(FOREIGN)
            if _without_time(first) != _without_time(other_answer) and _without_time(
                send(post(contract, me, {"job_ids": foreign_ids}))
            ) != _without_time(send(post(contract, me, {"job_ids": unknown_ids_}))):
                out.findings.append(
                    Finding(
                        FOREIGN,
                        "foreign jobs are answered unlike unknown ones",
                        f"{foreign_label} {foreign_ids}: {_without_time(first)[:400]}\n"
                        f"{unknown_label} {unknown_ids_}: {_without_time(other_answer)[:400]}\n"
                        "(current_time left out; the first request gave the same answer before"
                        " and after: the data did not change)",
                        post(contract, me, {"job_ids": foreign_ids}),
                    )
                )
                return
            break
        else:
            out.not_exercised.setdefault(
                FOREIGN, f"the data changed during each of {ROUNDS} rounds of requests"
            )


def check_same_as_replaced(
    send: Send,
    contract: Contract,
    replaced: Contract,
    options: FuzzOptions,
    rng: random.Random,
    out: Checked,
) -> None:
    """The successor answers the same job objects as the operation it replaces.

    Each round asks both operations for the same jobs (known, unknown and foreign ones mixed)
    and asks the successor again at the end: a round in which that answer moved is not
    conclusive (live data), as in the other comparing rules.
    """
    me = options.identity
    if not me.job_ids:
        out.not_exercised[SAME_AS_REPLACED] = (
            "no JOB_IDS given: the harness knows no job that exists"
        )
        return
    ids = [*me.job_ids.sample(rng, 5), *unknown_ids(rng, options, 1)]
    if options.other and options.other.job_ids:
        ids += options.other.job_ids.sample(rng, 1)
    rng.shuffle(ids)
    body = {"job_ids": ids}
    for _ in range(ROUNDS):
        mine = _jobs(send(post(contract, me, body)), contract)
        theirs = _jobs(send(post(replaced, me, body)), replaced)
        again = _jobs(send(post(contract, me, body)), contract)
        if mine is None or theirs is None:
            out.not_exercised[SAME_AS_REPLACED] = (
                "a known-good request to one of the two operations was not answered 200"
            )
            return
        if mine != again:
            continue  # the data moved during the round
        out.exercised.add(SAME_AS_REPLACED)
        if mine != theirs:
            differing = sorted(set(mine) ^ set(theirs)) or [
                job for job in mine if mine[job] != theirs.get(job)
            ]
            job = differing[0]
            out.findings.append(
                Finding(
                    SAME_AS_REPLACED,
                    f"job {job} differs from the answer of {replaced.operation_id}",
                    f"{contract.operation_id}: {mine.get(job, '(absent)')[:400]}\n"
                    f"{replaced.operation_id}: {theirs.get(job, '(absent)')[:400]}\n"
                    f"(job_ids {ids}; the successor answered the same before and after: the"
                    " data did not change)",
                    post(contract, me, body),
                )
            )
        return
    out.not_exercised[SAME_AS_REPLACED] = (
        f"the data changed during each of {ROUNDS} rounds of requests"
    )
