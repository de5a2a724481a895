"""A verdict does not depend on how busy the machine is (issue #30): with two processes
spinning on the two cores, six runs of the reference server pass and three runs of broken
servers fail, each with its right rule. Timeouts, retries of a throttled or slow answer and
the recheck of a failure are what could turn load into a false FAIL; this holds them to it."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator

import pytest

from fuzz_selftest.faults import FAULTS
from fuzz_selftest.selftest import CORRECT, run_one

BROKEN = ("wrong-type", "accept-any-token", "signature-not-checked")


def _spin() -> None:
    while True:
        pass


@pytest.fixture
def busy_machine() -> Iterator[None]:
    """Two busy loops (one per core here), stopped by PID when the test ends."""
    context = multiprocessing.get_context("spawn")
    spinners = [context.Process(target=_spin, daemon=True) for _ in range(2)]
    for spinner in spinners:
        spinner.start()
    try:
        yield
    finally:
        for spinner in spinners:
            if spinner.pid is not None:
                os.kill(spinner.pid, signal.SIGKILL)
            spinner.join(timeout=10)


@pytest.mark.slow  # nine whole fuzz runs on a loaded machine: CI runs it in test-slow
@pytest.mark.usefixtures("busy_machine")
def test_verdicts_hold_on_a_busy_machine() -> None:
    outcomes = [run_one(CORRECT, seed, 10) for seed in range(1, 7)]
    outcomes += [run_one(fault, 7, 10) for fault in BROKEN]
    wrong = [outcome for outcome in outcomes if not outcome.ok]
    assert wrong == [], wrong
    for outcome in outcomes[6:]:
        assert FAULTS[outcome.fault].breaks in outcome.caught_by.split(" (")[0].split(", ")
