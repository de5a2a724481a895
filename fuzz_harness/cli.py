"""The harness' commands: ``run`` (``jobs-metrics fuzz``, what ``make fuzz`` calls) and
``replay``. (The self-test, ``make fuzz-selftest``, is test support: :mod:`fuzz_selftest`.)

Each is a click command declared once here; ``jobs_metrics_cli`` puts them into the
``jobs-metrics`` group, and ``python -m fuzz_harness`` serves both.

Exit codes of ``run``: 0 the server conforms to every rule exercised, 1 contract violations
(each printed with a curl line and a replay command), 2 could not test (bad options, the
server unreachable, a token refused on a known-good request), with a one-line reason.
"""

from __future__ import annotations

import fcntl
import functools
import os
import random
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from fuzz_harness.exchange import TOKEN_VARIABLES
from fuzz_harness.options import MODES, FuzzOptions, OptionsError, build_options, demo_identities
from fuzz_harness.report import (
    FAILED,
    SKIPPED,
    WARNING,
    Report,
    markdown,
    not_exercised_groups,
    rule_ids,
    summary_line,
    verdict_line,
)
from fuzz_harness.runner import COULD_NOT_TEST, Outcome, execute, target_server
from fuzz_harness.transport import DEFAULT_TIMEOUT, TransportError, build_transport
from jobs_metrics_spec import run_command_line, spec_operations

DEFAULT_REPORTS = Path("reports") / "fuzz"
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


