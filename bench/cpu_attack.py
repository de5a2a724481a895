"""CPU amplification: clients sending the costliest 1 MiB bodies, and a normal client's latency.

The outside tester's attack: a 1 MiB body of 120,000 unknown keys cost the server up to
2.4 s of CPU on its event loop, and every other client waited. Here the candidate bodies
(every hostile shape we could think of) are first sent one by one while the server's CPU
time is read (psutil), the costliest is picked, and then two attacker processes send it back
to back while a normal client asks for ten jobs. The normal client's latency is measured
twice in the same run, first alone and then under attack, so the figure is a comparison
on this machine, not an absolute.

``python -m bench.cpu_attack`` runs it alone and prints the row (``--seconds`` per phase).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from fuzz_harness.server_process import ServerProcess
from reference_server.demo import PROJECT_A, TOKEN_A

PATH = f"/v1.0/{PROJECT_A}/jobs/metrics"
HEADERS = {"X-Auth-Token": TOKEN_A, "Content-Type": "application/json"}
NORMAL_BODY = b'{"job_ids": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}'
MIB = 1024 * 1024


def _fill(head: bytes, item: bytes, tail: bytes, size: int = MIB) -> bytes:
    """``head`` + as many ``item`` as fit (comma-separated) + ``tail``: ``size`` bytes at most."""
    count = (size - len(head) - len(tail) + 1) // (len(item) + 1)
    return head + b",".join([item] * count) + tail


def _keys(size: int = MIB) -> bytes:
    parts, used, index = [], 2, 0
    while used < size - 40:
        part = f'"k{index:06x}":0'.encode()
        parts.append(part)
        used += len(part) + 1
        index += 1
    return b"{" + b",".join(parts) + b',"job_ids":[1]}'


def candidate_bodies() -> dict[str, bytes]:
    """Hostile 1 MiB bodies, each of a shape that once cost (or might cost) the most."""
    return {
        "120,000 distinct unknown keys": _keys(),
        "349,000 `[]` in job_ids": _fill(b'{"job_ids":[', b"[]", b"]}"),
        "349,000 `{}` in job_ids": _fill(b'{"job_ids":[', b"{}", b"]}"),
        '131,000 `{"a":1}` in job_ids': _fill(b'{"job_ids":[', b'{"a":1}', b"]}"),
        "524,000 integers in job_ids": _fill(b'{"job_ids":[', b"1", b"]}"),
        "131,000 floats 1.5e300 in job_ids": _fill(b'{"job_ids":[', b"1.5e300", b"]}"),
        "349,000 empty strings in job_ids": _fill(b'{"job_ids":[', b'""', b"]}"),
        "1,000 integral floats of 1,000 digits": _fill(
            b'{"job_ids":[', b"1" + b"0" * 1000 + b".0", b"]}"
        ),
        "`[]` x 349,000 then job_ids [1.0] again (duplicate key)": _fill(
            b'{"job_ids":[', b"[]", b'],"job_ids":[1.0]}'
        ),
        "`{}` x 349,000 then numbers past a double": _fill(
            b'{"job_ids":[', b"{}", b",1e400,1e401,1e402]}"
        ),
        "524,000 nested `[` (deep nesting)": b'{"job_ids":'
        + b"[" * (MIB // 2 - 20)
        + b"]" * (MIB // 2 - 20)
        + b"}",
        "one string of 174,000 `\\u00e9` escapes": b'{"x":"' + b"\\u00e9" * (MIB // 6 - 3) + b'"}',
    }


def _post(conn: http.client.HTTPConnection, body: bytes) -> int:
    conn.request("POST", PATH, body=body, headers=HEADERS)
    answer = conn.getresponse()
    answer.read()
    return answer.status


def _server_cpu(server: ServerProcess) -> float:
    """CPU seconds used so far by the server's main process and its workers."""
    total = 0.0
    main = psutil.Process(server.pid)
    for process in (main, *main.children(recursive=True)):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def cost_per_body(server: ServerProcess, repeat: int = 10) -> dict[str, float]:
    """Server CPU seconds per request of each candidate body (mean of ``repeat``: the
    operating system counts CPU time in 10 ms ticks)."""
    costs: dict[str, float] = {}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        for name, body in candidate_bodies().items():
            before = _server_cpu(server)
            for _ in range(repeat):
                _post(conn, body)
            costs[name] = (_server_cpu(server) - before) / repeat
    finally:
        conn.close()
    return costs


def attacker(
    port: int, requests: list[tuple[str, dict[str, str], bytes]], stop: Any, sent: Any
) -> None:
    """Send ``requests`` (path, headers, body) in turn, back to back, on one keep-alive
    connection until told to stop (a process of its own); count what was answered in
    ``sent``. http.client opens a new connection by itself after one that said close."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    count = 0
    while not stop.is_set():
        path, headers, body = requests[count % len(requests)]
        try:
            conn.request("POST", path, body=body, headers=headers)
            conn.getresponse().read()
            count += 1
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    with sent.get_lock():
        sent.value += count


def _latencies(port: int, seconds: float, pause: float = 0.01) -> list[float]:
    """The normal client: ten jobs on one keep-alive connection, timed request by request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    took: list[float] = []
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            start = time.perf_counter()
            status = _post(conn, NORMAL_BODY)
            took.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"the normal request was answered {status}")
            time.sleep(pause)
    finally:
        conn.close()
    return took


@dataclass(frozen=True)
class CpuAttackResult:
    body: str
    cost_ms: float  # server CPU per attacking request
    attack_requests: int
    seconds: float
    alone_p50_ms: float
    alone_p99_ms: float
    attacked_p50_ms: float
    attacked_p99_ms: float
    samples: int


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


def cpu_amplification(
    server: ServerProcess, *, attackers: int = 2, seconds: float = 10.0
) -> CpuAttackResult:
    """Pick the costliest body, then the normal client alone and under ``attackers``."""
    costs = cost_per_body(server)
    worst = max(costs, key=costs.__getitem__)
    body = candidate_bodies()[worst]
    alone = _latencies(server.port, seconds)
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    sent = context.Value("i", 0)
    procs = [
        context.Process(target=attacker, args=(server.port, [(PATH, HEADERS, body)], stop, sent))
        for _ in range(attackers)
    ]
    for proc in procs:
        proc.start()
    time.sleep(1.0)  # the attackers are connected and sending
    attacked = _latencies(server.port, seconds)
    stop.set()
    for proc in procs:
        proc.join(timeout=60)
    ms = 1000.0
    return CpuAttackResult(
        body=worst,
        cost_ms=costs[worst] * ms,
        attack_requests=int(sent.value),
        seconds=seconds,
        alone_p50_ms=statistics.median(alone) * ms,
        alone_p99_ms=_p99(alone) * ms,
        attacked_p50_ms=statistics.median(attacked) * ms,
        attacked_p99_ms=_p99(attacked) * ms,
        samples=len(attacked),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="each phase (default 10)")
    parser.add_argument("--costs", action="store_true", help="print every body's CPU cost")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        ServerProcess(Path(tmp) / "db.sqlite3") as server,
    ):
        if args.costs:
            for name, cost in cost_per_body(server).items():
                print(f"{cost * 1000:8.1f} ms  {name}")
        print(cpu_amplification(server, seconds=args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
