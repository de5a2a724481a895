"""The conformance report: one row per rule, with its level, its probes and its verdict.

A rule is ``passed`` only if at least one request exercised it and none broke it; ``failed``
if a request broke a rule the run enforces (every ``must`` rule, and ``should`` rules in strict
mode); ``warning`` if a request broke a ``should`` rule of a run that does not enforce them;
``skipped`` if the user excluded it (``--skip-rule``), never ``passed``; ``not exercised``
otherwise, with the reason. Written as ``conformance.json`` (for machines),
``conformance.md`` (for people and CI job summaries) and ``junit.xml`` (one test case per
rule, for CI test reports); each distinct failure also gets a replay file in ``failures/``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from jobs_metrics_spec import MUST, Contract

PASSED, FAILED, WARNING, NOT_EXERCISED, SKIPPED = (
    "passed",
    "failed",
    "warning",
    "not exercised",
    "skipped",
)
VERDICTS = (PASSED, FAILED, WARNING, NOT_EXERCISED, SKIPPED)
FUZZ_RULE = "fuzz-checks"
FUZZ_RULE_TEXT = (
    "schemathesis' checks on generated requests: no 5xx, documented status codes, content"
    " types and headers, schema-valid requests accepted, invalid ones refused"
)
SKIP_OPTION = "--skip-rule (SKIP_RULES)"


@dataclass
class Failure:
    id: str
    rule: str
    source: str  # "probe", "consistency", "schemathesis" or "recheck"
    title: str
    detail: str
    curl: str
    replay: str
    count: int = 1


@dataclass
class RuleResult:
    id: str
    when: str
    expected: str
    level: str = MUST
    enforced: bool = True  # a broken rule fails the run (must, or should in strict mode)
    probes: int = 0
    exercised: int = 0
    failures: list[str] = field(default_factory=list)  # Failure ids
    reason: str = ""
    skipped: bool = False
    untestable: bool = False  # the spec says no request from outside can exercise it

    @property
    def verdict(self) -> str:
        if self.skipped:
            return SKIPPED
        if self.failures:
            return FAILED if self.enforced else WARNING
        return PASSED if self.exercised else NOT_EXERCISED


@dataclass
class Report:
    target: str
    seed: int
    rules: dict[str, RuleResult]
    strict: bool = False
    failures: list[Failure] = field(default_factory=list)
    fuzz_cases: int = 0
    fuzz_seconds: float = 0.0
    probe_requests: int = 0
    notes: list[str] = field(default_factory=list)
    # What the run suspects is wrong with its own inputs (said once, before the failures).
    hints: list[str] = field(default_factory=list)
    # Requests of the transform catalogue sent (fuzz_harness.transforms), every operation.
    transforms_applied: int = 0

    def transforms_failed(self) -> list[str]:
        """The failures found by a row of the transform catalogue."""
        return [f.id for f in self.failures if "transform " in f.title]

    def counts(self) -> dict[str, int]:
        verdicts = [rule.verdict for rule in self.rules.values()]
        return {v: verdicts.count(v) for v in VERDICTS}

    def violations(self) -> list[Failure]:
        """The failures that fail the run: those of the rules it enforces."""
        return [f for f in self.failures if self.rules[f.rule].verdict == FAILED]

    @property
    def conforms(self) -> bool:
        return not self.violations()


@dataclass(frozen=True)
class Scope:
    """One operation's rows of a report.

    The first operation's rows are its bare rule ids (``token-missing``), as before there
    was a second; another's are prefixed with its operationId (``showFlinkMetric/
    signature-wrong``), since both operations have rules of the same id with different
    answers. ``fuzz-checks`` (schemathesis, over every operation) is one row for all.
    """

    contract: Contract
    prefix: str = ""

    def key(self, rule_id: str) -> str:
        return rule_id if rule_id == FUZZ_RULE else self.prefix + rule_id


def scopes(contracts: Sequence[Contract]) -> list[Scope]:
    return [
        Scope(contract, "" if index == 0 else f"{contract.operation_id}/")
        for index, contract in enumerate(contracts)
    ]


def new_report(
    contracts: Sequence[Contract],
    target: str,
    seed: int,
    *,
    strict: bool = False,
    skip: frozenset[str] = frozenset(),
) -> Report:
    results = [
        RuleResult(
            scope.key(rule.id),
            rule.when,
            rule.expected,
            level=rule.level,
            enforced=strict or rule.level == MUST,
            reason=rule.untestable or "",
            untestable=bool(rule.untestable),
        )
        for scope in scopes(contracts)
        for rule in scope.contract.rules
    ]
    results.append(RuleResult(FUZZ_RULE, FUZZ_RULE_TEXT, "every check holds"))
    for result in results:
        if result.id in skip or result.id.rsplit("/", 1)[-1] in skip:
            result.skipped, result.reason = True, f"skipped by the user ({SKIP_OPTION})"
    rules = {result.id: result for result in results}
    return Report(target=target, seed=seed, rules=rules, strict=strict)


def rule_ids(contracts: Sequence[Contract]) -> list[str]:
    """Every row a report has: each operation's rules, then the harness' ``fuzz-checks``."""
    return [
        *(scope.key(rule.id) for scope in scopes(contracts) for rule in scope.contract.rules),
        FUZZ_RULE,
    ]


def not_exercised_groups(report: Report) -> list[tuple[str, list[str]]]:
    """The rules not exercised, grouped by why: (reason, rule ids), the largest group first;
    the rules the spec calls untestable from outside are one group (each says why in the
    report)."""
    groups: dict[str, list[str]] = {}
    for rule in report.rules.values():
        if rule.verdict != NOT_EXERCISED:
            continue
        reason = UNTESTABLE if rule.untestable else (rule.reason or NO_REQUEST)
        groups.setdefault(reason, []).append(rule.id)
    return sorted(groups.items(), key=lambda item: -len(item[1]))


UNTESTABLE = "untestable from outside, as the spec says (each reason is in the report)"
NO_REQUEST = "no request exercised it"


def verdict_line(report: Report) -> str:
    """The verdict with how much of the contract it covers."""
    counts = report.counts()
    exercised = counts[PASSED] + counts[FAILED] + counts[WARNING]
    total = len(report.rules) - counts[SKIPPED]
    groups = not_exercised_groups(report)
    missing = "; ".join(f"{len(ids)} {reason.split(' (')[0]}" for reason, ids in groups)
    coverage = f"{exercised} of {total} rules exercised"
    if report.conforms:
        tail = f"; {counts[NOT_EXERCISED]} not exercised: {missing}" if groups else ""
        return f"PASS: {coverage}, all hold{tail} (exit 0)"
    violations = len(report.violations())
    return (
        f"FAIL: {violations} distinct contract violation{'' if violations == 1 else 's'};"
        f" {coverage} (exit 1)"
    )


def summary_line(report: Report) -> str:
    counts = report.counts()
    return (
        f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[WARNING]} warnings, "
        f"{counts[NOT_EXERCISED]} not exercised, {counts[SKIPPED]} skipped"
    )


def write(report: Report, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "target": report.target,
        "seed": report.seed,
        "strict": report.strict,
        "verdict": "conforms" if report.conforms else "violations",
        "counts": report.counts(),
        "fuzz": {"cases": report.fuzz_cases, "seconds": round(report.fuzz_seconds, 2)},
        "probe_requests": report.probe_requests,
        "rules": [
            {
                "id": rule.id,
                "level": rule.level,
                "when": rule.when,
                "expected": rule.expected,
                "probes_sent": rule.probes,
                "exercised": rule.exercised,
                "verdict": rule.verdict,
                "failures": rule.failures,
                "reason": rule.reason if rule.verdict in (NOT_EXERCISED, SKIPPED) else "",
            }
            for rule in report.rules.values()
        ],
        "failures": [asdict(failure) for failure in report.failures],
        "notes": report.notes,
        "hints": report.hints,
        "transforms": {"applied": report.transforms_applied, "failed": report.transforms_failed()},
    }
    json_path = folder / "conformance.json"
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    md_path = folder / "conformance.md"
    md_path.write_text(markdown(report), encoding="utf-8")
    write_junit(report, folder / "junit.xml")
    return json_path, md_path


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _verdict_cell(report: Report, rule: RuleResult) -> str:
    verdict = rule.verdict
    if verdict == FAILED:
        return f"**failed** ({', '.join(rule.failures)})"
    if verdict == WARNING:
        return f"warning ({', '.join(rule.failures)}; fails with STRICT=1)"
    if verdict in (NOT_EXERCISED, SKIPPED):
        return f"{verdict}: {rule.reason or 'no request exercised it'}"
    return verdict


def markdown(report: Report) -> str:
    mode = "strict: should rules enforced" if report.strict else "should rules are warnings"
    lines = [
        "# Conformance report",
        "",
        f"**{verdict_line(report)}**",
        "",
        f"Target `{report.target}`, seed {report.seed}, {mode}: {summary_line(report)}"
        f" ({report.fuzz_cases} generated cases, {report.probe_requests} probe requests).",
    ]
    for reason, ids in not_exercised_groups(report):
        shown = ", ".join(f"`{rule_id}`" for rule_id in ids)
        lines += ["", f"Not exercised, {reason}: {shown}."]
    for hint in report.hints:
        lines += ["", f"**Hint:** {hint}"]
    for failure in report.failures:  # failures first: what a reader of a red job looks for
        kind = "" if report.rules[failure.rule].verdict == FAILED else " (warning)"
        lines += [
            "",
            f"## {failure.id} `{failure.rule}`{kind}: {_cell(failure.title)}",
            "",
            "```",
            failure.detail.strip(),
            "```",
        ]
        if failure.curl or failure.replay:
            lines += ["", "```sh", *filter(None, (failure.curl, failure.replay)), "```"]
    lines += [
        "",
        "## Every rule",
        "",
        "| rule | level | the spec says | requests | verdict |",
        "| --- | --- | --- | ---: | --- |",
    ]
    for rule in report.rules.values():
        lines.append(
            f"| `{rule.id}` | {rule.level} | {_cell(rule.when)} -> {_cell(rule.expected)}"
            f" | {rule.exercised} | {_cell(_verdict_cell(report, rule))} |"
        )
    for note in report.notes:
        lines += ["", f"- {note}"]
    return "\n".join(lines) + "\n"


def write_junit(report: Report, path: Path) -> Path:
    """JUnit XML, one test case per rule, as CI test reports read it.

    Failed rules are ``<failure>``; warnings, skipped and not-exercised rules are
    ``<skipped>`` with the reason in the message (JUnit has no "warning" outcome, and a CI
    that shows skips shows them); passed rules are plain test cases. This replaces
    schemathesis' own JUnit, which has one test case per operation.
    """
    counts = report.counts()
    suite = ElementTree.Element(
        "testsuite",
        name="jobs-metrics conformance",
        tests=str(len(report.rules)),
        failures=str(counts[FAILED]),
        errors="0",
        skipped=str(counts[WARNING] + counts[NOT_EXERCISED] + counts[SKIPPED]),
        time=f"{report.fuzz_seconds:.3f}",
    )
    failures = {failure.id: failure for failure in report.failures}
    for rule in report.rules.values():
        case = ElementTree.SubElement(
            suite, "testcase", classname=f"conformance.{rule.level}", name=rule.id
        )
        verdict = rule.verdict
        details = "\n\n".join(
            f"{failures[i].id} {failures[i].title}\n{failures[i].detail}\n{failures[i].curl}"
            for i in rule.failures
        )
        if verdict == FAILED:
            node = ElementTree.SubElement(
                case, "failure", message=f"{rule.id}: {', '.join(rule.failures)}"
            )
            node.text = details
        elif verdict == WARNING:
            node = ElementTree.SubElement(
                case,
                "skipped",
                message=f"warning (should rule, fails with STRICT=1): {', '.join(rule.failures)}",
            )
            node.text = details
        elif verdict in (NOT_EXERCISED, SKIPPED):
            reason = rule.reason or "no request exercised it"
            ElementTree.SubElement(case, "skipped", message=f"{verdict}: {reason}")
    root = ElementTree.Element("testsuites")
    root.append(suite)
    ElementTree.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
