"""The conformance report: one row per rule, with its probes and its verdict.

A rule is ``passed`` only if at least one request exercised it and none broke it;
``failed`` if any did; ``not exercised`` otherwise, with the reason. Written as
``conformance.json`` (for machines) and ``conformance.md`` (for people and CI summaries);
each distinct failure also gets a replay file in ``failures/``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fuzz_harness.contract import Contract

PASSED, FAILED, NOT_EXERCISED = "passed", "failed", "not exercised"
FUZZ_RULE = "fuzz-checks"
FUZZ_RULE_TEXT = (
    "schemathesis' checks on generated requests: no 5xx, documented status codes, content"
    " types and headers, schema-valid requests accepted, invalid ones refused"
)


@dataclass
class Failure:
    id: str
    rule: str
    source: str  # "probe" or "schemathesis"
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
    probes: int = 0
    exercised: int = 0
    failures: list[str] = field(default_factory=list)  # Failure ids
    reason: str = ""

    @property
    def verdict(self) -> str:
        if self.failures:
            return FAILED
        return PASSED if self.exercised else NOT_EXERCISED


@dataclass
class Report:
    target: str
    seed: int
    rules: dict[str, RuleResult]
    failures: list[Failure] = field(default_factory=list)
    fuzz_cases: int = 0
    fuzz_seconds: float = 0.0
    probe_requests: int = 0
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        verdicts = [rule.verdict for rule in self.rules.values()]
        return {v: verdicts.count(v) for v in (PASSED, FAILED, NOT_EXERCISED)}

    @property
    def conforms(self) -> bool:
        return not self.failures


def new_report(contract: Contract, target: str, seed: int) -> Report:
    rules = {
        rule.id: RuleResult(rule.id, rule.when, rule.expected, reason=rule.untestable or "")
        for rule in contract.rules
    }
    rules[FUZZ_RULE] = RuleResult(FUZZ_RULE, FUZZ_RULE_TEXT, "every check holds")
    return Report(target=target, seed=seed, rules=rules)


def write(report: Report, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "target": report.target,
        "seed": report.seed,
        "verdict": "conforms" if report.conforms else "violations",
        "counts": report.counts(),
        "fuzz": {"cases": report.fuzz_cases, "seconds": round(report.fuzz_seconds, 2)},
        "probe_requests": report.probe_requests,
        "rules": [
            {
                "id": rule.id,
                "when": rule.when,
                "expected": rule.expected,
                "probes_sent": rule.probes,
                "exercised": rule.exercised,
                "verdict": rule.verdict,
                "failures": rule.failures,
                "reason": rule.reason if rule.verdict == NOT_EXERCISED else "",
            }
            for rule in report.rules.values()
        ],
        "failures": [asdict(failure) for failure in report.failures],
        "notes": report.notes,
    }
    json_path = folder / "conformance.json"
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    md_path = folder / "conformance.md"
    md_path.write_text(markdown(report), encoding="utf-8")
    return json_path, md_path


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: Report) -> str:
    counts = report.counts()
    lines = [
        "# Conformance report",
        "",
        f"Target `{report.target}`, seed {report.seed}: "
        f"**{counts[PASSED]} passed, {counts[FAILED]} failed, "
        f"{counts[NOT_EXERCISED]} not exercised**"
        f" ({report.fuzz_cases} generated cases, {report.probe_requests} probe requests).",
        "",
        "| rule | the spec says | requests | verdict |",
        "| --- | --- | ---: | --- |",
    ]
    for rule in report.rules.values():
        verdict = rule.verdict
        if verdict == FAILED:
            verdict = f"**failed** ({', '.join(rule.failures)})"
        elif verdict == NOT_EXERCISED:
            verdict = f"not exercised: {rule.reason or 'no request exercised it'}"
        lines.append(
            f"| `{rule.id}` | {_cell(rule.when)} -> {_cell(rule.expected)} | {rule.exercised}"
            f" | {_cell(verdict)} |"
        )
    for failure in report.failures:
        lines += [
            "",
            f"## {failure.id} `{failure.rule}`: {_cell(failure.title)}",
            "",
            "```",
            failure.detail.strip(),
            "```",
            "",
            "```sh",
            failure.curl,
            failure.replay,
            "```",
        ]
    for note in report.notes:
        lines += ["", f"- {note}"]
    return "\n".join(lines) + "\n"
