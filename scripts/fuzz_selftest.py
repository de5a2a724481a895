"""``make fuzz-selftest``: the harness must fail every fault-injected server and pass the real one.

Each variant of the reference server (``reference_server/faults.py``) breaks the contract in
one way. This runs the very harness of ``make fuzz`` against each of them and against the
correct server, two at a time, and prints which check caught each fault and how fast.
Exit 1 if any fault got through or the correct server was flagged.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reference_server.faults import FAULTS  # noqa: E402

CORRECT = "(none: the correct server)"


@dataclass(frozen=True)
class Outcome:
    fault: str
    exit_code: int
    seconds: float
    caught_by: str

    @property
    def ok(self) -> bool:
        return (self.exit_code == 0) if self.fault == CORRECT else (self.exit_code != 0)


def first_failure(output: str) -> str:
    """The first failing check schemathesis named (e.g. ``ST108 Response violates schema``)."""
    match = re.search(r"^- (ST\d+ [^\n]+)$", output, re.M)
    return match.group(1).strip() if match else ""


def run_one(fault: str, seed: int, max_examples: int) -> Outcome:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="selftest-") as reports:
        command = [
            sys.executable,
            str(ROOT / "scripts" / "fuzz.py"),
            "--seed",
            str(seed),
            "--max-examples",
            str(max_examples),
            "--workers",
            "1",
            "--report-dir",
            reports,
        ]
        if fault != CORRECT:
            command += ["--fault", fault, "--max-failures", "1"]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return Outcome(
        fault, result.returncode, time.monotonic() - started, first_failure(result.stdout)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, help="seed for every run (default: a new one, printed)")
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (default 2)")
    parser.add_argument("faults", nargs="*", help="faults to run (default: all)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    names = [CORRECT, *(args.faults or FAULTS)]
    print(f"fuzz-selftest: {len(names) - 1} faults + the correct server, seed {seed}", flush=True)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = list(pool.map(lambda name: run_one(name, seed, args.max_examples), names))
    width = max(len(name) for name in names)
    for outcome in outcomes:
        status = "ok  " if outcome.ok else "FAIL"
        if outcome.fault == CORRECT:
            what = (
                "passed"
                if outcome.ok
                else f"flagged: {outcome.caught_by or 'exit ' + str(outcome.exit_code)}"
            )
        else:
            what = f"caught by {outcome.caught_by}" if outcome.ok else "NOT CAUGHT"
        print(f"  {status} {outcome.fault:<{width}}  {outcome.seconds:5.1f}s  {what}")
    bad = [o.fault for o in outcomes if not o.ok]
    caught = sum(1 for o in outcomes if o.ok and o.fault != CORRECT)
    print(
        f"fuzz-selftest: {caught}/{len(names) - 1} faults caught; correct server "
        f"{'passed' if outcomes[0].ok else 'FLAGGED'} (seed {seed})"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
