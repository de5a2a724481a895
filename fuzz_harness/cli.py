"""``python -m fuzz_harness``: ``run`` (what ``make fuzz`` calls), ``replay``, ``selftest``.

Exit codes of ``run``: 0 the server conforms to every rule exercised, 1 contract violations
(each printed with a curl line and a replay command), 2 could not test (bad options, the
server unreachable, a token refused on a known-good request), with a one-line reason.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

from fuzz_harness.contract import default_contract
from fuzz_harness.options import FuzzOptions, OptionsError, build_options, demo_identities
from fuzz_harness.report import (
    FAILED,
    FUZZ_RULE,
    NOT_EXERCISED,
    SKIPPED,
    WARNING,
    Report,
    markdown,
    summary_line,
)
from fuzz_harness.runner import COULD_NOT_TEST, Outcome, execute, target_server

DEFAULT_REPORTS = Path("reports") / "fuzz"
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


# The identity and data options: each also read from the environment variable of its name
# (what `make fuzz` exports, so that tokens never appear on a command line).
ENV_OPTIONS = (
    ("BASE_URL", "server to fuzz (default: a fresh reference server with demo data)"),
    ("AUTH_TOKEN", "a valid X-Auth-Token (required with BASE_URL)"),
    ("PROJECT_ID", "the project the token was issued for"),
    ("JOB_IDS", "jobs that exist in the project: IDs and inclusive ranges, e.g. 1-600,7"),
    ("OTHER_AUTH_TOKEN", "a second valid token, of another project"),
    ("OTHER_PROJECT_ID", "the second token's project"),
    ("OTHER_JOB_IDS", "jobs that exist in the second project"),
)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    for name, text in ENV_OPTIONS:
        flag = "--" + name.lower().replace("_", "-")
        parser.add_argument(flag, default=os.environ.get(name, ""), help=f"{text} (env {name})")
    parser.add_argument(
        "--max-examples", type=int, default=100, help="generated cases per phase (default 100)"
    )
    parser.add_argument("--seed", type=int, help="random seed (default: a new one, printed)")
    parser.add_argument("--mode", default="all", help="positive, negative or all (default all)")
    parser.add_argument("--workers", type=int, default=1, help="schemathesis workers (default 1)")
    parser.add_argument(
        "--strict",
        action="store_true",
        default=os.environ.get("STRICT", "") not in ("", "0"),
        help="should rules fail the run too, not only warn (env STRICT=1)",
    )
    parser.add_argument(
        "--skip-rule",
        action="append",
        default=[os.environ.get("SKIP_RULES", "")],
        help="a rule you deliberately differ from: reported skipped, never passed; repeat or"
        " give id,id (env SKIP_RULES)",
    )
    parser.add_argument(
        "--summary",
        type=Path,
        default=os.environ.get(STEP_SUMMARY) or None,
        help=f"append the conformance report (Markdown) to this file (env {STEP_SUMMARY},"
        " as GitHub Actions sets it)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=DEFAULT_REPORTS,
        help=f"where reports go (default {DEFAULT_REPORTS})",
    )


def options_from(args: argparse.Namespace) -> FuzzOptions:
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    return build_options(
        base_url=args.base_url,
        auth_token=args.auth_token,
        project_id=args.project_id,
        job_ids=args.job_ids,
        other_auth_token=args.other_auth_token,
        other_project_id=args.other_project_id,
        other_job_ids=args.other_job_ids,
        max_examples=args.max_examples,
        seed=seed,
        mode=args.mode,
        workers=args.workers,
        report_dir=args.report_dir.resolve(),
        demo=demo_identities(),
        strict=args.strict,
        skip_rules=",".join(args.skip_rule),
        rule_ids=[*(rule.id for rule in default_contract().rules), FUZZ_RULE],
    )


def summary(options: FuzzOptions, outcome: Outcome) -> str:
    report = outcome.report
    lines = ["", "== fuzz summary =="]
    if outcome.code == COULD_NOT_TEST:
        lines += [f"verdict:  COULD NOT TEST (exit 2): {outcome.reason}"]
        return "\n".join(lines)
    assert report is not None
    seconds = report.fuzz_seconds or 0.0
    rate = f" = {report.fuzz_cases / seconds:.0f} cases/s" if seconds else ""
    lines += [
        f"target:   {report.target}",
        f"seed:     {options.seed}   (the same SEED and options send the same requests)",
        f"fuzzing:  {report.fuzz_cases} generated cases in {seconds:.1f}s{rate}",
        f"probes:   {report.probe_requests} requests, one set per rule of the spec's x-contract",
        "levels:   "
        + (
            "STRICT: should rules fail the run too"
            if options.strict
            else "must rules fail the run, should rules warn (STRICT=1 makes them fail)"
        ),
        f"rules: {summary_line(report)}",
    ]
    for rule in report.rules.values():
        reason = rule.reason or "no request exercised it"
        if rule.verdict in (NOT_EXERCISED, SKIPPED):
            lines.append(f"  {rule.verdict}: {rule.id}: {reason}")
        elif rule.verdict == FAILED:
            lines.append(f"  FAILED ({rule.level}): {rule.id}: {', '.join(rule.failures)}")
        elif rule.verdict == WARNING:
            lines.append(f"  warning (should): {rule.id}: {', '.join(rule.failures)}")
    violations = report.violations()
    lines += [
        f"report:   {options.report_dir / 'conformance.md'} (and conformance.json, junit.xml)",
        "verdict:  "
        + (
            "PASS: every enforced rule exercised holds (exit 0)"
            if report.conforms
            else f"FAIL: {len(violations)} distinct contract violations (exit 1)"
        ),
    ]
    return "\n".join(lines)


def failures_text(report: Report) -> str:
    lines: list[str] = []
    for failure in report.failures:
        times = f" (seen {failure.count}x)" if failure.count > 1 else ""
        kind = "" if report.rules[failure.rule].verdict == FAILED else "warning: "
        lines += ["", f"{failure.id} {kind}[{failure.rule}] {failure.title}{times}"]
        lines += [f"    {line}" for line in failure.detail.strip().splitlines()[:12]]
        if failure.curl:
            lines.append(f"    reproduce: {failure.curl}")
            lines.append(f"    replay:    {failure.replay}")
    if any("$AUTH_TOKEN" in f.curl or "$OTHER_AUTH_TOKEN" in f.curl for f in report.failures):
        lines += [
            "",
            "(the curl lines and replay read the tokens from $AUTH_TOKEN / $OTHER_AUTH_TOKEN)",
        ]
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    try:
        options = options_from(args)
    except OptionsError as exc:
        print(f"fuzz: COULD NOT TEST (exit 2): {exc}", file=sys.stderr)
        return COULD_NOT_TEST
    where = options.base_url or "a fresh reference server with demo data"
    print(
        f"fuzz: {where}, seed {options.seed}, {options.max_examples} examples per phase", flush=True
    )
    try:
        with target_server(options) as base_url:
            outcome = execute(options, base_url)
    except RuntimeError as exc:  # the reference server did not start
        outcome = Outcome(COULD_NOT_TEST, str(exc), None)
    if outcome.report is not None and outcome.report.failures:
        print(failures_text(outcome.report))
    print(summary(options, outcome))
    if args.summary is not None and outcome.report is not None:
        with args.summary.open("a", encoding="utf-8") as out:
            out.write(markdown(outcome.report) + "\n")
    return outcome.code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fuzz_harness", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="fuzz a server against the spec (make fuzz)")
    add_run_options(run)
    replay = sub.add_parser("replay", help="send one recorded failure again and judge the answer")
    replay.add_argument("file", type=Path, help="a failures/F<n>.json file of a report")
    replay.add_argument("--base-url", help="send to this server instead of the recorded one")
    selftest = sub.add_parser("selftest", help="the harness must fail every fault-injected server")
    selftest.add_argument("--seed", type=int, default=None)
    selftest.add_argument("--max-examples", type=int, default=50)
    selftest.add_argument("--jobs", type=int, default=2, help="runs at once (default 2)")
    selftest.add_argument("faults", nargs="*", help="faults to run (default: all)")
    args = parser.parse_args(argv)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "replay":
        from fuzz_harness.replay import replay_file

        return replay_file(args.file, args.base_url)
    from fuzz_harness.selftest import run_selftest

    return run_selftest(args.faults, seed=args.seed, max_examples=args.max_examples, jobs=args.jobs)
