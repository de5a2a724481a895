"""``make fuzz-selftest``: the harness must fail every fault-injected server and pass the real one.

Each variant (:mod:`fuzz_selftest.faults`) breaks the contract one way. This runs the very
harness of ``make fuzz`` (preflight, probes, schemathesis, report) against each of them and
against the correct server, two at a time, with one seed, and prints which rule caught each
fault and how fast. Exit 1 if any fault got through or the correct server was flagged.
"""

from __future__ import annotations

import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from fuzz_harness.options import FuzzOptions, demo_identities
from fuzz_harness.report import WARNING
from fuzz_harness.runner import CONFORMS, VIOLATIONS, execute, target_server
from fuzz_selftest.faults import FAULTS

CORRECT = "(none: the correct server)"


@dataclass(frozen=True)
class Outcome:
    fault: str
    exit_code: int
    seconds: float
    caught_by: str  # the rules that failed, or the reason the run could not test

    @property
    def ok(self) -> bool:
        return self.exit_code == (CONFORMS if self.fault == CORRECT else VIOLATIONS)


def run_one(
    fault: str,
    seed: int,
    max_examples: int,
    *,
    strict: bool = True,
    report_dir: Path | None = None,
) -> Outcome:
    """Fuzz one fault-injected reference server (or the correct one) with the demo identities.

    Strict by default: a fault that breaks a should rule must be caught too (without strict
    it is a warning, which the tests check separately). The run's reports go to
    ``report_dir`` when given (to read why an outcome was not the expected one), else to a
    temporary directory.
    """
    started = time.monotonic()
    me, other = demo_identities()
    with tempfile.TemporaryDirectory(prefix="selftest-") as scratch:
        options = FuzzOptions(
            None,
            me,
            other,
            max_examples=max_examples,
            seed=seed,
            mode="all",
            workers=1,
            report_dir=report_dir or Path(scratch),
            strict=strict,
        )
        module = "reference_server" if fault == CORRECT else "fuzz_selftest.fault_server"
        extra = () if fault == CORRECT else ("--fault", fault)
        with target_server(options, module=module, extra_args=extra) as base_url:
            outcome = execute(options, base_url)
    caught = outcome.reason
    if outcome.report is not None:
        caught = ", ".join(r.id for r in outcome.report.rules.values() if r.failures)
        warned = [r.id for r in outcome.report.rules.values() if r.verdict == WARNING]
        caught += f" (warnings: {', '.join(warned)})" if warned else ""
    return Outcome(fault, outcome.code, time.monotonic() - started, caught)


def run_selftest(
    faults: list[str], *, seed: int | None, max_examples: int = 50, jobs: int = 2
) -> int:
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    unknown = [name for name in faults if name not in FAULTS]
    if unknown:
        print(f"unknown faults {unknown}; known: {', '.join(FAULTS)}")
        return 2
    names = [CORRECT, *(faults or FAULTS)]
    print(f"fuzz-selftest: {len(names) - 1} faults + the correct server, seed {seed}", flush=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(lambda name: run_one(name, seed, max_examples), names))
    width = max(len(name) for name in names)
    for outcome in outcomes:
        status = "ok  " if outcome.ok else "FAIL"
        if outcome.fault == CORRECT:
            what = "passed" if outcome.ok else f"flagged: {outcome.caught_by}"
        else:
            what = (
                f"caught by {outcome.caught_by}"
                if outcome.ok
                else f"NOT CAUGHT {outcome.caught_by}"
            )
        print(f"  {status} {outcome.fault:<{width}}  {outcome.seconds:5.1f}s  {what}")
    caught = sum(1 for o in outcomes if o.ok and o.fault != CORRECT)
    print(
        f"fuzz-selftest: {caught}/{len(names) - 1} faults caught; correct server "
        f"{'passed' if outcomes[0].ok else 'FLAGGED'} (seed {seed})"
    )
    return 0 if all(o.ok for o in outcomes) else 1
