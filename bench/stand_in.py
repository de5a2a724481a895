"""The stand-in's pytest plugin vs the peers a client team would otherwise pick (issue #34):

- **per-test overhead** against pytest-httpserver: the same test (script one 400 CS.10007,
  send one request with httpx, check it) run by pytest 120 times in one file; the time
  from one test's start to the next one's is what a test costs (fixture setup, scripting,
  the request, teardown, pytest's reporting), with pytest's start-up and the server's out
  (measured as the difference of a 20-test and a 120-test run until 2026-12-07, which the
  start-up's noise swung 0.8-2.4 ms for the same code). Twice: with
  one HTTP client for the module (the row the goal is judged on: what the tool costs a
  test), and with a client made by each test (``httpx.post``), where about 18 ms of every
  test is httpx loading the CA bundle into a new TLS context, the same for both tools,
  which hides most of the difference between them (the row until 2026-12-07, which read
  about 1.0x while the tools' own costs differed by 1.5-2x);
- **time to the first answer** against WireMock (its npm package, which bundles the
  standalone jar; Java must be present): from launching the server's process to the first
  HTTP answer it sends, polled every 10 ms the same way for both.

The peers are installed for the bench only, into a temporary folder (pip ``--target``,
``npm install --prefix``): never dependencies of the toolkit, never in the project's venv.
A peer that cannot be installed or run gives a row that says why, never a number.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HTTPSERVER = "pytest-httpserver==1.2.1"
WIREMOCK = "wiremock@3.13.2"
MANY = 120  # tests per run
RUNS = 3  # each figure is the median of three

# How a test sends its request: with a client of the module's, or one of its own.
SHARED_CLIENT = "CLIENT = httpx.Client()"
SEND_SHARED = "CLIENT.post"
SEND_OWN = "httpx.post"

OURS_TEST = """
import httpx
import pytest

{client}

@pytest.mark.parametrize("n", range({count}))
def test_one(jobs_metrics_sandbox, n):
    jobs_metrics_sandbox.fail_next("token-expired")
    url = f"{{jobs_metrics_sandbox.base_url}}/v1.0/{{jobs_metrics_sandbox.project_id}}/jobs/metrics"
    answer = {send}(url, json={{"job_ids": [1]}},
                    headers={{"X-Auth-Token": jobs_metrics_sandbox.token}})
    assert answer.json()["error_id"] == "CS.10007"
"""
PEER_TEST = """
import httpx
import pytest

{client}

BODY = {{"error_id": "CS.10007", "error_name": "TOKEN_EXPIRED",
         "error_cause": "The IAM token has expired.", "error_suggestion": "Get a new token.",
         "error_time": 1700000000000}}

@pytest.mark.parametrize("n", range({count}))
def test_one(httpserver, n):
    path = "/v1.0/0f1e2d3c4b5a69788796a5b4c3d2e1f0/jobs/metrics"
    httpserver.expect_oneshot_request(path, method="POST").respond_with_json(BODY, status=400)
    answer = {send}(httpserver.url_for(path), json={{"job_ids": [1]}},
                    headers={{"X-Auth-Token": "t"}})
    assert answer.json()["error_id"] == "CS.10007"
