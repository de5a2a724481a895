"""The stand-in's own figures (issue 33) beside WireMock's, in the same run: the time from
``StandIn.start()`` to serving, and a sandbox created, loaded with 100 jobs and reset, against
WireMock registering the same 100 jobs' answer as a stub and resetting (its admin API over
HTTP, as a test suite drives it). pytest-httpserver registers its expectations in the test's
own process, with no round trip, so it has no figure to compare here (said so in the row).

``python -m bench.stand_in_sandbox`` prints the rows.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.stand_in import WIREMOCK, _answers, _free_port, _process, install_wiremock
from jobs_metrics_stand_in.bench import measure

CYCLES = 50  # WireMock stub-and-reset cycles timed


@dataclass(frozen=True)
class SandboxRow:
    what: str
    ours: float
    unit: str
    goal: str
    met: bool
    peer: str


def _post(url: str, body: object) -> None:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    urllib.request.urlopen(request, timeout=30).read()


def _answer(jobs: int) -> dict[str, object]:
    return {"message_id": "CS.10001", "message": "ok", "current_time": 1, "payload": {"jobs": [
        {"job_id": i, "metrics": {"sources": [{"name": f"s{i}", "records": i,
                                               "corrupted_records": 0}], "sinks": [],
                                  "total_read_rate": 1.5, "total_write_rate": 1.0}}
        for i in range(1, jobs + 1)]}}  # fmt: skip


def wiremock_stub_and_reset_ms() -> tuple[float | None, str]:
    """Median ms of one WireMock stub (the 100 jobs' answer) registered and reset; or the
    reason there is no figure."""
    if shutil.which("java") is None or shutil.which("npm") is None:
        return None, "needs java and npm"
    with tempfile.TemporaryDirectory(prefix="bench-wiremock-") as tmp:
        prefix = Path(tmp)
        binary, reason = install_wiremock(prefix)
        if binary is None:
            return None, reason
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        command = [str(binary), "--port", str(port), "--bind-address", "127.0.0.1",
                   "--disable-banner"]  # fmt: skip
        with _process(command, prefix):
            deadline = time.monotonic() + 60
            while not _answers(f"{base}/__admin/mappings"):
                if time.monotonic() > deadline:
                    return None, "WireMock did not start in 60 s"
                time.sleep(0.05)
            stub = {"request": {"method": "POST", "urlPath": "/v1.0/p/jobs/metrics"},
                    "response": {"status": 200, "jsonBody": _answer(100)}}  # fmt: skip
            times = []
            for _ in range(CYCLES + 5):  # the first five warm the JVM up
                started = time.perf_counter()
                _post(f"{base}/__admin/mappings", stub)
                _post(f"{base}/__admin/reset", {})
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times[5:]), ""


def run() -> list[SandboxRow]:
    ours = measure()
    theirs, reason = wiremock_stub_and_reset_ms()
    peer = (
        f"WireMock {WIREMOCK.split('@')[1]}: {theirs:.3g} ms to stub the same answer and"
        f" reset (ratio {ours['create_load_reset_ms'] / theirs:.2f}x); pytest-httpserver: not"
        " measured (it registers in the test's process, no round trip)"
        if theirs
        else f"WireMock: not measured: {reason}"
    )
    cycle = ours["create_load_reset_ms"]
    return [
        SandboxRow("`StandIn.start()` to serving", ours["start_seconds"], "s", "under 2 s",
                   ours["start_seconds"] < 2, "(the first answer vs WireMock: above)"),
        SandboxRow("a sandbox created, 100 jobs loaded, reset (median)", cycle, "ms",
                   "under 10 ms", cycle < 10, peer),
    ]  # fmt: skip


def render(rows: list[SandboxRow]) -> str:
    lines = ["", "| stand-in | figure | goal | met | beside |", "| --- | ---: | --- | --- | --- |"]
    for row in rows:
        met = "yes" if row.met else "NO"
        lines.append(
            f"| {row.what} | {row.ours:.3g} {row.unit} | {row.goal} | {met} | {row.peer} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(run()))
