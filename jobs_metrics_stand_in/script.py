"""A sandbox's script: entries that answer, delay or break the requests they match.

An entry is one of four kinds, all matched and counted the same way:

- ``rule``: answer with exactly what the spec states for that ``x-contract`` error rule;
- ``answer``: answer 200 with a given body, valid against the operation's response schema;
- ``fault``: break the transport (``FAULT_KINDS``);
- ``delay``: wait before answering (fixed, or uniform between two bounds by seed).

Matching: the operation (by id), any of the request's job IDs, the credential presented (the
token or the access key). Counting: every matching request is *seen*; it *triggers* the entry
when it is the ``every``-th seen (if set) and a seeded draw falls under ``probability`` (if
set); a trigger spends one of ``times`` (``None``: never spent). The entries are looked at in
the order they were added: every triggered delay adds up, the first triggered answer (rule or
200) and the first triggered fault apply.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jobs_metrics_spec import Rule
from jobs_metrics_stand_in.contract import (
    ScriptError,
    check_against,
    operation,
    rules_for,
)
from jobs_metrics_stand_in.limits import MAX_DELAY_SECONDS, MAX_HANG_SECONDS

FaultKind = Literal["reset", "empty", "truncated", "dribble", "hang"]
FAULT_KINDS: tuple[str, ...] = ("reset", "empty", "truncated", "dribble", "hang")
# Seconds a dribbled body takes to arrive, unless an entry says.
DEFAULT_DRIBBLE_SECONDS = 2.0


class EntryIn(BaseModel):
    """A script entry as the control API and script files take it (exactly one kind)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    rule: str | None = Field(default=None, description="x-contract error rule id to answer.")
    answer: dict[str, Any] | None = Field(default=None, description="A 200 body to answer.")
    fault: FaultKind | None = None
    delay: float | None = Field(default=None, ge=0, le=MAX_DELAY_SECONDS)
    max_delay: float | None = Field(default=None, ge=0, le=MAX_DELAY_SECONDS)
    seconds: float | None = Field(default=None, gt=0, le=MAX_HANG_SECONDS)
    operation: str | None = None
    job_ids: list[int] | None = Field(default=None, max_length=1000)
    credential: str | None = Field(default=None, max_length=256)
    times: int | None = Field(default=1, ge=1)
    every: int | None = Field(default=None, ge=1)
    probability: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> EntryIn:
        kinds = [k for k in ("rule", "answer", "fault", "delay") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of rule, answer, fault, delay")
        if self.max_delay is not None and (self.delay is None or self.max_delay < self.delay):
            raise ValueError("max_delay needs delay, and must not be less than it")
        if self.seconds is not None and self.fault not in ("dribble", "hang"):
            raise ValueError("seconds is for the dribble and hang faults")
        if self.answer is not None and self.operation is None:
            raise ValueError("a 200 answer needs its operation (its body's schema)")
        return self


@dataclass
class Entry:
    """A script entry in force, with its counters."""

    id: str
    spec: EntryIn
    rules: dict[str, Rule]  # for a rule entry: the rule of each operation that defines it
    remaining: int | None
    seen: int = 0
    triggered: int = 0
    _draws: random.Random | None = None  # made on first use: seeding costs 8 us a time

    @property
    def draws(self) -> random.Random:
        """The entry's random numbers: from its ``seed``, so the same script draws the same."""
        if self._draws is None:
            self._draws = random.Random(self.spec.seed)
        return self._draws

    @property
    def kind(self) -> str:
        return next(
            k for k in ("rule", "answer", "fault", "delay") if getattr(self.spec, k) is not None
        )

    def matches(
        self, operation_id: str | None, job_ids: Sequence[int], credential: str | None
    ) -> bool:
        spec = self.spec
        if self.rules and operation_id not in self.rules:
            return False
        if spec.operation is not None and spec.operation != operation_id:
            return False
        if spec.job_ids is not None and not set(spec.job_ids) & set(job_ids):
            return False
        return spec.credential is None or spec.credential == credential

    def trigger(self) -> bool:
        """Count a matching request; whether it triggers the entry (spending one time)."""
        if self.remaining == 0:
            return False
        self.seen += 1
        if self.spec.every is not None and self.seen % self.spec.every:
            return False
        if self.spec.probability is not None and self.draws.random() >= self.spec.probability:
            return False
        self.triggered += 1
        if self.remaining is not None:
            self.remaining -= 1
        return True

    def delay_seconds(self) -> float:
        low = self.spec.delay or 0.0
        high = self.spec.max_delay
        return low if high is None else self.draws.uniform(low, high)

    def describe(self) -> dict[str, Any]:
        """The entry as the control API shows it."""
        return {
            "id": self.id,
            "kind": self.kind,
            **self.spec.model_dump(exclude_none=True, exclude={"id"}),
            "remaining": self.remaining,
            "seen": self.seen,
            "triggered": self.triggered,
        }


def make_entry(entry_id: str, spec: EntryIn) -> Entry:
    """Check an entry against the spec (a rule no operation defines, an operation the spec
    lacks, a 200 body its schema refuses: refused at once, naming what is valid)."""
    if spec.operation is not None:
        operation(spec.operation)
    rules: dict[str, Rule] = {}
    if spec.rule is not None:
        rules = rules_for(spec.rule, spec.operation)
    if spec.answer is not None:
        assert spec.operation is not None
        check_against(operation(spec.operation).contract.success_schema, spec.answer, "answer")
    return Entry(entry_id, spec, rules, spec.times)


@dataclass
class Decision:
    """What a sandbox's script says about one request."""

    delay: float = 0.0
    answer: Entry | None = None  # a rule or 200 entry
    fault: Entry | None = None
    entries: list[str] = field(default_factory=list)  # the ids of every triggered entry


def decide(entries: Sequence[Entry], operation_id: str | None, job_ids: Sequence[int],
           credential: str | None) -> Decision:  # fmt: skip
    decision = Decision()
    for entry in entries:
        if not entry.matches(operation_id, job_ids, credential):
            continue
        kind = entry.kind
        if kind in ("rule", "answer") and (decision.answer is not None or operation_id is None):
            continue  # one answer per request; answers are for the operations only
        if kind == "fault" and decision.fault is not None:
            continue
        if not entry.trigger():
            continue
        decision.entries.append(entry.id)
        if kind == "delay":
            decision.delay += entry.delay_seconds()
        elif kind == "fault":
            decision.fault = entry
        else:
            decision.answer = entry
    return decision


__all__ = ["FAULT_KINDS", "Decision", "Entry", "EntryIn", "ScriptError", "decide", "make_entry"]