"""


@dataclass(frozen=True)
class StandInRow:
    what: str
    ours: float | None
    peer: str
    theirs: float | None
    unit: str
    bar: str  # the goal, as a ratio of the peer's figure; "-" for a row without one
    note: str = ""  # why a figure is missing

    @property
    def ratio(self) -> float | None:
        return self.ours / self.theirs if self.ours and self.theirs else None

    def render(self) -> str:
        ours = f"{self.ours:.3g} {self.unit}" if self.ours is not None else "not measured"
        if self.theirs is None:
            missing = f"{self.peer}: not measured: {self.note}"
            return f"| {self.what} | {ours} | {missing} | - | {self.bar} | - |"
        ratio = self.ratio
        shown = f"{ratio:.2f}x" if ratio is not None else "-"
        met = (
            "-"  # no figure, or a row shown beside another that carries the goal
            if ratio is None or self.bar == "-"
            else ("yes" if ratio <= float(self.bar.split("x")[0]) else "NO")
        )
        return (
            f"| {self.what} | {ours} | {self.peer}: {self.theirs:.3g} {self.unit} | {shown} |"
            f" {self.bar} | {met} |"
        )


def render(rows: list[StandInRow]) -> str:
    lines = [
        "",
        "**Stand-in vs peers** (ours / theirs: below the bar is met; median of "
        f"{RUNS} runs, the tools taking turns; per-test = in a pytest run of {MANY} tests, the"
        f" mean time from one test's start to the next one's, the first {SKIP} left out)",
        "",
        "| what | stand-in | peer | ratio | bar | met |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    return "\n".join(lines + [row.render() for row in rows]) + "\n"


# Loaded into each bench run (``-p bench_timing``): the moment each test starts, written as
# JSON to the file named by BENCH_TIMING_FILE when the session ends.
TIMING_PLUGIN = """
import json, os, time

STARTS = []

def pytest_runtest_logstart(nodeid, location):
    STARTS.append(time.perf_counter())

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_TIMING_FILE"], "w") as out:
        json.dump(STARTS, out)
"""
SKIP = 10  # first tests left out: the first one starts the stand-in, the next warm up


def _test_intervals_ms(folder: Path, source: str, env: dict[str, str]) -> list[float]:
    """One pytest run of ``MANY`` tests: from each test's start to the next one's, in ms."""
    test = folder / "test_bench.py"
    test.write_text(source.replace("{count}", str(MANY)))
    (folder / "bench_timing.py").write_text(TIMING_PLUGIN)
    timing = folder / "timing.json"
    path = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "bench_timing",
         str(test)],
        cwd=folder, env={**env, "PYTHONPATH": path, "BENCH_TIMING_FILE": str(timing)},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-2000:] + result.stderr[-2000:])
    starts = json.loads(timing.read_text())
    return [(b - a) * 1000 for a, b in itertools.pairwise(starts[SKIP:])]


Source = tuple[str, dict[str, str]]  # a bench test file's source and its environment


def per_test_ms(ours: Source, peer: Source | None) -> tuple[float, float | None, str]:
    """Milliseconds one test costs with ours and with the peer: the mean of the test-to-test
    intervals inside one run (every periodic cost included), median of ``RUNS`` runs, the
    two taking turns; and why the peer has no figure. A run of ours that fails raises; the
    peer's failure is its note. (Measured as the difference of a 20-test and a 120-test run's
    wall times, the start-up's noise swung the figure 0.8-2.4 ms for the same code.)"""
    mine: list[float] = []
    theirs: list[float] = []
    why = ""
    with tempfile.TemporaryDirectory(prefix="bench-stand-in-") as tmp:
        for _ in range(RUNS):
            mine.append(statistics.fmean(_test_intervals_ms(Path(tmp), *ours)))
            if peer is None or why:
                continue
            try:
                theirs.append(statistics.fmean(_test_intervals_ms(Path(tmp), *peer)))
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                why = f"its run failed: {str(error)[-200:]}"
    return statistics.median(mine), None if why or not theirs else statistics.median(theirs), why


def install_httpserver(target: Path) -> str | None:
    """pytest-httpserver into ``target`` (its werkzeug too unless the venv has one); the
    reason it could not be, or None."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target)]
    if importlib.util.find_spec("werkzeug") is not None:
        command.append("--no-deps")
    result = subprocess.run([*command, HTTPSERVER], capture_output=True, text=True, timeout=600)
    return None if result.returncode == 0 else f"pip install failed: {result.stderr[-200:]}"


def bench_test_source(template: str, shared_client: bool) -> str:
    """A bench test file's source (``{count}`` left to fill): the request sent with one
    client of the module's, or with a client of its own made by each test."""
    client, send = (SHARED_CLIENT, SEND_SHARED) if shared_client else ("", SEND_OWN)
    return template.format(client=client, send=send, count="{count}")


