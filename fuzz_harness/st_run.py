"""Run the schemathesis CLI as the harness configures it, and read back its findings.

schemathesis runs in its own process (its CLI is its supported interface; ``schemathesis.toml``
and :mod:`fuzz_harness.hooks` configure it). Its console output goes to a log file beside
the report; what the harness needs (every failing check with its request) is read from the
NDJSON event stream it writes, a documented report format.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fuzz_harness.exchange import Request, Signing
from fuzz_harness.hooks import ENV_AK, ENV_JOB_IDS, ENV_OTHER_JOB_IDS, ENV_SK, ENV_STATS
from fuzz_harness.options import FuzzOptions
from jobs_metrics_spec import SPEC_PATH, Contract, contract_at


def shape(problem: str) -> str:
    """A problem with its values and numbers blanked: one failure, however many values show it."""
    first = problem.splitlines()[0] if problem else ""
    return re.sub(r"\[[^\]]*\]|'[^']*'|\"[^\"]*\"|\d+", "#", first)


CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"  # package data
FILTERED = "[Filtered]"

# schemathesis check -> the spec rule a failure of it breaks (others: "fuzz-checks").
# The checks this harness registers with schemathesis (hooks.py): their messages are already
# in this contract's words ("[rule] text" lines).
OUR_CHECKS = frozenset({"jobs_match_known_data"})
CHECK_RULES = {
    "negative_data_rejection": "body-schema-violation",
    "positive_data_acceptance": "valid-request-accepted",
    "unsupported_method": "method-not-allowed",
    "allow_header_conformance": "method-not-allowed",
}


@dataclass
class StFailure:
    """One distinct failure: a check, its message, and the first request that showed it."""

    check: str
    code: str
    title: str
    message: str
    rule: str
    request: Request
    case: dict[str, Any]
    status: int
    count: int = 1
    answer: str = ""  # the answer's content type and first bytes, as the report shows them


@dataclass
class StResult:
    exit_code: int
    cases: int = 0
    seconds: float = 0.0
    failures: list[StFailure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    log: Path | None = None
    # The case count schemathesis' own summary states (None: it stated none), to cross-check
    # the count read from its events.
    reported_cases: int | None = None
    truncated_events: bool = False  # the events file ended in a half-written line


def _st() -> str:
    candidate = Path(sys.executable).parent / "st"
    return str(candidate) if candidate.exists() else "st"


# How often a long schemathesis run says where it is (a CI log shows no other sign of life).
PROGRESS_SECONDS = 15.0


def _cases_so_far(events: Path) -> int:
    """Cases in the finished scenarios of a run in progress (the file is being written: a
    line without its end is not read)."""
    count = 0
    try:
        with events.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.startswith('{"ScenarioFinished"') and line.endswith("\n"):
                    recorder = json.loads(line)["ScenarioFinished"]["recorder"]
                    count += len(recorder.get("cases", {}))
    except (OSError, ValueError, KeyError):
        pass
    return count


def run_schemathesis(
    options: FuzzOptions,
    base_url: str,
    skip_operations: Sequence[Contract] = (),
    progress: Callable[[str], None] | None = None,
) -> StResult:
    """schemathesis over every operation but ``skip_operations`` (those the run cannot
    authenticate to: the signed one without AK/SK)."""
    report = options.scratch_dir
    report.mkdir(parents=True, exist_ok=True)
    ndjson, stats, log = (
        report / "events.ndjson",
        report / "st-stats.json",
        report / "schemathesis.log",
    )
    for stale in (ndjson, stats):
        stale.unlink(missing_ok=True)
    me = options.identity
    env = {
        **os.environ,
        "JM_FUZZ_TOKEN": me.token,
        "JM_FUZZ_PROJECT_ID": me.project_id,
        ENV_AK: me.access_key,
        ENV_SK: me.secret_key,
        ENV_JOB_IDS: str(me.job_ids),
        ENV_OTHER_JOB_IDS: str(options.other.job_ids) if options.other else "",
        ENV_STATS: str(stats),
    }
    command = [
        _st(), "--config-file", str(CONFIG), "run", str(SPEC_PATH),
        "--url", base_url,
        "--max-examples", str(options.max_examples),
        "--seed", str(options.seed),
        "--mode", options.mode,
        "--workers", str(options.workers),
        "--continue-on-failure",
        "--no-color",
        # No schemathesis JUnit: the harness writes junit.xml with one test case per rule.
        "--report", "ndjson,har",
        "--report-dir", str(report),
        "--report-ndjson-path", str(ndjson),
        "--report-har-path", str(report / "cassette.har"),
        *(arg for c in skip_operations for arg in ("--exclude-operation-id", c.operation_id)),
        *options.transport.st_arguments(),
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        started = time.monotonic()
        while True:
            try:
                code = process.wait(timeout=PROGRESS_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if progress is not None:
                    done = _cases_so_far(ndjson)
                    progress(
                        f"fuzz: schemathesis still running, {time.monotonic() - started:.0f} s,"
                        f" {done} cases so far"
                    )
            except BaseException:  # Ctrl-C: schemathesis goes too
                process.kill()
                process.wait()
                raise
    result = StResult(exit_code=code, log=log)
    stated = _GENERATED.findall(log.read_text(errors="replace")) if log.exists() else []
    result.reported_cases = int(stated[-1]) if stated else None
    if ndjson.exists():
        read_events(ndjson, base_url, result)
    if stats.exists():
        result.stats = json.loads(stats.read_text())
    return result


# schemathesis' summary: "Test cases:" then "  313 generated, 313 passed".
_GENERATED = re.compile(r"^\s+(\d+) generated\b", re.M)


def read_events(path: Path, base_url: str, result: StResult) -> None:
    """Fill ``result`` from schemathesis' NDJSON events: cases, distinct failures, errors.

    A last line that is not JSON (a file read while written, or cut by a full disk) is
    noted, not fatal: the caller compares the cases counted with schemathesis' own summary
    and calls a mismatch "could not test"."""
    distinct: dict[tuple[str, str], StFailure] = {}
    base_path = urlsplit(base_url).path.rstrip("/")
    with path.open(encoding="utf-8", errors="replace") as events:
        for line in events:
            try:
                event = json.loads(line)
            except ValueError:
                result.truncated_events = True
                break
            if "ScenarioFinished" in event:
                recorder = event["ScenarioFinished"]["recorder"]
                result.cases += len(recorder.get("cases", {}))
                _collect(recorder, base_path, distinct)
            elif "NonFatalError" in event:
                error = event["NonFatalError"]
                result.errors.append(str(error.get("info", {}).get("message") or error)[:500])
            elif "EngineFinished" in event:
                result.seconds = float(event["EngineFinished"].get("running_time", 0.0))
    result.failures = list(distinct.values())


def _collect(
    recorder: dict[str, Any], base_path: str, distinct: dict[tuple[str, str], StFailure]
) -> None:
    for case_id, checks in recorder.get("checks", {}).items():
        for check in checks:
            if check.get("status") != "failure":
                continue
            failure = check.get("failure_info", {}).get("failure", {})
            interaction = recorder.get("interactions", {}).get(case_id) or {}
            request, status = _request(interaction, base_path)
            answer = _answer_text(interaction)
            case = recorder.get("cases", {}).get(case_id, {}).get("value", {})
            message = str(failure.get("message") or failure.get("title") or "")
            contract = contract_at(request.path)
            operation = contract.operation_id if contract else ""
            for rule, text in _rules_of(check["name"], message, status):
                # per operation: the same check failing on both is two findings (two rows)
                key = (check["name"], f"{operation} {rule}: {shape(text)}")
                if key in distinct:
                    distinct[key].count += 1
                    continue
                distinct[key] = StFailure(
                    check=check["name"],
                    code=str(failure.get("code") or ""),
                    title=str(failure.get("title") or check["name"]),
                    message=text,
                    rule=rule,
                    request=request,
                    case=_placeholders(case),
                    status=status,
                    answer=answer,
                )


def _rules_of(check: str, message: str, status: int) -> list[tuple[str, str]]:
    if check in OUR_CHECKS:
        found = []
        for line in message.splitlines():
            if line.startswith("[") and "] " in line:
                rule, _, text = line[1:].partition("] ")
                found.append((rule, text))
        return found or [("fuzz-checks", message)]
    if check == "response_schema_conformance":
        return [("response-schema" if status == 200 else "error-body-schema", message)]
    return [(CHECK_RULES.get(check, "fuzz-checks"), message)]


# Headers of a signed request that its Signing makes anew when it is sent again.
SIGNATURE_HEADERS = {"authorization", "x-sdk-date", "host", "x-auth-token"}


def _request(interaction: dict[str, Any], base_path: str) -> tuple[Request, int]:
    raw = interaction.get("request") or {}
    uri = urlsplit(raw.get("uri", ""))
    path = uri.path[len(base_path) :] if base_path and uri.path.startswith(base_path) else uri.path
    if uri.query:
        path += "?" + uri.query
    headers = []
    for name, values in (raw.get("headers") or {}).items():
        for value in values:
            headers.append((name, "$AUTH_TOKEN" if value == FILTERED else value))
    body = raw.get("body")
    data = (
        base64.b64decode(body["$base64"]) if isinstance(body, dict) and "$base64" in body else None
    )
    status = int(((interaction.get("response") or {}).get("status_code")) or 0)
    contract = contract_at(path)
    if (
        contract is not None and contract.signed
    ):  # sent again, it is signed again (a signature holds the time it was made)
        headers = [(n, v) for n, v in headers if n.lower() not in SIGNATURE_HEADERS]
        request = Request(raw.get("method", "POST"), path, tuple(headers), data, signing=Signing())
        return request, status
    return Request(raw.get("method", "POST"), path, tuple(headers), data), status


def _answer_text(interaction: dict[str, Any]) -> str:
    """``HTTP 200 application/json: {...}`` of a recorded answer (its first 300 bytes): the
    part of the answer a reader of the finding needs, as the probes' findings show it."""
    response = interaction.get("response") or {}
    status = response.get("status_code") or 0
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    kind = (headers.get("content-type") or ["(no content type)"])[0]
    content = response.get("content") or response.get("body")
    raw = b""
    if isinstance(content, dict) and "$base64" in content:
        raw = base64.b64decode(content["$base64"])
    elif isinstance(content, str):
        raw = content.encode()
    shown = raw[:300].decode("utf-8", "replace") + (" ..." if len(raw) > 300 else "")
    return f"HTTP {status} {kind}: {shown}" if raw else f"HTTP {status} {kind} (no body)"


def _placeholders(case: dict[str, Any]) -> dict[str, Any]:
    headers = {
        k: ("$AUTH_TOKEN" if v == FILTERED else v) for k, v in (case.get("headers") or {}).items()
    }
    return {
        "method": case.get("method"),
        "path": case.get("path"),
        "path_parameters": case.get("path_parameters") or {},
        "query": case.get("query") or {},
        "headers": headers,
        "body": case.get("body"),
        "media_type": case.get("media_type"),
    }
