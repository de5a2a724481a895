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
4. ``jobs-metrics fuzz --base-url`` checks it and must conform (exit 0) - no Node, no clone.

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

ROOT = Path(__file__).resolve().parent.parent
# A user's project pinned to another pydantic minor than requirements.lock's (2.14): the
# wheels must install beside it without moving it, and work with it.
BESIDE = "pydantic==2.12.5"
PROJECT_A = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TOKEN_A = "demo-token-project-a"


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
            if "CS.10005" not in out:
                raise SystemExit(f"  README client snippet: unexpected output {out!r}")
            fuzz_env = {**env, "AUTH_TOKEN": TOKEN_A, "PROJECT_ID": PROJECT_A, "JOB_IDS": "1-600"}
            out = step("fuzz", [str(bin_ / "jobs-metrics"), "fuzz", "--base-url", base,
                                "--max-examples", "25", "--seed", "1"], work, fuzz_env)  # fmt: skip
            print("   ", next((ln for ln in out.splitlines() if ln.startswith("verdict:")), "?"))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


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
