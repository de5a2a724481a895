"""Load, restart under load, and project isolation under concurrency, over real HTTP."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from fuzz_harness.server_process import ServerProcess
from reference_server.demo import (
    PROJECT_A,
    PROJECT_A_JOBS,
    PROJECT_B,
    PROJECT_B_JOBS,
    TOKEN_A,
    TOKEN_B,
)
from reference_server.loader import load_file
from tests.support import headers, metrics_url, needs_program

OWN = {PROJECT_A: set(PROJECT_A_JOBS), PROJECT_B: set(PROJECT_B_JOBS)}
TEN_JOBS = json.dumps({"job_ids": list(range(1, 11))})


@pytest.mark.slow  # a server process under concurrent load; CI runs it in test-slow
def test_isolation_under_concurrency(tmp_path):
    """Parallel requests with both demo tokens never see each other's jobs."""
    with ServerProcess(tmp_path / "db.sqlite3") as server:

        def worker(seed: int) -> int:
            rng = random.Random(seed)
            checked = 0
            with httpx.Client(timeout=10) as client:
                for _ in range(150):
                    project, token = rng.choice(((PROJECT_A, TOKEN_A), (PROJECT_B, TOKEN_B)))
                    ids = rng.sample(range(0, 1300), rng.randint(1, 50))
                    answer = client.post(
                        metrics_url(server.base_url, project),
                        json={"job_ids": ids},
                        headers=headers(token),
                    )
                    assert answer.status_code == 200
                    got = [job["job_id"] for job in answer.json()["payload"]["jobs"]]
                    assert got == [i for i in ids if i in OWN[project]]
                    checked += 1
            return checked

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert sum(pool.map(worker, range(8))) == 8 * 150


@pytest.mark.slow  # a server process under concurrent load; CI runs it in test-slow
def test_restart_during_load_loses_no_stored_data(tmp_path):
    """A load under request load, then SIGTERM and a restart: no wrong answer, no lost row.

    The steps wait for answers to arrive (a condition on the counters), never for time.
    """
    db = tmp_path / "db.sqlite3"
    metrics = tmp_path / "metrics.json"
    new_jobs = [
        {"job_id": 10_000 + i, "metrics": {"total_read_rate": float(i)}} for i in range(200)
    ]
    metrics.write_text(json.dumps({"payload": {"jobs": new_jobs}}))
    stop = threading.Event()
    outcomes = {"ok": 0, "refused": 0, "wrong": 0}
    counted = threading.Condition()
    first = ServerProcess(db).start()
    url = metrics_url(first.base_url)

    def count(outcome: str) -> None:
        with counted:
            outcomes[outcome] += 1
            counted.notify_all()

    def more_answers(count_: int = 50) -> None:
        """Block until ``count_`` more requests were answered correctly."""
        with counted:
            target = outcomes["ok"] + count_
            assert counted.wait_for(lambda: outcomes["ok"] >= target, timeout=60), outcomes

    def hammer() -> None:
        with httpx.Client(timeout=5) as client:
            while not stop.is_set():
                try:
                    answer = client.post(url, content=TEN_JOBS, headers=headers())
                except httpx.TransportError:
                    count("refused")  # the restart's gap: no answer, never a wrong one
                    stop.wait(0.01)  # a pause between retries, not a synchronisation
                    continue
                ok = answer.status_code == 200 and len(answer.json()["payload"]["jobs"]) == 10
                count("ok" if ok else "wrong")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        more_answers()
        assert load_file(db, PROJECT_A, metrics) == 200  # written while the server is under load
        more_answers()
        first.stop()  # SIGTERM while requests are in flight
        second = ServerProcess(db, port=first.port).start()
        try:
            more_answers()  # served again after the restart
            stop.set()
            for thread in threads:
                thread.join()
            ids = [job["job_id"] for job in new_jobs]
            answer = httpx.post(url, json={"job_ids": ids}, headers=headers(), timeout=10).json()
            assert [job["job_id"] for job in answer["payload"]["jobs"]] == ids
            assert answer["payload"]["jobs"][7]["metrics"]["total_read_rate"] == 7.0
        finally:
            second.stop()
    finally:
        stop.set()
        first.stop()
    assert outcomes["wrong"] == 0, outcomes
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 1200 + 200


WRK_SCRIPT = f"""
wrk.method = "POST"
wrk.body = '{TEN_JOBS}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Auth-Token"] = "{TOKEN_A}"
"""
# Paced load: each of 14 connections waits 10 ms between requests, so the offered load is
# about 1,200 requests/s whatever the machine (the server's own capacity, measured by
# `make bench`, is several times that). The test then checks the server answered all of it.
PACED = WRK_SCRIPT + "function delay()\n  return 10\nend\n"


def run_wrk(url: str, seconds: int, script: Path, connections: int = 16) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    total = int(re.search(r"(\d+) requests in", out)[1])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rps,
        "requests": total,
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
    }


@pytest.mark.slow
@pytest.mark.load  # measures requests per second: run alone (make test-slow)
@needs_program("wrk")
def test_sixty_seconds_of_load_without_errors_and_flat_memory(tmp_path):
    """60 s of ~1,200 requests/s offered: every one answered 200, memory flat.

    The one timing figure asserted is the issue's reliability bar (>= 1,000 answered per
    second under a paced load), not a speed claim: speed is reported by `make bench`.
    """
    script = tmp_path / "post.lua"
    script.write_text(PACED)
    with ServerProcess(tmp_path / "db.sqlite3") as server:
        url = metrics_url(server.base_url)
        run_wrk(url, 3, script)  # warm-up: caches, allocator
        samples: list[int] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(2.0):
                samples.append(server.rss_bytes())

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            result = run_wrk(url, 60, script, connections=14)
        finally:
            done.set()
            sampler.join()
        assert server.alive()
    assert result["requests"] >= 60 * 1000, result
    assert result["non_2xx"] == 0, result
    assert result["socket_errors"] == 0, result
    third = len(samples) // 3
    early, late = sorted(samples[:third])[third // 2], sorted(samples[-third:])[third // 2]
    assert late - early < max(16 * 1024 * 1024, early // 5), (early, late, samples)
