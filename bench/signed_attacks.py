"""The third red-team round's first two attacks at once, and what a normal client sees.

Two attacker processes, each holding only a public demo access key and token, alternate:
- an ``Authorization`` whose ``SignedHeaders`` names one 6 KB header 1,500 times (a server
  that builds the canonical request hashes about 9 MB for it, before its 401);
- a 40 KiB CS body ``{"job_ids":[1.0,[[[...]]]]}`` nested 1,000 deep (the exact-number pass
  recursed on it and the body helper died, failing other projects' large requests).
Meanwhile a normal client asks for ten jobs on both operations, and another project sends
valid 40 KiB bodies (parsed by the same body helper): their latency alone and under attack,
and whether every large body was answered, are the row.

``python -m bench.signed_attacks`` runs it alone (``--seconds`` per phase).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.cpu_attack import attacker
from fuzz_harness.server_process import ServerProcess
from jobs_metrics_spec import aksk
from reference_server.demo import (
    ACCESS_KEY_A,
    PROJECT_A,
    PROJECT_B,
    PROJECT_B_JOBS,
    SECRET_KEY_A,
    TOKEN_A,
    TOKEN_B,
)

CS = "/v1.0/{}/jobs/metrics"
SUCCESSOR = "/v1.0/{}/streaming/jobs/metrics"
TEN = b'{"job_ids": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}'
LARGE = 40 * 1024


Request = tuple[str, dict[str, str], bytes]


def signed(path: str, body: bytes, port: int, extra: dict[str, str] | None = None) -> Request:
    """A successor request signed as the SDK signs it, with ``extra`` headers signed too."""
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Content-Type": "application/json",
        "X-Sdk-Date": aksk.sdk_date(),
        "X-Project-Id": PROJECT_A,
        **(extra or {}),
    }
    headers["Authorization"] = aksk.sign(
        "POST", path, list(headers.items()), body, ACCESS_KEY_A, SECRET_KEY_A
    )
    return path, headers, body


def attacks(port: int) -> list[Request]:
    """The two attacking requests."""
    path = SUCCESSOR.format(PROJECT_A)
    valid = signed(path, TEN, port)[1]
    date = valid["X-Sdk-Date"]
    listed = ";".join(["a"] * 1500 + ["content-type", "host", "x-project-id", "x-sdk-date"])
    amplified = {**valid, "A": "x" * 6000,
                 "Authorization": f"{aksk.ALGORITHM} Access={ACCESS_KEY_A}, SignedHeaders={listed},"
                                  f" Signature={'0' * 64}", "X-Sdk-Date": date}  # fmt: skip
    nested = b'{"job_ids":[1.0,' + b"[" * 1000 + b"]" * 1000 + b"]"
    nested += b" " * (LARGE - len(nested) - 1) + b"}"
    cs = {"X-Auth-Token": TOKEN_A, "Content-Type": "application/json"}
    return [(path, amplified, TEN), (CS.format(PROJECT_A), cs, nested)]


def _send(conn: http.client.HTTPConnection, request: Request) -> int:
    path, headers, body = request
    conn.request("POST", path, body=body, headers=headers)
    answer = conn.getresponse()
    answer.read()
    if answer.getheader("connection", "").lower() == "close":
        conn.close()
    return answer.status


def _normal(port: int, seconds: float) -> dict[str, list[float]]:
    """Ten jobs on each operation in turn, and another project's valid 40 KiB body every
    tenth turn; each timed. A refusal of any of them is an error of the run."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    large = json.dumps({"job_ids": list(PROJECT_B_JOBS)[:10]}).encode()
    large = large[:-1] + b" " * (LARGE - len(large)) + b"}"
    cs_b = {"X-Auth-Token": TOKEN_B, "Content-Type": "application/json"}
    cs_a = {"X-Auth-Token": TOKEN_A, "Content-Type": "application/json"}
    took: dict[str, list[float]] = {"cs": [], "successor": [], "large": []}
    end, turn = time.monotonic() + seconds, 0
    try:
        while time.monotonic() < end:
            for kind, request in (
                ("cs", (CS.format(PROJECT_A), cs_a, TEN)),
                ("successor", signed(SUCCESSOR.format(PROJECT_A), TEN, port)),
                *([("large", (CS.format(PROJECT_B), cs_b, large))] if turn % 10 == 0 else []),
            ):
                start = time.perf_counter()
                status = _send(conn, request)
                took[kind].append(time.perf_counter() - start)
                if status != 200:
                    raise RuntimeError(f"the normal {kind} request was answered {status}")
                if conn.sock is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            turn += 1
            time.sleep(0.01)
    finally:
        conn.close()
    return took


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


@dataclass(frozen=True)
class Result:
    alone: dict[str, tuple[float, float]]  # kind -> (p50 ms, p99 ms)
    attacked: dict[str, tuple[float, float]]
    large_answered: int  # another project's large bodies answered 200 under attack
    attack_requests: int
    attack_statuses: tuple[int, ...]  # what each attack got, sent once before the run


def _summary(took: dict[str, list[float]]) -> dict[str, tuple[float, float]]:
    return {k: (statistics.median(v) * 1000, _p99(v) * 1000) for k, v in took.items() if v}


def measure(server: ServerProcess, *, attackers: int = 2, seconds: float = 10.0) -> Result:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    statuses = tuple(_send(conn, request) for request in attacks(server.port))
    conn.close()
    alone = _normal(server.port, seconds)
    context = multiprocessing.get_context("spawn")
    stop, sent = context.Event(), context.Value("i", 0)
    procs = [
        context.Process(target=attacker, args=(server.port, attacks(server.port), stop, sent))
        for _ in range(attackers)
    ]
    for proc in procs:
        proc.start()
    time.sleep(1.0)  # the attackers are connected and sending
    try:
        attacked = _normal(server.port, seconds)
    finally:
        stop.set()
        for proc in procs:
            proc.join(timeout=60)
    return Result(
        _summary(alone), _summary(attacked), len(attacked["large"]), int(sent.value), statuses
    )


def run(seconds: float = 10.0) -> Result:
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        ServerProcess(Path(tmp) / "db.sqlite3") as server,
    ):
        return measure(server, seconds=seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="each phase (default 10)")
    print(run(parser.parse_args(argv).seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
