"""``make fuzz``: property-test a server against the spec with schemathesis.

With no ``--base-url`` it makes sure generated/ is current, starts the reference server
with demo data on a free 127.0.0.1 port, fuzzes it, stops it and exits with schemathesis'
verdict. With ``--base-url`` it fuzzes that server instead. Settings and this API's own
checks come from ``schemathesis.toml`` (and ``fuzz_harness/hooks.py``); this script passes
only what the user chose (examples, seed, mode, workers) and where the reports go.

Reports (``reports/fuzz/``): ``junit.xml`` and ``cassette.har`` with stable names, and a
summary printed at the end naming the seed, the reports and how to replay a failure.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "jobs-metrics.openapi.yaml"
REPORTS = ROOT / "reports" / "fuzz"
sys.path.insert(0, str(ROOT))

from reference_server.demo import PROJECT_A, TOKEN_A  # noqa: E402
from reference_server.process import ServerProcess  # noqa: E402


def _st() -> str:
    candidate = Path(sys.executable).parent / "st"
    return str(candidate) if candidate.exists() else "st"


def fuzz_env(token: str, project_id: str) -> dict[str, str]:
    """The environment schemathesis.toml reads its pinned token and project from."""
    return {
        **os.environ,
        "JM_FUZZ_TOKEN": token,
        "JM_FUZZ_PROJECT_ID": project_id,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


@dataclass(frozen=True)
class FuzzRun:
    """What one schemathesis run is asked to do (the user's knobs and the report folder)."""

    token: str
    project_id: str
    max_examples: int
    seed: int
    mode: str
    workers: int
    report_dir: Path
    max_failures: int | None = None

    def command(self, base_url: str) -> list[str]:
        command = [
            _st(), "run", str(SPEC),
            "--url", base_url,
            "--max-examples", str(self.max_examples),
            "--seed", str(self.seed),
            "--mode", self.mode,
            "--workers", str(self.workers),
            "--report", "junit,har",
            "--report-dir", str(self.report_dir),
            "--report-junit-path", str(self.report_dir / "junit.xml"),
            "--report-har-path", str(self.report_dir / "cassette.har"),
        ]  # fmt: skip
        if self.max_failures:
            command += ["--max-failures", str(self.max_failures)]
        return command

    def run(self, base_url: str) -> int:
        """Run schemathesis against ``base_url``, its output streaming live; its exit code."""
        self.report_dir.mkdir(parents=True, exist_ok=True)
        env = fuzz_env(self.token, self.project_id)
        return subprocess.run(self.command(base_url), cwd=ROOT, env=env, check=False).returncode


def ensure_generated_current() -> None:
    """The reference server runs on the generated models: regenerate them if stale."""
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_generated.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        print("fuzz: generated/ is stale against the spec; running `make generate` first")
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "generate.py")], cwd=ROOT, check=True
        )


def summary(
    code: int,
    *,
    target: str,
    seed: int,
    report_dir: Path,
    elapsed: float,
    token: str,
    project_id: str,
    ephemeral: bool,
) -> str:
    verdict = (
        "PASSED: no contract violation found"
        if code == 0
        else "FAILED: contract violations found (see above)"
    )
    # The reference server of a default run is gone by now: replay against `make serve`.
    url = "http://127.0.0.1:8080" if ephemeral else target
    replay = (
        f"JM_FUZZ_TOKEN={token} JM_FUZZ_PROJECT_ID={project_id} "
        f".venv/bin/st replay <Test Case ID> --url {url}"
        + ("   (with `make serve` running)" if ephemeral else "")
    )
    return "\n".join(
        [
            "",
            "== fuzz summary ==",
            f"target:    {target}",
            f"verdict:   {verdict} (schemathesis exit {code})",
            f"seed:      {seed}   (rerun the same cases: make fuzz SEED={seed} ...)",
            f"time:      {elapsed:.1f}s",
            f"junit:     {report_dir / 'junit.xml'}",
            f"cassette:  {report_dir / 'cassette.har'}",
            "each failure above shows its curl line; replay one with:",
            f"    {replay}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-url", default="", help="server to fuzz (default: a fresh reference server)"
    )
    parser.add_argument(
        "--auth-token", default=TOKEN_A, help="valid X-Auth-Token (default: demo project A)"
    )
    parser.add_argument(
        "--project-id", default=PROJECT_A, help="the token's project (default: demo project A)"
    )
    parser.add_argument(
        "--max-examples", type=int, default=100, help="cases per phase (default 100)"
    )
    parser.add_argument("--seed", type=int, help="random seed (default: a new one, printed)")
    parser.add_argument("--mode", choices=("positive", "negative", "all"), default="all")
    parser.add_argument("--workers", type=int, default=1, help="schemathesis workers (default 1)")
    parser.add_argument("--max-failures", type=int, help="stop after this many failures")
    parser.add_argument("--report-dir", type=Path, default=REPORTS)
    parser.add_argument("--fault", help="fuzz a fault-injected reference server (self-test)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    started = time.monotonic()
    fuzz_run = FuzzRun(
        token=args.auth_token,
        project_id=args.project_id,
        max_examples=args.max_examples,
        seed=seed,
        mode=args.mode,
        workers=args.workers,
        report_dir=args.report_dir,
        max_failures=args.max_failures,
    )
    if args.base_url:
        code = fuzz_run.run(args.base_url.rstrip("/"))
        target = args.base_url
    else:
        ensure_generated_current()
        extra = ("--fault", args.fault) if args.fault else ()
        with (
            tempfile.TemporaryDirectory(prefix="fuzz-db-") as tmp,
            ServerProcess(Path(tmp) / "reference.sqlite3", extra_args=extra) as server,
        ):
            label = f" with fault {args.fault}" if args.fault else ""
            print(
                f"fuzz: reference server{label} on {server.base_url} (pid {server.pid})", flush=True
            )
            code = fuzz_run.run(server.base_url)
            target = server.base_url
    print(
        summary(
            code,
            target=target,
            seed=seed,
            report_dir=args.report_dir,
            elapsed=time.monotonic() - started,
            token=args.auth_token,
            project_id=args.project_id,
            ephemeral=not args.base_url,
        )
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
