"""Reference server vs ``prism mock`` of the same spec: throughput and latency, same request.

All servers serve the 10-job request with the demo token on 127.0.0.1, started together in
the same run. Throughput comes from ``wrk`` (1 thread, 16 connections) in interleaved rounds
(each server once per round, each round starting with the next server), and each row is the
median of its rounds: measured one after the other, a server's rate moved by 10-15% between
runs on this shared machine, more than the differences the ratios are read for. Latency
comes from a paced client at a fixed rate (each request timed from its scheduled start, so
queueing counts).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fuzz_harness.server_process import ServerProcess, answers, free_port
from jobs_metrics_spec import SPEC_PATH
from reference_server.demo import PROJECT_A, TOKEN_A

ROOT = Path(__file__).resolve().parent.parent  # the repository bench runs in

SPEC = SPEC_PATH
PATH = f"/v1.0/{PROJECT_A}/jobs/metrics"
BODY = json.dumps({"job_ids": list(range(1, 11))})
HEADERS = {"Content-Type": "application/json", "X-Auth-Token": TOKEN_A}


@dataclass(frozen=True)
class HttpResult:
    name: str
    rps: float  # median of the rounds
    non_2xx: int  # over all rounds
    p50_ms: float
    p99_ms: float
    rate: int
    spread: tuple[float, float] = (0.0, 0.0)  # slowest and fastest round
    # Each round's rate, in round order: a round measures every server close in time, so a
    # ratio of two servers is taken round by round (``ratio_to``), and the machine's drift
    # between rounds (one round of the floor at 20k, another at 27k) cancels out.
    rounds: tuple[float, ...] = ()

    def ratio_to(self, other: HttpResult) -> tuple[float, float, float]:
        """This server's rate over ``other``'s: the median of the rounds' ratios, with the
        lowest and highest; from the medians when either has no rounds."""
        if not self.rounds or len(self.rounds) != len(other.rounds):
            ratio = self.rps / other.rps
            return ratio, ratio, ratio
        pairs = zip(self.rounds, other.rounds, strict=True)
        ratios = sorted(mine / theirs for mine, theirs in pairs)
        return statistics.median(ratios), ratios[0], ratios[-1]


@contextlib.contextmanager
def _served(command: list[str], port: int, name: str) -> Iterator[str]:
    """``command`` serving on 127.0.0.1:``port`` until the block ends, stopped by its
    process group; its base URL once it answers."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not answers(base):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.1)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def prism(port: int) -> contextlib.AbstractContextManager[str]:
    """``prism mock`` (pinned in package.json) of our spec."""
    command = [str(ROOT / "node_modules" / ".bin" / "prism"), "mock", str(SPEC),
               "-h", "127.0.0.1", "-p", str(port)]  # fmt: skip
    return _served(command, port, "prism")


BARE = "bare Granian ASGI app, fixed answer (floor)"


def bare_granian(port: int) -> contextlib.AbstractContextManager[str]:
    """``bench.bare_granian``: Granian and an app that only reads the body and answers a
    fixed body of the same shape."""
    return _served([sys.executable, "-m", "bench.bare_granian", str(port)], port, "bare Granian")


def wrk(base: str, seconds: int) -> tuple[float, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f"wrk.method = \"POST\"\nwrk.body = '{BODY}'\n")
        for name, value in HEADERS.items():
            script.write(f'wrk.headers["{name}"] = "{value}"\n')
    try:
        out = subprocess.run(
            ["wrk", "-t1", "-c16", f"-d{seconds}s", "-s", script.name, base + PATH],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        Path(script.name).unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, int(non_2xx[1]) if non_2xx else 0


def paced_latency(base: str, rate: int, seconds: float, threads: int = 8) -> tuple[float, float]:
    """p50 and p99 latency in ms at ``rate`` requests/s, from each request's scheduled time."""
    host, port = base.removeprefix("http://").split(":")
    total = int(rate * seconds)
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))
    start = time.perf_counter() + 0.2

    def worker() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        mine: list[float] = []
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            scheduled = start + index / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            conn.request("POST", PATH, body=BODY, headers=HEADERS)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - scheduled) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    latencies.sort()
    return latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]


ROUNDS = 3


def run(seconds: int = 10, rate: int = 400, rounds: int = ROUNDS) -> list[HttpResult]:
    """Every server started at once; ``rounds`` rounds of ``seconds`` each, in turn."""
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        bases = {
            "reference server (Granian, 1 worker)": stack.enter_context(
                ServerProcess(tmp / "db.sqlite3")
            ).base_url,
            "reference server, job cache off": stack.enter_context(
                ServerProcess(tmp / "db.sqlite3", extra_args=("--no-cache",))
            ).base_url,
            BARE: stack.enter_context(bare_granian(free_port())),
            "prism mock (peer)": stack.enter_context(prism(free_port())),
        }
        for base in bases.values():
            wrk(base, 2)  # warm-up
        rates: dict[str, list[float]] = {name: [] for name in bases}
        refused = dict.fromkeys(bases, 0)
        names = list(bases)
        for round_ in range(rounds):
            # Each round starts with the next server: none always runs right after the same
            # neighbour (prism's Node process leaves the most behind).
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                rps, non_2xx = wrk(bases[name], seconds)
                rates[name].append(rps)
                refused[name] += non_2xx
        results = []
        for name, base in bases.items():
            p50, p99 = paced_latency(base, rate, min(seconds, 10))
            ordered = sorted(rates[name])
            median = statistics.median(ordered)
            spread = (ordered[0], ordered[-1])
            results.append(
                HttpResult(name, median, refused[name], p50, p99, rate, spread, tuple(rates[name]))
            )
        return results
