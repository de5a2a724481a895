"""One fuzz run, end to end: check the target, probe every rule, fuzz, judge, report.

1. Preflight: the server answers, and a known-good request with each token is accepted;
   otherwise the run stops with exit 2 and one line saying why (nothing was tested).
2. Probes: for every rule of the spec's ``x-contract``, requests breaking exactly that rule.
3. Fuzzing: schemathesis with this API's hooks and checks, all failures collected.
4. Report: one verdict per rule, every distinct failure with a curl line and a replay file.

Exit codes: 0 the server conforms to every rule exercised, 1 violations, 2 could not test.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from fuzz_harness import recheck as rechecking
from fuzz_harness import report as reporting
from fuzz_harness import transforms
from fuzz_harness.consistency import RULES as CONSISTENCY_RULES
from fuzz_harness.consistency import run_checks
from fuzz_harness.exchange import Answer, Request, Sender, curl
from fuzz_harness.jobids import JobIdSet
from fuzz_harness.judge import (
    THROTTLED,
    Verdicts,
    describe,
    judge_body,
    judge_jobs,
    judge_refusal,
    judge_throttled,
    judge_times,
    schema_problems,
)
from fuzz_harness.options import FuzzOptions, Identity
from fuzz_harness.probes import Probe, Skipped, all_probes, post, some_ids
from fuzz_harness.report import FUZZ_RULE, Failure, Report, Scope, scopes
from fuzz_harness.server_process import ServerProcess
from fuzz_harness.st_run import OUR_CHECKS, StFailure, StResult, run_schemathesis, shape
from jobs_metrics_spec import MUST, Contract, spec_operations

CONFORMS, VIOLATIONS, COULD_NOT_TEST = 0, 1, 2
NO_KEYS = (
    "no AK/SK given: requests to this operation are signed with an access key of PROJECT_ID"
    " and its secret key (make fuzz AK=... SK=...)"
)
NOT_CHOSEN = "left out by OPERATIONS (make fuzz OPERATIONS=... chooses the operations tested)"


@dataclass
class Outcome:
    code: int
    reason: str
    report: Report | None


@contextmanager
def target_server(
    options: FuzzOptions, module: str = "reference_server", extra_args: tuple[str, ...] = ()
) -> Iterator[str]:
    """The URL to fuzz: the user's, or a fresh reference server (``module``) stopped after."""
    if options.base_url:
        yield options.base_url
        return
    with (
        tempfile.TemporaryDirectory(prefix="fuzz-db-") as tmp,
        ServerProcess(
            Path(tmp) / "reference.sqlite3", module=module, extra_args=extra_args
        ) as server,
    ):
        yield server.base_url


