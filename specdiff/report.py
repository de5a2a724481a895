"""Render a spec diff as text, JSON, Markdown or JUnit, and apply the versioning policy."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from specdiff.catalogue import Change, Impact

SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$")


@dataclass(frozen=True)
class Verdict:
    """The outcome: exit code and the policy's words. ``major_bump``: the head's major
    version is higher, which is why a breaking verdict may exit 0 (the break is declared)."""

    exit_code: int
    notes: tuple[str, ...]
    major_bump: bool = False


def semver(version: str) -> tuple[int, int, int] | None:
    match = SEMVER.match(version or "")
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def judge(changes: list[Change], base_version: str, head_version: str) -> Verdict:
    """Versioning policy: ``info.version`` is semver; a breaking change needs a major bump.

    Exit 1 on a breaking change, unless the head version bumps the major number (the
    break is then declared). Other changes without any version bump only get a note.
    """
    old, new = semver(base_version), semver(head_version)
    notes: list[str] = []
    if new is None:
        return Verdict(1, (f"info.version {head_version!r} is not semver (MAJOR.MINOR.PATCH)",))
    breaking = [c for c in changes if c.impact is Impact.BREAKING]
    major_bumped = old is not None and new[0] > old[0]
    if breaking and not major_bumped:
        notes.append(
            f"{len(breaking)} breaking change(s) without a major version bump "
            f"({base_version} -> {head_version}): bump info.version to {(old or new)[0] + 1}.0.0 "
            "and record it in SPEC_CHANGELOG.md, or make the change compatible"
        )
        return Verdict(1, tuple(notes))
    if breaking:
        notes.append(
            f"breaking changes declared by the major bump {base_version} -> {head_version}"
        )
    elif changes and old is not None and new <= old:
        notes.append(
            f"spec changed but info.version did not move ({base_version}); bump minor or patch"
        )
    return Verdict(0, tuple(notes), major_bumped)


def verdict_label(changes: list[Change]) -> str:
    """The whole diff in one word: the worst impact, or ``none`` when nothing changed or
    only informational changes (refactors, servers, tags) were found."""
    return max(c.impact for c in changes).label if changes else "none"


def _counts(changes: list[Change]) -> str:
    counts = {impact: sum(1 for c in changes if c.impact is impact) for impact in Impact}
    informational = (
        f", {counts[Impact.NONE]} informational" if counts[Impact.NONE] else ""
    )  # the line as before when there is none
    return (
        f"{counts[Impact.BREAKING]} breaking, "
        f"{counts[Impact.POSSIBLY_BREAKING]} possibly breaking, {counts[Impact.ADDITIVE]} additive"
        + informational
    )


def _ordered(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (-c.impact, c.pointer, c.rule))


def as_text(changes: list[Change], verdict: Verdict, base_label: str, head_label: str) -> str:
    lines = [f"spec diff: {base_label} -> {head_label}"]
    if not changes:
        lines.append("  no changes to the contract")
    for change in _ordered(changes):
        lines.append(f"  {change.impact.label.upper():<18} {change.rule}")
        lines.append(f"      {change.message}")
        lines.append(f"      at {change.pointer}")
        lines += [f"      also at {pointer} ({rule})" for rule, pointer in change.also]
        lines.append(f"      clients: {change.clients.label}; servers: {change.servers.label}")
    lines.append(f"summary: {_counts(changes)}")
    lines.append(f"verdict: {verdict_label(changes)}")
    lines += [f"note: {note}" for note in verdict.notes]
    lines.append("result: " + ("FAILED" if verdict.exit_code else "ok"))
    return "\n".join(lines)


def as_json(changes: list[Change], verdict: Verdict, base_label: str, head_label: str) -> str:
    return json.dumps(
        {
            "base": base_label,
            "head": head_label,
            "verdict": verdict_label(changes),
            "changes": [c.to_dict() for c in _ordered(changes)],
            "notes": list(verdict.notes),
            "exit_code": verdict.exit_code,
            # why a breaking verdict may exit 0: the major version was bumped
            "major_bump": verdict.major_bump,
        },
        indent=2,
    )


_ICON = {
    Impact.BREAKING: "🔴",
    Impact.POSSIBLY_BREAKING: "🟡",
    Impact.ADDITIVE: "🟢",
    Impact.NONE: "⚪",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(changes: list[Change], verdict: Verdict, base_label: str, head_label: str) -> str:
    """For a pull-request comment or the GitHub job summary."""
    result = "failed" if verdict.exit_code else "passed"
    lines = [
        f"### Spec diff: {verdict_label(changes)} ({result})",
        "",
        f"`{_cell(base_label)}` → `{_cell(head_label)}`",
        "",
        f"{_counts(changes)}.",
    ]
    if changes:
        lines += [
            "",
            "| impact | rule | change | clients | servers | at |",
            "|---|---|---|---|---|---|",
        ]
        for c in _ordered(changes):
            lines.append(
                f"| {_ICON[c.impact]} {c.impact.label} | `{c.rule}` | {_cell(c.message)} "
                f"| {c.clients.label} | {c.servers.label} | `{_cell(c.pointer)}`"
                + "".join(f"<br>`{_cell(pointer)}`" for _, pointer in c.also)
                + " |"
            )
    else:
        lines += ["", "No changes to the contract."]
    if verdict.notes:
        lines.append("")
        lines += [f"> {_cell(note)}" for note in verdict.notes]
    return "\n".join(lines)


def as_junit(changes: list[Change], verdict: Verdict) -> bytes:
    """One test case per change (breaking ones fail) plus one for the versioning policy."""
    suite = ET.Element(
        "testsuite",
        name="specdiff",
        tests=str(len(changes) + 1),
        failures=str(sum(1 for c in changes if c.impact is Impact.BREAKING) + verdict.exit_code),
    )
    for change in changes:
        case = ET.SubElement(
            suite, "testcase", classname=f"specdiff.{change.rule}", name=change.pointer
        )
        if change.impact is Impact.BREAKING:
            failure = ET.SubElement(case, "failure", message=change.message, type="breaking")
            failure.text = f"clients: {change.clients.label}; servers: {change.servers.label}"
        else:
            ET.SubElement(case, "system-out").text = f"{change.impact.label}: {change.message}"
    policy = ET.SubElement(suite, "testcase", classname="specdiff.policy", name="semver")
    if verdict.exit_code:
        ET.SubElement(policy, "failure", message="; ".join(verdict.notes), type="versioning")
    xml: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return xml
