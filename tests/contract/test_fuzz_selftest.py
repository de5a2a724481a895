"""The harness of ``make fuzz`` fails every fault-injected server and passes the correct one.

Each case runs the real harness (a live server process, the preflight, the probes, the
schemathesis CLI with our hooks) with a fixed seed, as ``make fuzz-selftest`` does, and
checks that the rule the fault breaks is the one reported failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz_selftest.faults import FAULTS
from fuzz_selftest.selftest import CORRECT, run_one
from jobs_metrics_spec import MUST, SHOULD, spec_operations

SEED = 20261124
# The rule each fault must be caught by (at least; others may fail too): the fault's own.
CAUGHT_BY = {name: fault.breaks for name, fault in FAULTS.items()}


def _level(reported: str) -> str:
    """The spec's level of a rule as the report names it (``op/rule`` beyond the first)."""
    operation, _, rule_id = reported.rpartition("/")
    first, *others = spec_operations()
    contract = next((c for c in others if c.operation_id == operation), first)
    return contract.rule(rule_id).level


# Faults that break only should rules: without STRICT they are warnings, the run passes.
SHOULD_ONLY = sorted(name for name, rule in CAUGHT_BY.items() if _level(rule) == SHOULD)


def test_every_fault_breaks_a_rule_of_the_spec() -> None:
    """A fault names a rule id the spec has (``KeyError`` otherwise) of the operation it
    names."""
    for name, rule in CAUGHT_BY.items():
        assert _level(rule) in (MUST, SHOULD), name


@pytest.mark.parametrize(
    "examples",
    [
        10,  # make test: the whole pipeline, both operations, every probe
        pytest.param(50, marks=pytest.mark.slow),  # as many generated cases as the faults get
    ],
)
def test_correct_server_passes(examples: int, tmp_path: Path) -> None:
    outcome = run_one(CORRECT, SEED, examples, report_dir=tmp_path)
    # A false FAIL of the real server is what a fuzz verdict must never give: the message
    # carries the whole report, so a failure seen once (in a CI log) can be understood. (A
    # string: pytest cuts any other message to 240 characters.)
    report = tmp_path / "conformance.md"
    said = report.read_text() if report.exists() else "(no report)"
    assert outcome.exit_code == 0, f"{outcome}\n{said}"


def _check(fault: str) -> None:
    # 20 generated cases per phase: each fault is caught under its rule with them (the probes
    # do most of it), in two thirds of the time 50 took; `make fuzz-selftest` runs 100.
    outcome = run_one(fault, SEED, 20)
    assert outcome.exit_code == 1, outcome
    assert CAUGHT_BY[fault] in outcome.caught_by.split(" (")[0].split(", "), outcome


@pytest.mark.slow
@pytest.mark.parametrize("fault", SHOULD_ONLY)
def test_a_should_fault_is_a_warning_without_strict(fault):
    outcome = run_one(fault, SEED, 20, strict=False)
    assert outcome.exit_code == 0, outcome
    assert f"warnings: {CAUGHT_BY[fault]}" in outcome.caught_by, outcome


# A whole fuzz run per fault (~5 s each): CI runs them all in test-slow. `make test` keeps
# the real server's run above, and the in-process judge tests of each rule.
@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_harness_fails_every_faulty_server(fault):
    _check(fault)