def _rules_list(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> str:
    """``--skip-rule a --skip-rule b,c`` (or ``SKIP_RULES=a,b``) as one comma-separated list."""
    return ",".join(value)


def _report_dir(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    return value.resolve()


class _Lines(click.types.StringParamType):
    """Text whose environment variable holds one value per line, for a repeatable option (a
    header's value holds spaces, which click's default splitting would cut)."""

    name = "text"
    envvar_list_splitter = "\n"


# Each option declared once: its flag, its type, default and help, and for the identities, the
# data and the level options their environment variable (what `make fuzz` exports, so that
# tokens never appear on a command line). The run's shape (examples, seed, mode, workers) is
# read from options only: a MODE or SEED a shell happens to hold must not change a run.
option = functools.partial(click.option, show_envvar=True)


@click.command("run")
@option(
    "--base-url",
    envvar="BASE_URL",
    default="",
    help="Server to check (empty: a fresh reference server with demo data).",
)
@option(
    "--auth-token",
    envvar="AUTH_TOKEN",
    default="",
    help="A valid X-Auth-Token (required with --base-url).",
)
@option(
    "--project-id", envvar="PROJECT_ID", default="", help="The project the token was issued for."
)
@option(
    "--job-ids",
    envvar="JOB_IDS",
    default="",
    help="Jobs that exist in the project: IDs and inclusive ranges, e.g. 1-600,7.",
)
@option(
    "--ak",
    envvar="AK",
    default="",
    help="An access key of the project (signs the successor operation's requests; without"
    " it, with --base-url, that operation is not exercised).",
)
@option("--sk", envvar="SK", default="", help="The access key's secret key.")
@option(
    "--other-auth-token",
    envvar="OTHER_AUTH_TOKEN",
    default="",
    help="A second valid token, of another project (isolation rules).",
)
@option(
    "--other-project-id", envvar="OTHER_PROJECT_ID", default="", help="The second token's project."
)
@option("--other-ak", envvar="OTHER_AK", default="", help="An access key of the second project.")
@option("--other-sk", envvar="OTHER_SK", default="", help="Its secret key.")
@option(
    "--other-job-ids",
    envvar="OTHER_JOB_IDS",
    default="",
    help="Jobs that exist in the second project.",
)
@option(
    "--max-examples",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Generated cases per schemathesis phase.",
)
@option(
    "--seed",
    type=int,
    default=None,
    help="Random seed (default: a new one, printed); the same seed and options send"
    " the same requests.",
)
@option(
    "--mode",
    type=click.Choice(MODES),
    default="all",
    show_default=True,
    help="Which schemathesis cases.",
)
@option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="schemathesis workers.",
)
@option(
    "--strict/--no-strict",
    envvar="STRICT",
    default=False,
    help="Should rules fail the run too, not only warn (STRICT=1).",
)
@option(
    "--skip-rule",
    "skip_rules",
    envvar="SKIP_RULES",
    multiple=True,
    callback=_rules_list,
    help="A rule you deliberately differ from (repeat, or id,id): reported skipped, never passed.",
)
@option(
    "--header",
    "headers",
    type=_Lines(),
    envvar="HEADERS",
    multiple=True,
    help="A header every request carries, 'Name: value' (repeat; HEADERS: one per line), e.g."
    " a gateway's key. Not added where a probe sets or leaves out that header itself.",
)
@option(
    "--timeout",
    envvar="TIMEOUT",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds to wait for each answer (connecting: at most 5).",
)
@option(
    "--ca-bundle",
    envvar="CA_BUNDLE",
    type=click.Path(path_type=Path),
    default=None,
    help="PEM file of the CA(s) that signed the server's certificate (a private CA).",
)
@option(
    "--client-cert",
    envvar="CLIENT_CERT",
    type=click.Path(path_type=Path),
    default=None,
    help="PEM client certificate (mutual TLS); its key too, unless --client-key.",
)
@option(
    "--client-key",
    envvar="CLIENT_KEY",
    type=click.Path(path_type=Path),
    default=None,
    help="PEM private key of --client-cert (unencrypted).",
)
@option(
    "--insecure/--no-insecure",
    envvar="INSECURE",
    default=False,
    help="Do not verify the server's certificate (INSECURE=1; a warning is printed).",
)
@option(
    "--proxy",
    envvar="PROXY",
    default="",
    help="Outgoing proxy for every request, http(s):// or socks5:// (empty: none, or the"
    " environment's HTTPS_PROXY).",
)
@option(
    "--rate-limit",
    envvar="RATE_LIMIT",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="At most this many requests a second, every request of the run (probes and schemathesis).",
)
@option(
    "--operation",
    "operations",
    envvar="OPERATIONS",
    multiple=True,
    callback=_rules_list,
    help="Test only this operation (operationId; repeat, or id,id); the others are reported"
    " not exercised.",
)
@option(
    "--summary",
    envvar=STEP_SUMMARY,
    type=click.Path(path_type=Path),
    default=None,
    help="Append the conformance report (Markdown) to this file (GitHub Actions"
    " sets GITHUB_STEP_SUMMARY).",
)
@option(
    "--report-dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_REPORTS,
    show_default=True,
    callback=_report_dir,
    help="Where the reports go.",
)
def run_command(**given: Any) -> None:
    """Check a server against every rule of the spec (make fuzz).

    Exit 0: every enforced rule exercised holds; 1: contract violations; 2: could not test.
    """
    sys.exit(cmd_run(given))  # fmt: skip


def _operations(text: str) -> frozenset[str]:
    chosen = frozenset(filter(None, (part.strip() for part in text.split(","))))
    known = [contract.operation_id for contract in spec_operations()]
    unknown = sorted(chosen - set(known))
    if unknown:
        raise OptionsError(
            f"OPERATIONS: no operation {', '.join(map(repr, unknown))}; the operations are"
            f" {', '.join(known)}"
        )
    return chosen


def options_from(given: dict[str, Any]) -> FuzzOptions:
    seed = given["seed"] if given["seed"] is not None else random.SystemRandom().randrange(2**31)
    try:
        transport = build_transport(
            headers=tuple(given["headers"]),
            timeout=given["timeout"],
            ca_bundle=given["ca_bundle"],
            client_cert=given["client_cert"],
            client_key=given["client_key"],
            insecure=given["insecure"],
            proxy=given["proxy"],
            rate_limit=given["rate_limit"],
        )
    except TransportError as exc:
        raise OptionsError(str(exc)) from None
    options = build_options(
        base_url=given["base_url"],
        auth_token=given["auth_token"],
        project_id=given["project_id"],
        job_ids=given["job_ids"],
        other_auth_token=given["other_auth_token"],
        other_project_id=given["other_project_id"],
        other_job_ids=given["other_job_ids"],
        max_examples=given["max_examples"],
        seed=seed,
        mode=given["mode"],
        workers=given["workers"],
        report_dir=given["report_dir"],
        demo=demo_identities(),
        ak=given["ak"],
        sk=given["sk"],
        other_ak=given["other_ak"],
        other_sk=given["other_sk"],
        strict=given["strict"],
        skip_rules=given["skip_rules"],
        rule_ids=rule_ids(spec_operations()),
    )
    return replace(options, transport=transport, operations=_operations(given["operations"]))


def summary(options: FuzzOptions, outcome: Outcome) -> str:
    """What a CI log shows last: broken rules first, the run's shape, one line per group of
    rules not exercised with the knob that would exercise them, and the verdict with how
    much of the contract it covers."""
    report = outcome.report
    lines = ["", "== fuzz summary =="]
    if outcome.code == COULD_NOT_TEST:
        lines += [f"verdict:  COULD NOT TEST (exit 2): {outcome.reason}"]
        return "\n".join(lines)
    assert report is not None
    for rule in report.rules.values():
        if rule.verdict == FAILED:
            lines.append(f"FAILED ({rule.level}): {rule.id}: {', '.join(rule.failures)}")
    for rule in report.rules.values():
        if rule.verdict == WARNING:
            lines.append(f"warning (should): {rule.id}: {', '.join(rule.failures)}")
    seconds = report.fuzz_seconds or 0.0
    rate = f" = {report.fuzz_cases / seconds:.0f} cases/s" if seconds else ""
    lines += [
        f"target:   {report.target}",
        f"seed:     {options.seed}   (the same SEED and options send the same requests)",
        f"fuzzing:  {report.fuzz_cases} generated cases in {seconds:.1f}s{rate}",
        f"probes:   {report.probe_requests} requests, one set per rule of the spec's x-contract",
        f"transforms: {report.transforms_applied} applied (the catalogue's rows on each operation,"
        f" fuzz_harness/transforms.py), {len(report.transforms_failed())} failed",
        "levels:   "
        + (
            "STRICT: should rules fail the run too"
            if options.strict
            else "must rules fail the run, should rules warn (STRICT=1 makes them fail)"
        ),
        f"rules:    {summary_line(report)}",
    ]
    for reason, ids in not_exercised_groups(report):
        shown = ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")
        lines.append(f"  not exercised ({len(ids)}): {reason}: {shown}")
    for rule in report.rules.values():
        if rule.verdict == SKIPPED:
            lines.append(f"  skipped: {rule.id}: {rule.reason}")
    lines += [
        f"report:   {options.report_dir / 'conformance.md'} (and conformance.json, junit.xml)",
        f"verdict:  {verdict_line(report)}",
    ]
    return "\n".join(lines)


def failures_text(report: Report) -> str:
    lines: list[str] = [f"\nhint: {hint}" for hint in report.hints]
    printed = " ".join(f"{f.curl} {f.replay}" for f in report.failures)
    used = [name for name in TOKEN_VARIABLES if re.search(rf"\$\{{?{name}\b", printed)]
    if used:  # said once, before the lines that need it
        lines += [
            "",
            f"To reproduce, export {' '.join(used)} first (the values the run was given: make's"
            " NAME=value reaches the run, not your shell); the curl lines and replay read them",
            "from the environment, and replay signs a signed request anew with AK/SK.",
        ]
    for failure in report.failures:
        times = f" (seen {failure.count}x)" if failure.count > 1 else ""
        kind = "" if report.rules[failure.rule].verdict == FAILED else "warning: "
        lines += ["", f"{failure.id} {kind}[{failure.rule}] {failure.title}{times}"]
        lines += [f"    {line}" for line in failure.detail.strip().splitlines()[:12]]
        if failure.curl:
            lines.append(f"    reproduce: {failure.curl}")
            lines.append(f"    replay:    {failure.replay}")
    return "\n".join(lines)


def check_writable(report_dir: Path, summary: Path | None) -> None:
    """The places a run writes to, tried before a request is sent (not after minutes of it)."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / ".write-test").touch()
        (report_dir / ".write-test").unlink()
    except OSError as exc:
        raise OptionsError(
            f"--report-dir {report_dir}: cannot write there ({exc.strerror})"
        ) from None
    if summary is not None:
        try:
            with summary.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise OptionsError(
                f"--summary / GITHUB_STEP_SUMMARY {summary}: cannot append to it ({exc.strerror})"
            ) from None


def cmd_run(given: dict[str, Any]) -> int:
    try:
        options = options_from(given)
        check_writable(options.report_dir, given["summary"])
        with published_report(options.report_dir) as work_dir:
            return _run(given, replace(options, work_dir=work_dir))
    except OptionsError as exc:
        print(f"fuzz: COULD NOT TEST (exit 2): {exc}", file=sys.stderr)
        return COULD_NOT_TEST


# What a run publishes into its report folder (and removes there first: a file of an earlier
# run must never sit beside this run's verdict).
PUBLISHED = (
    "conformance.md",
    "conformance.json",
    "junit.xml",
    "events.ndjson",
    "cassette.har",
    "schemathesis.log",
    "st-stats.json",
    "failures",
)
LOCK = ".fuzz-run.lock"


@contextmanager
def published_report(report_dir: Path) -> Iterator[Path]:
    """A folder of this run's own to write in, published into ``report_dir`` when the run
    ends, under a lock on ``report_dir``; a run that ends by an exception (Ctrl-C) publishes
    nothing: the previous report stays as it was.

    Two runs writing one folder at once read and removed each other's schemathesis events
    (3 of 3 pairs ended in a traceback or a wrong "could not test"); the second now stops at
    once, in one line. The lock is ``flock`` on a file in the folder: the kernel drops it
    when its holder dies, so a killed run never leaves the folder locked.
    """
    lock = (report_dir / LOCK).open("a")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OptionsError(
                f"another fuzz run is writing its reports to {report_dir}; wait for it, or give"
                " this run a folder of its own with --report-dir"
            ) from None
        work_dir = Path(tempfile.mkdtemp(prefix=".run-", dir=report_dir))
        try:
            try:
                yield work_dir
            except KeyboardInterrupt:
                print(
                    f"fuzz: the previous report in {report_dir} is left as it was", file=sys.stderr
                )
                raise
            for name in PUBLISHED:
                old = report_dir / name
                if old.is_dir():
                    shutil.rmtree(old)
                else:
                    old.unlink(missing_ok=True)
                if (work_dir / name).exists():
                    os.replace(work_dir / name, old)
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
    finally:
        lock.close()


def _say(line: str) -> None:
    print(line, flush=True)


def _run(given: dict[str, Any], options: FuzzOptions) -> int:
    where = options.base_url or "a fresh reference server with demo data"
    if options.transport.insecure:
        print("fuzz: warning: INSECURE: the server's certificate is not verified", flush=True)
    print(
        f"fuzz: {where}, seed {options.seed}, {options.max_examples} examples per phase", flush=True
    )
    try:
        with target_server(options) as base_url:
            outcome = execute(options, base_url, progress=_say)
    except RuntimeError as exc:  # the reference server did not start
        outcome = Outcome(COULD_NOT_TEST, str(exc), None)
    if outcome.report is not None and outcome.report.failures:
        print(failures_text(outcome.report))
    print(summary(options, outcome))
    if given["summary"] is not None and outcome.report is not None:
        with given["summary"].open("a", encoding="utf-8") as out:
            out.write(markdown(outcome.report) + "\n")
    return outcome.code


@click.command("replay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base-url", default=None, help="Send to this server instead of the recorded one.")
def replay_command(file: Path, base_url: str | None) -> None:
    """Send one recorded failure (failures/F<n>.json of a report) again and judge it again.

    Exit 0: it no longer shows; 1: it still does; 2: could not replay.
    """
    from fuzz_harness.replay import replay_file

    sys.exit(replay_file(file, base_url))


@click.group(name="python -m fuzz_harness")
def harness() -> None:
    """The conformance harness of make fuzz."""


harness.add_command(run_command)
harness.add_command(replay_command)


def main(argv: list[str] | None = None) -> int:
    """``python -m fuzz_harness``: the command's exit code; a usage error is one line, exit 2."""
    return run_command_line(harness, str(harness.name), argv)
