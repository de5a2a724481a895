"""``make test-wheels`` (``python -m scripts.check_wheels``): the wheels work on every Python.

For each interpreter given, in a fresh virtual environment with nothing from this clone on
its path: ``pip install`` a user's own pydantic of another minor than the lock's (``BESIDE``),
then the wheels of ``dist/`` (models, client, toolkit; their dependencies come from the
package index), which must keep that pydantic (the wheels depend on ranges), then

0. each wheel ships only files git tracks (setuptools copies into ``build/lib`` and never
   removes a file there, so a module deleted since an earlier build used to ship);
1. ``jobs-metrics version`` names the spec version the wheels carry;
2. ``jobs-metrics serve`` starts the reference server from the installed toolkit;
3. the README's client snippet runs against it (``AuthenticatedClient(base_url, token)``);
4. ``jobs-metrics fuzz --base-url`` checks it and must conform (exit 0) - no Node, no clone;
5. a client team's project (one test file, no conftest) runs under ``pytest -n 2`` with the
   stand-in's plugin found through the wheel's entry point (pytest and pytest-xdist from the
   index): 20 tests each see ``token-expired`` then an answer, one reads seeded jobs back
   with the generated client; a failing test's report shows its sandbox's journal.

Standard library only, so a CI job with nothing but a Python can run it. The working
directory of every step is a temporary folder: nothing can be imported from the clone.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from jobs_metrics_spec import demo, spec_operations

ROOT = Path(__file__).resolve().parent.parent
# A user's project pinned to another pydantic minor than requirements.lock's (2.14): the
# wheels must install beside it without moving it, and work with it.
BESIDE = "pydantic==2.12.5"
PROJECT_A, TOKEN_A = demo.PROJECT_A, demo.TOKEN_A


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def readme_snippet() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- snippet: client .*?-->\s*```python\n(.*?)```", text, re.S)
    if not match:
        raise SystemExit("README.md lost its client snippet")
    return match.group(1)


def step(name: str, command: list[str], cwd: Path, env: dict[str, str]) -> str:
    shown = " ".join(command)
    print(f"  {name}: {shown if len(shown) < 160 else shown[:150] + ' ...'}", flush=True)
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"  {name}: exit {result.returncode}")
    return result.stdout


def resolve(python: str) -> str | None:
    """The interpreter ``python`` names, or None; pyenv's installs count when not selected.

    A pyenv shim for a version that is installed but not selected fails when run, so the
    interpreters under ``$PYENV_ROOT/versions`` are tried after the name on PATH.
    """
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in [python, *sorted(map(str, root.glob(f"*/bin/{python}")))]:
        if shutil.which(candidate) is None:
            continue
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.executable)"],
                               capture_output=True, text=True, timeout=60)  # fmt: skip
        if probe.returncode == 0:
            return probe.stdout.strip()
    return None


def check(python: str, wheels: list[Path], spec_version: str) -> None:
    print(f"{python}:", flush=True)
    with tempfile.TemporaryDirectory(prefix="wheels-") as tmp:
        work = Path(tmp)
        venv = work / "venv"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        step("venv", [python, "-m", "venv", str(venv)], work, env)
        bin_ = venv / "bin"
        pip = [
            str(bin_ / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ]
        step("a user's pydantic", [*pip, BESIDE], work, env)
        step("install", [*pip, *map(str, wheels)], work, env)
        kept = step("pydantic kept", [str(bin_ / "python"), "-c",
                    "import pydantic; print(pydantic.VERSION)"], work, env).strip()  # fmt: skip
        if f"pydantic=={kept}" != BESIDE:
            raise SystemExit(f"  install: the wheels replaced {BESIDE} by pydantic {kept}")
        out = step("version", [str(bin_ / "jobs-metrics"), "version"], work, env)
        if f"spec {spec_version}" not in out:
            raise SystemExit(f"  version: {out.strip()!r} does not name spec {spec_version}")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(bin_ / "jobs-metrics"), "serve", "--port", str(port), "--db", str(work / "db")],
            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(base, server)
            code = readme_snippet().replace('"http://127.0.0.1:8080"', repr(base))
            out = step("README client snippet", [str(bin_ / "python"), "-c", code], work, env)
            if _code_of("token-unknown") not in out:
                raise SystemExit(f"  README client snippet: unexpected output {out!r}")
            fuzz_env = {**env, "AUTH_TOKEN": TOKEN_A, "PROJECT_ID": PROJECT_A, "JOB_IDS": "1-600"}
            out = step("fuzz", [str(bin_ / "jobs-metrics"), "fuzz", "--base-url", base,
                                "--max-examples", "25", "--seed", "1"], work, fuzz_env)  # fmt: skip
            print("   ", next((ln for ln in out.splitlines() if ln.startswith("verdict:")), "?"))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        client_project(bin_, pip, work, env)


def _code_of(rule_id: str) -> str:
    """The code the spec's CS operation answers ``rule_id`` with."""
    code = spec_operations()[0].rule(rule_id).error_id
    assert code is not None, rule_id
    return code