def overhead_rows() -> list[StandInRow]:
    """Ours and pytest-httpserver's per-test cost, with a shared client, then with a client
    made by each test; the two tools taking turns in each case."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as peers:
        reason = install_httpserver(Path(peers))
        peer_env = {
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [peers, env.get("PYTHONPATH")])),
        }
        for shared, what in (
            (True, "per-test overhead (setup, script one 400, one request on the module's"
                   " HTTP client, teardown)"),
            (False, "per-test cost with a new HTTP client in each test (httpx.post: about"
                    " 18 ms of TLS set-up, the same for both)"),
        ):  # fmt: skip
            ours_test = (bench_test_source(OURS_TEST, shared), env)
            peer_test = None if reason else (bench_test_source(PEER_TEST, shared), peer_env)
            ours, theirs, why = per_test_ms(ours_test, peer_test)
            bar = "1x" if shared else "-"
            rows.append(
                StandInRow(what, ours, "pytest-httpserver 1.2.1", theirs, "ms", bar, reason or why)
            )
    return rows


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # an answer all the same (a 404 says the server is up)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _process(command: list[str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def first_answer_seconds(command: list[str], url: str, cwd: Path) -> float:
    """Seconds from launching ``command`` to the first HTTP answer at ``url``."""
    started = time.perf_counter()
    with _process(command, cwd) as process:
        while not _answers(url):
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}")
            if time.perf_counter() - started > 60:
                raise RuntimeError(f"{command[0]}: no answer in 60 s")
            time.sleep(0.01)
        return time.perf_counter() - started


def _free_port() -> int:
    from jobs_metrics_stand_in.client import free_port

    return free_port()


def install_wiremock(prefix: Path) -> tuple[Path | None, str]:
    """WireMock's npm package (it bundles the standalone jar) into ``prefix``, for the bench
    only: its launcher, or the reason it could not be installed."""
    installed = subprocess.run(
        ["npm", "install", "--no-save", "--prefix", str(prefix), WIREMOCK],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    binary = prefix / "node_modules" / ".bin" / "wiremock"
    if installed.returncode != 0 or not binary.exists():
        return None, f"npm install {WIREMOCK} failed: {installed.stderr[-200:]}"
    return binary, ""


def first_answer_row() -> StandInRow:
    """Ours: ``python -m jobs_metrics_stand_in`` (what ``StandIn.start()`` and the plugin's
    session fixture launch) to its first answer on the spec's path; theirs: ``wiremock``."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-first-") as tmp:
        for _ in range(RUNS):
            port = _free_port()
            command = [sys.executable, "-m", "jobs_metrics_stand_in",
                       "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
            runs.append(first_answer_seconds(command, f"http://127.0.0.1:{port}/v1.0/x", Path(tmp)))
        ours = statistics.median(runs)
        theirs, reason = None, ""
        if shutil.which("java") is None or shutil.which("npm") is None:
            reason = "needs java and npm"
        else:
            prefix = Path(tmp) / "wiremock"
            binary, reason = install_wiremock(prefix)
            if binary is not None:
                peer_runs = []
                for _ in range(RUNS):
                    port = _free_port()
                    command = [str(binary), "--port", str(port), "--bind-address", "127.0.0.1",
                               "--disable-banner"]  # fmt: skip
                    peer_runs.append(
                        first_answer_seconds(command, f"http://127.0.0.1:{port}/v1.0/x", prefix)
                    )
                theirs = statistics.median(peer_runs)
    return StandInRow(
        "time from start to the first answer", ours, f"WireMock {WIREMOCK.split('@')[1]} (npm)",
        theirs, "s", "0.5x", reason,
    )  # fmt: skip


def run() -> list[StandInRow]:
    return [*overhead_rows(), first_answer_row()]


if __name__ == "__main__":
    print(render(run()))
