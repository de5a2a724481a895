"""The toolkit's own speed: fuzzing (cases/s, default run, time to catch each fault), make check."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fuzz_selftest.faults import FAULTS
from fuzz_selftest.selftest import run_one

ROOT = Path(__file__).resolve().parent.parent  # the repository bench runs in

SEED = 20261124
MAKE_RUNS = 3  # per make target: the median of three


@dataclass(frozen=True)
class FuzzResult:
    max_examples: int
    cases: int
    seconds: float  # all of the run: server start, preflight, probes, schemathesis, report
    schemathesis_seconds: float  # schemathesis' own run, as its event stream reports it
    probe_requests: int
    exit_code: int

    @property
    def per_second(self) -> float:
        return self.cases / self.schemathesis_seconds if self.schemathesis_seconds else 0.0


def fuzz_run(max_examples: int, seed: int = SEED) -> FuzzResult:
    """``make fuzz`` (no BASE_URL) with ``max_examples`` per phase; wall time to the verdict."""
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as reports:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "fuzz_harness", "run", "--max-examples",
             str(max_examples), "--seed", str(seed), "--report-dir", reports],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        report = json.loads((Path(reports) / "conformance.json").read_text())
    return FuzzResult(
        max_examples,
        report["fuzz"]["cases"],
        elapsed,
        report["fuzz"]["seconds"],
        report["probe_requests"],
        result.returncode,
    )


@dataclass(frozen=True)
class FaultTime:
    fault: str
    seconds: float  # from start to the verdict, server start included
    caught_by: str
    caught: bool


def fault_times(seed: int = SEED) -> list[FaultTime]:
    """Each fault of the self-test, one at a time: how long until the harness fails it."""
    found = []
    for name in FAULTS:
        outcome = run_one(name, seed, 100)
        found.append(FaultTime(name, outcome.seconds, outcome.caught_by, outcome.ok))
    return found


@dataclass(frozen=True)
class MakeTime:
    """Wall times of ``make <target>`` run several times in a row, warm (the venv and
    node_modules exist, bytecode is cached): this machine's speed varies by a third from
    minute to minute, so one run says little; the median is the figure, the range beside it.
    ``failures``: what each failed run reported (:func:`what_failed`), so a failure in the
    bench can be read, not only counted."""

    runs: tuple[float, ...]
    failures: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def what_failed(output: str, most: int = 60) -> str:
    """pytest's FAILED/ERROR lines, then its first ``most`` ``E`` lines (the assertions and
    their messages, which the one-line summary cuts to the terminal's width); else the last
    lines."""
    lines = output.splitlines()
    said = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    told = [line[:2000] for line in lines if line.startswith("E ")][:most]
    return "\n".join([*said, *told] if said else lines[-5:])


def make_seconds(target: str, runs: int = MAKE_RUNS) -> MakeTime:
    """``make <target>`` ``runs`` times."""
    times, failures = [], []
    for run in range(1, runs + 1):
        started = time.perf_counter()
        result = subprocess.run(
            ["make", "--no-print-directory", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        times.append(time.perf_counter() - started)
        if result.returncode != 0:
            failures.append(f"run {run}: {what_failed(result.stdout + result.stderr)}")
    return MakeTime(tuple(times), tuple(failures))