# A client team's test file: no conftest, the fixtures come from the toolkit wheel's plugin.
CLIENT_TESTS = """
import pytest
from jobs_metrics_client import AuthenticatedClient
from jobs_metrics_client.api.job_monitoring import query_job_metrics
from jobs_metrics_client.models import ErrorResponse, JobMetricsRequest, JobMetricsResponse


@pytest.mark.parametrize("n", range(20))
def test_token_expired_then_an_answer(jobs_metrics_sandbox, n):
    sandbox = jobs_metrics_sandbox
    sandbox.generate_jobs(1, seed=n)
    sandbox.fail_next("token-expired")
    body = JobMetricsRequest(job_ids=[1])
    with AuthenticatedClient(base_url=sandbox.base_url, token=sandbox.token) as client:
        first = query_job_metrics.sync(sandbox.project_id, client=client, body=body)
        second = query_job_metrics.sync(sandbox.project_id, client=client, body=body)
    assert isinstance(first, ErrorResponse) and first.error_id == "{token_expired}"
    assert isinstance(second, JobMetricsResponse)


def test_seeded_jobs_read_back(jobs_metrics_sandbox):
    sandbox = jobs_metrics_sandbox
    sandbox.add_jobs([{"job_id": 7, "metrics": {"total_read_rate": 1.5}}])
    with AuthenticatedClient(base_url=sandbox.base_url, token=sandbox.token) as client:
        answer = query_job_metrics.sync(
            sandbox.project_id, client=client, body=JobMetricsRequest(job_ids=[7])
        )
    assert [(j.job_id, j.metrics.total_read_rate) for j in answer.payload.jobs] == [(7, 1.5)]
    sandbox.assert_requested(job_ids=[7], times=1)
"""
CLIENT_FAILING = """
import httpx


def test_fails(jobs_metrics_sandbox):
    sandbox = jobs_metrics_sandbox
    url = f"{sandbox.base_url}/v1.0/{sandbox.project_id}/jobs/metrics"
    httpx.post(url, json={"job_ids": [7, 7]}, headers={"X-Auth-Token": sandbox.token})
    assert False
"""


def client_project(bin_: Path, pip: list[str], work: Path, env: dict[str, str]) -> None:
    """Step 5: the plugin from the wheels alone, as a client team installs it."""
    step("pytest for a client project", [*pip, "pytest", "pytest-xdist"], work, env)
    project = work / "client-project"
    project.mkdir()
    (project / "test_client.py").write_text(
        CLIENT_TESTS.replace("{token_expired}", _code_of("token-expired"))
    )
    pytest_ = [str(bin_ / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-n", "2"]
    out = step("client project, pytest -n 2", [*pytest_, "test_client.py"], project, env)
    if "21 passed" not in out:
        raise SystemExit(f"  client project: want 21 passed, got {out.strip().splitlines()[-1]}")
    (project / "test_failing.py").write_text(CLIENT_FAILING)
    print("  client project, a failing test's report", flush=True)
    failed = subprocess.run([*pytest_, "test_failing.py"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    shown = "`job_ids` named 7 twice"
    if failed.returncode != 1 or "jobs-metrics sandbox journal (call)" not in failed.stdout:
        print(failed.stdout[-4000:], failed.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit("  client project: the failing test's report has no sandbox journal")
    if shown not in failed.stdout:
        raise SystemExit(f"  client project: the journal lacks the near miss {shown!r}")


def wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"  serve: exited with {server.returncode}")
        try:
            urllib.request.urlopen(base + "/", timeout=1)
        except urllib.error.HTTPError:
            return  # answered (404): up
        except OSError:
            time.sleep(0.2)
            continue
        return
    raise SystemExit("  serve: no answer in 60 s")


# A wheel's distribution name -> the folder of the project it is built from.
SOURCES = {
    "jobs_metrics_toolkit": ROOT,
    "jobs_metrics_models": ROOT / "generated" / "jobs-metrics-models",
    "jobs_metrics_client": ROOT / "generated" / "jobs-metrics-client",
}


def untracked(wheel: Path) -> list[str] | None:
    """The files of ``wheel`` (its metadata aside) that git does not track in the project it
    was built from; ``None`` when git cannot say (no git, not a clone)."""
    source = SOURCES[wheel.name.split("-")[0]]
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=source, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    tracked = set(listed.decode().split("\0"))
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if not m.split("/")[0].endswith(".dist-info")]
    return sorted(m for m in members if m not in tracked)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pythons", nargs="+", help="interpreters, e.g. python3.12 python3.13")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="folder of the wheels")
    args = parser.parse_args(argv)
    wheels = sorted(args.dist.glob("*.whl"))
    names = {w.name.split("-")[0] for w in wheels}
    wanted = {"jobs_metrics_models", "jobs_metrics_client", "jobs_metrics_toolkit"}
    if names != wanted:
        raise SystemExit(f"{args.dist}: want the wheels {sorted(wanted)}, found {sorted(names)}")
    spec_version = re.search(r"^  version: (\S+)$", (ROOT / "openapi" /
                             "jobs-metrics.openapi.yaml").read_text(), re.M)[1]  # type: ignore[index]  # fmt: skip
    for wheel in wheels:
        stray = untracked(wheel)
        if stray is None:
            print(f"  {wheel.name}: contents not exercised (git cannot list the sources)")
        elif stray:
            raise SystemExit(f"{wheel.name}: ships files git does not track: {', '.join(stray)}")
    for python in args.pythons:
        found = resolve(python)
        if found is None:
            raise SystemExit(f"{python}: not found (install it, or set PYTHONS=...)")
        check(found, wheels, spec_version)
    print(f"test-wheels: {', '.join(args.pythons)} passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
