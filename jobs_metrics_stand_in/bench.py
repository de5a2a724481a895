"""The stand-in's figures, for ``make bench`` (issue #33's goals: ``StandIn.start()`` serving
in under 2 s; a sandbox created, loaded with 100 jobs and reset in under 10 ms, median).

Measured, never asserted in tests (speed is the bench's business): the tests print them.
"""

from __future__ import annotations

import statistics
import time

from jobs_metrics_stand_in.client import StandIn


def measure(rounds: int = 50, jobs: int = 100) -> dict[str, float]:
    """Seconds to start a stand-in, and the median milliseconds of one round of creating a
    sandbox, loading ``jobs`` generated jobs and resetting it (over the control API, as a
    test pays them), with the parts' medians."""
    started = time.perf_counter()
    with StandIn.start() as stand_in:
        start_seconds = time.perf_counter() - started
        rounds_ms, create_ms, load_ms, reset_ms = [], [], [], []
        for number in range(rounds):
            t0 = time.perf_counter()
            sandbox = stand_in.sandbox()
            t1 = time.perf_counter()
            sandbox.generate_jobs(jobs, seed=number)
            t2 = time.perf_counter()
            sandbox.reset()
            t3 = time.perf_counter()
            sandbox.close()
            create_ms.append((t1 - t0) * 1000)
            load_ms.append((t2 - t1) * 1000)
            reset_ms.append((t3 - t2) * 1000)
            rounds_ms.append((t3 - t0) * 1000)
    return {
        "start_seconds": start_seconds,
        "create_load_reset_ms": statistics.median(rounds_ms),
        "create_ms": statistics.median(create_ms),
        "load_ms": statistics.median(load_ms),
        "reset_ms": statistics.median(reset_ms),
    }


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name}: {value:.2f}")
