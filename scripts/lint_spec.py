"""Lint the spec with the three linters API designers use; fail on any error or warning.

1. openapi-spec-validator (structure against the OpenAPI 3.1 meta-schema);
2. Spectral with ``.spectral.yaml`` (``spectral:oas`` plus this API's own rules);
3. Redocly CLI with ``redocly.yaml`` (the ``recommended`` ruleset).

All three always run, so one call reports every problem; the exit status is 1 if any
linter found an error or a warning.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from jobs_metrics_spec import SPEC_PATH

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"


def node_env() -> dict[str, str]:
    """The environment of every Node tool we run: no colours, no telemetry, no notices."""
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env["REDOCLY_TELEMETRY"] = "off"
    env["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true"
    return env


def openapi_spec_validator(spec: Path) -> bool:
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    try:
        document, _ = read_from_filename(str(spec))
        validate(document)
    except Exception as exc:  # the validator raises many kinds; all mean "invalid"
        print(f"openapi-spec-validator: {spec}: {exc}")
        return False
    print(f"openapi-spec-validator: {spec}: OK")
    return True


def run_spectral(spec: Path, output_format: str = "text") -> subprocess.CompletedProcess[str]:
    """Spectral with our ruleset; fails (exit 1) on any warning or error."""
    return subprocess.run(
        [str(NODE_BIN / "spectral"), "lint", str(spec), "--ruleset", str(ROOT / ".spectral.yaml"),
         "--fail-severity", "warn", "--format", output_format,
         *(["--quiet"] if output_format == "json" else [])],
        capture_output=True, text=True, env=node_env(), cwd=ROOT, check=False,
    )  # fmt: skip


def run_spectral_many(specs: list[Path]) -> subprocess.CompletedProcess[str]:
    """Spectral over several documents in one run, as JSON (each result names its source)."""
    return subprocess.run(
        [str(NODE_BIN / "spectral"), "lint", *map(str, specs), "--ruleset",
         str(ROOT / ".spectral.yaml"), "--fail-severity", "warn", "--format", "json", "--quiet"],
        capture_output=True, text=True, env=node_env(), cwd=ROOT, check=False,
    )  # fmt: skip


def run_redocly(*specs: Path) -> subprocess.CompletedProcess[str]:
    """Redocly lint with redocly.yaml (the recommended ruleset), as JSON: one report per
    document, in the order given (Node starts once for all of them)."""
    return subprocess.run(
        [str(NODE_BIN / "redocly"), "lint", *map(str, specs), "--config",
         str(ROOT / "redocly.yaml"), "--format", "json"],
        capture_output=True, text=True, env=node_env(), cwd=ROOT, check=False,
    )  # fmt: skip


def redocly_reports(output: str) -> list[dict[str, Any]]:
    """The reports in :func:`run_redocly`'s output, in order: Redocly writes one JSON object
    per document, one after another (not an array). ``ValueError`` if it is not that."""
    decoder, reports, at, text = json.JSONDecoder(), [], 0, output.strip()
    while at < len(text):
        report, at = decoder.raw_decode(text, at)
        reports.append(report)
        while at < len(text) and text[at].isspace():
            at += 1
    return reports


def spectral(spec: Path) -> bool:
    result = run_spectral(spec)
    out = result.stdout.strip()
    print(f"spectral: {spec}: {'OK' if result.returncode == 0 else 'FAILED'}")
    if out:
        print(out)
    return result.returncode == 0


def redocly(spec: Path) -> bool:
    result = run_redocly(spec)
    try:
        (report,) = redocly_reports(result.stdout)
    except ValueError:
        print(f"redocly: {spec}: could not run\n{result.stdout}{result.stderr}")
        return False
    totals = report.get("totals", {})
    problems = report.get("problems", [])
    ok = result.returncode == 0 and totals.get("errors", 0) == 0 and totals.get("warnings", 0) == 0
    print(
        f"redocly: {spec}: {'OK' if ok else 'FAILED'} ({totals.get('errors', 0)} errors, "
        f"{totals.get('warnings', 0)} warnings)"
    )
    for problem in problems:
        where = "; ".join(loc.get("pointer", "") for loc in problem.get("location", []))
        severity, rule = problem.get("severity"), problem.get("ruleId")
        print(f"  {severity} {rule}: {problem.get('message')} at {where}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, nargs="?", default=SPEC_PATH)
    args = parser.parse_args(argv)
    spec: Path = args.spec.resolve()
    results = [openapi_spec_validator(spec), spectral(spec), redocly(spec)]
    if all(results):
        print("lint-spec: 0 errors, 0 warnings")
        return 0
    print("lint-spec: FAILED")
    return 1


if __name__ == "__main__":
    sys.exit(main())
