"""Fuzz throughput against the reference server, and the wall time of ``make check``."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from reference_server.process import ROOT


@dataclass(frozen=True)
class FuzzResult:
    cases: int
    seconds: float  # all of `make fuzz`: generated-code check, server start, schemathesis
    schemathesis_seconds: float  # schemathesis' own run, as its summary reports it
    passed: bool

    @property
    def per_second(self) -> float:
        return self.cases / self.schemathesis_seconds if self.schemathesis_seconds else 0.0


def fuzz_throughput(max_examples: int = 1000, seed: int = 20261124) -> FuzzResult:
    """``make fuzz`` with 1,000 examples per phase; time from start to verdict (server included)."""
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as reports:
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "fuzz.py"),
                "--max-examples",
                str(max_examples),
                "--seed",
                str(seed),
                "--report-dir",
                reports,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
    cases = re.search(r"(\d+) generated", result.stdout)
    own = re.search(r"=+ .* in ([\d.]+)s =+", result.stdout)
    return FuzzResult(
        int(cases[1]) if cases else 0,
        elapsed,
        float(own[1]) if own else 0.0,
        result.returncode == 0,
    )


def make_check_seconds() -> tuple[float, bool]:
    started = time.perf_counter()
    result = subprocess.run(
        ["make", "--no-print-directory", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, result.returncode == 0