def execute(
    options: FuzzOptions,
    base_url: str,
    contracts: Sequence[Contract] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """One run over every operation of the spec (``contracts``: the spec's, CS first);
    ``progress`` is told what the run is doing (a command prints it: a CI log's sign of
    life on a long run)."""
    say = progress or (lambda _: None)
    contracts = tuple(contracts or spec_operations())
    sender = Sender(base_url, options.secrets, options.transport)
    plan = [(scope, for_operation(scope.contract, options)) for scope in scopes(contracts)]
    try:
        for scope, scoped in plan:
            reason = preflight(sender, scope.contract, scoped) if scoped else None
            if reason:
                return Outcome(COULD_NOT_TEST, reason, None)
        label = base_url if options.base_url else f"{base_url} (reference server, demo data)"
        report = reporting.new_report(
            contracts, label, options.seed, strict=options.strict, skip=options.skip_rules
        )
        shutil.rmtree(options.scratch_dir / "failures", ignore_errors=True)
        exercised = {scope.contract.operation_id: scope for scope, scoped in plan if scoped}
        for scope, scoped in plan:
            if scoped is None:
                left_out = (
                    options.operations and scope.contract.operation_id not in options.operations
                )
                _not_exercised(report, scope, NOT_CHOSEN if left_out else NO_KEYS)
                continue
            say(f"fuzz: probing {scope.contract.operation_id} ({len(scope.contract.rules)} rules)")
            run_probes(sender, scope, scoped, report)
            replaced = exercised.get(scope.contract.replaces or "")
            run_consistency(sender, scope, scoped, report, replaced.contract if replaced else None)
        report.probe_requests = sender.sent
        skipped = [scope.contract for scope, scoped in plan if scoped is None]
        st = (
            None
            if FUZZ_RULE in options.skip_rules
            else run_schemathesis(options, base_url, skip_operations=skipped, progress=progress)
        )
        problem = merge_fuzzing(st, report, options, sender, [s for s, _ in plan])
        if problem:
            return Outcome(COULD_NOT_TEST, problem, report)
        _judge_throttling(sender, report, options, [s for s, _ in plan])
        if sender.gave_up:
            return Outcome(COULD_NOT_TEST, throttled_throughout(sender), report)
        absent = _absent_known_jobs(sender, report, plan)
        if absent:
            report.hints.append(
                f"JOB_IDS names jobs the server never returns, even asked alone: {absent[:5]}."
                " Is each in JOB_IDS on purpose? JOB_IDS must list jobs that exist in"
                " PROJECT_ID; the jobs-found-in-order failures below may all be this one cause."
            )
    finally:
        sender.close()
    reporting.write(report, options.scratch_dir)
    code = CONFORMS if report.conforms else VIOLATIONS
    return Outcome(code, "", report)


def throttled_throughout(sender: Sender) -> str:
    return (
        f"{sender.gave_up} request{'s were' if sender.gave_up > 1 else ' was'} still throttled"
        " (429) after every try: the server throttles this run, so its rules cannot be judged"
        " - lower RATE_LIMIT (requests a second) or ask for a higher limit"
    )


def _judge_throttling(
    sender: Sender, report: Report, options: FuzzOptions, all_scopes: Sequence[Scope]
) -> None:
    """Each 429 the run met, judged by its operation's ``throttled`` rule (a server that never
    throttles leaves the rule not exercised, which is no failure)."""
    for path, answer in sender.throttled:
        scope = _scope_of(path, all_scopes)
        key = scope.key(THROTTLED)
        if key not in report.rules or options.skips(key):
            continue
        verdicts = judge_throttled(scope.contract, answer)
        report.rules[key].exercised += 1
        for problem in verdicts.problems.get(THROTTLED, []):
            failure_id = f"F{len(report.failures) + 1}"
            _record(
                report,
                Failure(failure_id, key, "throttle", f"a 429 not the gateway's: {problem[:120]}",
                        f"{problem}\nanswer: {describe(answer)}", "", ""),
            )  # fmt: skip
            break
    for scope in all_scopes:
        rule = report.rules.get(scope.key(THROTTLED))
        if rule is not None and not rule.exercised and not rule.reason:
            rule.reason = "the server never throttled (429) this run: that conforms"


# At most this many ranges of JOB_IDS are asked about when a known job went missing.
ABSENT_CHECK_RANGES = 20


def _absent_known_jobs(
    sender: Sender, report: Report, plan: Sequence[tuple[Scope, FuzzOptions | None]]
) -> list[int]:
    """The known jobs (the ends of JOB_IDS' ranges, which the probes ask for) that the
    server does not return when asked alone, once ``jobs-found-in-order`` failed: the likely
    cause is a JOB_IDS that names jobs the data does not hold (the README's own example did),
    which is said once rather than as one finding per rule."""
    broken = [key for key, rule in report.rules.items()
              if key.rsplit("/", 1)[-1] == "jobs-found-in-order" and rule.failures]  # fmt: skip
    chosen = next(((scope, scoped) for scope, scoped in plan if scoped is not None), None)
    if not broken or chosen is None:
        return []
    scope, options = chosen
    ends = sorted({end for pair in options.identity.job_ids.ranges[:ABSENT_CHECK_RANGES]
                   for end in pair})  # fmt: skip
    absent = []
    for job_id in ends:
        answer = sender.send(post(scope.contract, options.identity, {"job_ids": [job_id]}))
        jobs = scope.contract.jobs_of(answer.json()) if answer.status == 200 else None
        if isinstance(jobs, list) and not jobs:
            absent.append(job_id)
    return absent


def for_operation(contract: Contract, options: FuzzOptions) -> FuzzOptions | None:
    """The run's options for one operation, or None when it cannot be exercised: one left
    out by OPERATIONS; a signed operation needs an AK/SK pair of PROJECT_ID (and of
    OTHER_PROJECT_ID for the second identity's probes, else those are left out)."""
    if options.operations and contract.operation_id not in options.operations:
        return None
    if not contract.signed:
        return options
    if not options.identity.signs:
        return None
    if options.other is not None and not options.other.signs:
        return replace(options, other=None)
    return options


def _not_exercised(report: Report, scope: Scope, reason: str) -> None:
    for rule in scope.contract.rules:
        result = report.rules[scope.key(rule.id)]
        if not result.skipped and not rule.untestable:
            result.reason = reason


def not_this_api(answer: Answer, contract: Contract) -> str | None:
    """What is wrong with the answer to the canonical valid request if it is not an answer of
    this operation at all, or None: a 200 in the operation's envelope, or a refusal in its
    error body (a server of this API refusing a valid request is judged by the probes)."""
    body = answer.json()
    if answer.status == 200:
        # This API's envelope, whatever its flaws (a job of another project, a field of the
        # wrong type: the rules judge those): a valid answer, or one holding the member the
        # operation keeps its jobs in (`payload`, `metrics`).
        # An empty body is a broken answer of a server on this path, judged by the rules;
        # another document (an HTML page a catch-all route serves) is another server's.
        if not answer.body.strip() or (
            isinstance(body, dict)
            and (
                contract.jobs_pointer[0] in body
                or not schema_problems(contract, contract.success_schema, body)
            )
        ):
            return None
        return f"an HTTP 200 that is not a {contract.success_schema} ({describe(answer)})"
    if answer.status in (404, 405) or 300 <= answer.status < 400:
        return describe(answer)  # the path is not there: this API would answer it
    if isinstance(body, dict) and isinstance(body.get(contract.error_code_field), str):
        return None
    return describe(answer)


def preflight(sender: Sender, contract: Contract, options: FuzzOptions) -> str | None:
    """Why nothing can be tested (unreachable, another server or path, a token or key
    refused), or None.

    A wrong BASE_URL (another server on the port, ``/v1.0`` written twice) used to be
    reported as about a hundred contract violations; a run only starts once the canonical
    request got an answer of this API."""
    # A known-good request refused by a rule about credentials is a setup problem (exit 2),
    # not a finding: the spec's `family` says which rules those are.
    auth_ids = {
        rule.error_id for rule in contract.rules if rule.about_credentials and rule.error_id
    }
    rng = random.Random(options.seed)
    identities = [options.identity, *([options.other] if options.other else [])]
    for identity in identities:
        answer = sender.send(post(contract, identity, {"job_ids": some_ids(rng, identity, 1)}))
        if answer.error:
            return f"could not reach {sender.base_url}: {answer.error}"
        if sender.gave_up:
            return throttled_throughout(sender)
        body = answer.json()
        error_id = body.get(contract.error_code_field) if isinstance(body, dict) else None
        if answer.status in (401, 403) or error_id in auth_ids:
            project = "PROJECT_ID" if identity.variable == "AUTH_TOKEN" else "OTHER_PROJECT_ID"
            if contract.signed:
                who = f"{identity.ak_variable}/{identity.sk_variable}"
                hint = "check the access key, its secret key and the project it belongs to"
            else:
                who, hint = identity.variable, "check the token and the project it was issued for"
            return (
                f"{who} was refused on a known-good request to {contract.operation_id} for"
                f" {project} {identity.project_id}: HTTP {answer.status} {error_id or ''}".rstrip()
                + f" - {hint}"
            )
        wrong = not_this_api(answer, contract)
        if wrong:
            wrong = " ".join(wrong.split())[:200]  # one line, whatever the body held
            path = contract.path.format(project_id=identity.project_id)
            return (
                f"{sender.base_url} is not this API: POST {path} ({contract.operation_id}) got"
                f" {wrong} - check BASE_URL (the server and its path prefix: the harness adds"
                f" {contract.path.split('{')[0]}... itself)"
            )
    return None


def run_probes(sender: Sender, scope: Scope, options: FuzzOptions, report: Report) -> None:
    """Send every probe; re-check each failure before it is reported (:mod:`recheck`)."""
    contract = scope.contract
    found: dict[tuple[str, str], Failure] = {}
    unsettled: dict[str, list[Unsettled]] = {rechecking.REUSED: [], rechecking.INTERMITTENT: []}
    previous_name = "the preflight request"
    transformed = transform_probes(sender, contract, options)
    report.transforms_applied += len(transformed)
    items = [*all_probes(contract, options, (*CONSISTENCY_RULES, rechecking.RULE)), *transformed]
    for item in items:
        if options.skips(scope.key(item.rule)):
            continue
        result = report.rules[scope.key(item.rule)]
        if isinstance(item, Skipped):
            result.reason = result.reason or item.reason
            continue
        result.probes += 1
        answer = sender.send(item.request)
        previous, previous_name, name = (
            sender.previous,
            f"probe {scope.key(item.rule)}: {item.name}",
            previous_name,
        )
        verdicts = _keyed(judge_probe(contract, options, item, answer), scope, options, report)
        for rule_id in verdicts.exercised:
            report.rules[rule_id].exercised += 1
        new = {
            rule_id: problems
            for rule_id, problems in verdicts.problems.items()
            if (rule_id, shape(problems[0])) not in found
        }
        for rule_id, problems in verdicts.problems.items():
            if rule_id not in new:
                found[(rule_id, shape(problems[0]))].count += 1
        if not new:
            continue

        def fails(
            again: Answer, rules: frozenset[str] = frozenset(new), item: Probe = item
        ) -> bool:
            judged = _keyed(judge_probe(contract, options, item, again), scope, options, report)
            return bool(rules & judged.problems.keys())

        checked = rechecking.recheck(sender, item.request, previous, fails)
        if checked.kind != rechecking.CONSISTENT:
            after = f" (right after {name})" if checked.kind == rechecking.REUSED else ""
            broken = "; ".join(
                f"[{rule_id}] {problems[0][:200]}" for rule_id, problems in new.items()
            )
            unsettled[checked.kind].append(
                Unsettled(
                    f"probe {scope.key(item.rule)}: {item.name}{after}: {broken}; {checked.text}",
                    item.request,
                    tuple(new),
                )
            )
            continue
        for rule_id, problems in new.items():
            found[(rule_id, shape(problems[0]))] = add_failure(
                report,
                options,
                sender.base_url,
                rule=rule_id,
                source="probe",
                title=f"probe {scope.key(item.rule)}: {item.name}",
                detail="\n".join(problems) + f"\nanswer: {describe(answer)}\n{checked.text}",
                request=item.request,
                replay={
                    "operation": contract.operation_id,
                    "probe_rule": item.rule,
                    "asker": item.asker.variable if item.asker else None,
                    "floor": item.floor,
                    "bodiless": item.bodiless,
                    "redirect_to": item.redirect_to,
                },
            )
    _report_unsettled(report, unsettled, options, sender.base_url, scope.key(rechecking.RULE))


NOT_REPRODUCED = "not reproduced"
UNSETTLED_TITLES = {
    rechecking.REUSED: "answers depend on the request before them on a keep-alive connection",
    rechecking.INTERMITTENT: "intermittent failures: the same request passes when sent again",
    NOT_REPRODUCED: "schemathesis failures that a fresh connection does not reproduce"
    " (intermittent, or dependent on the requests before them)",
}


@dataclass(frozen=True)
class Unsettled:
    """A failure that did not come back the same way when its request was sent again."""

    text: str
    request: Request
    rules: tuple[str, ...]  # the rules it looked like a failure of


def transform_probes(sender: Sender, contract: Contract, options: FuzzOptions) -> list[Probe]:
    """The catalogue's rows applied to this operation's valid request (fuzz_harness.
    transforms): the canonical request is sent first, and a meaning-preserving row must get
    exactly its jobs; a row that breaks the grammar must get its rule's refusal."""
    rng = random.Random(options.seed + 30)
    me = options.identity
    canonical = post(contract, me, {"job_ids": some_ids(rng, me, 2)})
    answer = sender.send(canonical)
    jobs = contract.jobs_of(answer.json()) if answer.status == 200 else None
    expected = tuple(jobs) if isinstance(jobs, list) else None
    probes = []
    for name, row, request in transforms.applied(contract, canonical, rng):
        same = row.relation == transforms.SAME
        probes.append(
            Probe(row.rule(), name, request, me if same else None,
                  expected_jobs=expected if same else None)
        )  # fmt: skip
    return probes


def _report_unsettled(
    report: Report,
    unsettled: dict[str, list[Unsettled]],
    options: FuzzOptions,
    base_url: str,
    key: str = rechecking.RULE,
) -> None:
    """One finding per kind of connection-dependent failure, listing where it showed.

    It names the rules the requests seemed to break (a must rule such as token-missing
    failing only on a reused connection is state kept across requests, not noise) and
    carries a curl line of the first request.
    """
    if key in report.rules and not report.rules[key].skipped:
        report.rules[key].exercised += 1
    for kind, seen in unsettled.items():
        if not seen or report.rules[key].skipped:
            continue
        failure_id = f"F{len(report.failures) + 1}"
        rules = sorted({rule for item in seen for rule in item.rules})
        files = options.report_dir.resolve() / "failures"
        _record(
            report,
            Failure(
                id=failure_id,
                rule=key,
                source="recheck",
                title=f"{UNSETTLED_TITLES[kind]}: {len(seen)} requests, seen under"
                f" {', '.join(rules)}",
                detail="\n".join(item.text for item in seen[:20])
                + "\n(reported once here, not under each of those rules: sent again, the"
                " requests did not fail the same way; the curl line is the first request)",
                curl=curl(seen[0].request, base_url, files, failure_id),
                replay="",
            ),
        )


def _keyed(verdicts: Verdicts, scope: Scope, options: FuzzOptions, report: Report) -> Verdicts:
    """Verdicts by report row: the operation's keys, without skipped rows or rules the
    operation does not have (the CS time rule on the successor's answers)."""
    keyed = Verdicts()
    for rule_id in verdicts.exercised:
        key = scope.key(rule_id)
        if key in report.rules and not options.skips(key):
            keyed.exercised.add(key)
    for rule_id, problems in verdicts.problems.items():
        key = scope.key(rule_id)
        if key in report.rules and not options.skips(key):
            keyed.problems[key] = problems
    return keyed


def run_consistency(
    sender: Sender,
    scope: Scope,
    options: FuzzOptions,
    report: Report,
    replaced: Contract | None = None,
) -> None:
    """The rules that compare answers with each other (:mod:`fuzz_harness.consistency`)."""
    checked = run_checks(
        sender.send, scope.contract, options, random.Random(options.seed), replaced
    )
    for rule_id in checked.exercised:
        if not options.skips(scope.key(rule_id)):
            report.rules[scope.key(rule_id)].exercised += 1
    for rule_id, reason in checked.not_exercised.items():
        key = scope.key(rule_id)
        if not options.skips(key) and not report.rules[key].exercised:
            report.rules[key].reason = reason
    for finding in checked.findings:
        key = scope.key(finding.rule)
        if options.skips(key):
            continue
        add_failure(
            report,
            options,
            sender.base_url,
            rule=key,
            source="consistency",
            title=finding.title,
            detail=finding.detail,
            request=finding.request,
            replay={"seed": options.seed, "operation": scope.contract.operation_id},
        )


def judge_probe(
    contract: Contract,
    options: FuzzOptions,
    probe: Probe,
    answer: Answer,
    now_ms: int | None = None,
) -> Verdicts:
    rule = contract.rule(probe.rule)
    verdicts = Verdicts()
    verdicts.exercised.add(rule.id)
    if probe.redirect_to and _redirects_to(answer, probe.redirect_to):
        return verdicts  # a redirect to the operation's own path (see Probe.redirect_to)
    if probe.asker is None:
        problems = judge_refusal(
            rule, answer, bodiless=probe.bodiless, code_field=contract.error_code_field
        )
        if probe.floor:
            verdicts.exercised.add(probe.floor)
            if problems and not _refused(answer, rule.status, contract.error_code_field):
                for problem in problems:
                    verdicts.fail(probe.floor, f"{probe.name}: not refused: {problem}")
                problems = []
        for problem in problems:
            verdicts.fail(rule.id, f"{probe.name}: {problem}")
    elif answer.status != 200:
        verdicts.fail(rule.id, f"{probe.name}: expected HTTP 200, got {describe(answer)}")
    if not probe.bodiless:
        envelope = judge_body(contract, answer)
        if rule.level != MUST and probe.asker is None:
            # A should rule's refusal may come from the deployment (a proxy's own 400 page):
            # its envelope is part of that rule's verdict, a warning like the rule. (An
            # accepted request's 200 stays held to the must rule response-schema.)
            for problems_of_rule in envelope.problems.values():
                for problem in problems_of_rule:
                    verdicts.fail(rule.id, f"{probe.name}: {problem}")
            envelope = Verdicts(exercised=envelope.exercised)
        verdicts.merge(envelope)
    if answer.status >= 500 and rule.level != MUST:
        # A should rule says which refusal; a server error is never one (fuzz-checks: no 5xx).
        verdicts.fail(FUZZ_RULE, f"{probe.name}: the server failed: {describe(answer)}")
    now = now_ms if now_ms is not None else time.time_ns() // 1_000_000
    verdicts.merge(judge_times(answer, now))
    if probe.expected_jobs is not None and answer.status == 200:
        jobs = contract.jobs_of(answer.json())
        if not isinstance(jobs, list) or tuple(jobs) != probe.expected_jobs:
            got = [job.get("job_id") for job in jobs if isinstance(job, dict)] if jobs else jobs
            verdicts.fail(
                rule.id,
                f"{probe.name}: the jobs differ from the canonical request's (the same request"
                f" in another spelling): got {str(got)[:200]}",
            )
    if probe.asker is not None and answer.status == 200:
        # Decimal: the requested IDs exactly (9223372036854775807.0 is 2^63-1, which a
        # double would read as 2^63 and then call the job unrequested).
        body = json.loads(probe.request.body or b"{}", parse_float=Decimal)
        known, foreign = probe.asker.job_ids, _foreign_for(options, probe.asker)
        requested = body.get("job_ids", [])
        verdicts.merge(judge_jobs(requested, answer, known, foreign, contract.jobs_pointer))
    return verdicts


def _redirects_to(answer: Answer, path: str) -> bool:
    location = urlsplit(answer.header("location") or "").path
    return answer.status in (307, 308) and location.endswith(path)


def _refused(answer: Answer, status: int | None, code_field: str) -> bool:
    """A refusal with the error body: what the floor rule of a probe requires, whatever code."""
    body = answer.json()
    return (
        answer.status == status and isinstance(body, dict) and isinstance(body.get(code_field), str)
    )


def _foreign_for(options: FuzzOptions, asker: Identity) -> JobIdSet:
    if options.other is None:
        return JobIdSet()
    return options.other.job_ids if asker is options.identity else options.identity.job_ids


def add_failure(
    report: Report,
    options: FuzzOptions,
    base_url: str,
    *,
    rule: str,
    source: str,
    title: str,
    detail: str,
    request: Request,
    replay: dict[str, object],
    count: int = 1,
) -> Failure:
    """Record one distinct failure: its replay file, its curl line, its place under its rule."""
    failure_id = f"F{len(report.failures) + 1}"
    files = options.report_dir.resolve() / "failures"  # where the file is once published
    write_replay(
        options.scratch_dir / "failures" / f"{failure_id}.json",
        {"id": failure_id, "source": source, "rule": rule, "request": request.to_json(), **replay},
        options,
        base_url,
    )
    replay_file = files / f"{failure_id}.json"
    failure = Failure(
        id=failure_id,
        rule=rule,
        source=source,
        title=title,
        detail=detail,
        curl=curl(request, base_url, files, failure_id),
        replay=replay_command(replay_file),
        count=count,
    )
    _record(report, failure)
    return failure


def _record(report: Report, failure: Failure) -> None:
    report.failures.append(failure)
    report.rules[failure.rule].failures.append(failure.id)


def write_replay(path: Path, data: dict[str, object], options: FuzzOptions, base_url: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        **data,
        "base_url": base_url if options.base_url else None,  # None: a fresh reference server
        "job_ids": str(options.identity.job_ids),
        "other_job_ids": str(options.other.job_ids) if options.other else "",
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def replay_command(path: Path) -> str:
    return f"{sys.executable} -m fuzz_harness replay {path}"


def _st_title(found: StFailure, rule: str) -> str:
    """A schemathesis finding in this contract's words: the rule's own message for our checks
    (``ST901 Custom check failed: jobs_match_known_data`` said nothing), schemathesis' title
    and check for its own."""
    if found.check in OUR_CHECKS:
        first = found.message.strip().splitlines()[0] if found.message.strip() else rule
        return f"a generated request: {first[:160]}"
    return f"a generated request: {found.title} (schemathesis {found.check}, {found.code})"


def _scope_of(path: str, all_scopes: Sequence[Scope]) -> Scope:
    """The operation a request went to (by its path; the first operation otherwise)."""
    for scope in all_scopes:
        if scope.contract.matches(path):
            return scope
    return all_scopes[0]


def merge_fuzzing(
    st: StResult | None,
    report: Report,
    options: FuzzOptions,
    sender: Sender,
    all_scopes: Sequence[Scope],
) -> str | None:
    """Fold schemathesis' findings into the rules; a run that tested nothing is exit 2.

    Each distinct failure is sent again on a fresh connection first: one whose status does
    not come back (a keep-alive desync, a 500 one time in 20) is reported once under
    ``connection-stable``, not under the check that happened to see it.
    """
    if st is None:
        return None
    base_url = sender.base_url
    report.fuzz_cases, report.fuzz_seconds = st.cases, st.seconds
    if st.cases == 0:
        tail = st.log.read_text(errors="replace")[-1500:] if st.log and st.log.exists() else ""
        log = options.report_dir / st.log.name if st.log else "none"  # where it is published
        return f"schemathesis ran no case (exit {st.exit_code}); its log ({log}) ends:\n{tail}"
    if st.truncated_events or (st.reported_cases is not None and st.reported_cases != st.cases):
        stated = "no count" if st.reported_cases is None else f"{st.reported_cases} cases"
        return (
            f"schemathesis' events do not match its summary ({stated} stated, {st.cases} read"
            f"{', the file ends in a half-written line' if st.truncated_events else ''}):"
            " its findings cannot be trusted whole; run again (one run per --report-dir)"
        )
    report.rules[FUZZ_RULE].exercised += st.cases
    by_operation = {scope.contract.operation_id: scope for scope in all_scopes}
    with_jobs = 0
    for name, count in st.stats.items():
        operation, _, rule_id = name.rpartition("/")  # hooks count per operation
        scope = by_operation.get(operation)
        if scope is None:
            continue
        if rule_id == "answers_with_jobs":
            rule_id, with_jobs = "response-schema", with_jobs + count
        key = scope.key(rule_id)
        if key in report.rules and not options.skips(key):
            report.rules[key].exercised += count
    unsettled: list[Unsettled] = []
    for found in st.failures:
        if found.status == 429:  # throttled: judged by `throttled`, says nothing of the check
            continue
        key = _scope_of(found.request.path, all_scopes).key(found.rule)
        rule = key if key in report.rules else FUZZ_RULE
        if options.skips(rule):
            continue
        statuses = [sender.send_fresh(found.request)[0].status for _ in range(2)]
        if found.status and all(status != found.status for status in statuses):
            unsettled.append(
                Unsettled(
                    f"schemathesis {found.check} ({found.title}): HTTP {found.status} once,"
                    f" then HTTP {' and '.join(map(str, statuses))} on fresh connections",
                    found.request,
                    (rule,),
                )
            )
            continue
        add_failure(
            report,
            options,
            base_url,
            rule=rule,
            source="schemathesis",
            title=_st_title(found, rule),
            detail=f"{found.message.strip()[:1500]}\nanswer: {found.answer or found.status}",
            request=found.request,
            replay={"check": found.check, "case": found.case},
            count=found.count,
        )
    _report_unsettled(report, {NOT_REPRODUCED: unsettled}, options, base_url)
    for error in st.errors:
        failure_id = f"F{len(report.failures) + 1}"
        _record(
            report,
            Failure(
                failure_id, FUZZ_RULE, "schemathesis", "the server gave no answer", error, "", ""
            ),
        )
    if with_jobs == 0 and options.identity.job_ids:
        report.notes.append(
            "No generated request's answer held a job, though JOB_IDS was given: check that"
            " those jobs exist in PROJECT_ID."
        )
    return None
