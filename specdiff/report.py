"""Render a spec diff as text, JSON, Markdown or JUnit (the verdict comes from ``policy``)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from specdiff.catalogue import Change, Impact, Migration
from specdiff.policy import Verdict


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


def _migration_counts(migration: Migration) -> str:
    """How many differences, by their impact on a client moving to the successor."""
    counts = {i: sum(1 for d in migration.differences if d.clients is i) for i in Impact}
    parts = [f"{counts[i]} {i.label}" for i in sorted(Impact, reverse=True) if counts[i]]
    return f"{len(migration.differences)} difference(s) ({', '.join(parts) or 'none'})"


def _migration_title(migration: Migration) -> str:
    request = "; the request body: the same schema" if migration.request_body_same else ""
    return (
        f"migration {migration.replaced} -> {migration.successor}: "
        f"{_migration_counts(migration)} a migrating client must handle{request}"
    )


def _migrations(changes: list[Change]) -> list[Migration]:
    return [c.migration for c in _ordered(changes) if c.migration is not None]


def _ordered(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (-c.impact, c.pointer, c.rule))


def as_text(changes: list[Change], verdict: Verdict, base_label: str, head_label: str) -> str:
    lines = [f"spec diff: {base_label} -> {head_label}"]
    if not changes:
        lines.append("  no changes to the contract")
    for change in _ordered(changes):
        lines.append(f"  {change.impact.label.upper():<18} {change.rule}")
        lines.append(f"      {change.message}")
        lines += [f"      witness: {w.sentence()}" for w in change.witnesses]
        lines.append(f"      at {change.pointer}")
        lines += [f"      also at {pointer} ({rule})" for rule, pointer in change.also]
        lines.append(f"      clients: {change.clients.label}; servers: {change.servers.label}")
        if change.migration is not None:
            # the differences, each with its impact on a client moving to the successor
            lines.append(f"      {_migration_title(change.migration)}:")
            for d in change.migration.differences:
                lines.append(f"        {d.clients.label.upper():<18} {d.rule}")
                lines.append(f"            {d.message}")
                lines.append(f"            at {d.pointer}")
    lines.append(f"summary: {_counts(changes)}")
    lines += [
        f"migration: {m.replaced} -> {m.successor}: {_migration_counts(m)} for a migrating "
        "client (not counted above: no existing client or server is affected)"
        for m in _migrations(changes)
    ]
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
                f"| {_ICON[c.impact]} {c.impact.label} | `{c.rule}` | {_cell(c.message)}"
                + "".join(f"<br>witness: {_cell(w.sentence())}" for w in c.witnesses)
                + " "
                f"| {c.clients.label} | {c.servers.label} | `{_cell(c.pointer)}`"
                + "".join(f"<br>`{_cell(pointer)}`" for _, pointer in c.also)
                + " |"
            )
    else:
        lines += ["", "No changes to the contract."]
    for migration in _migrations(changes):
        lines += [
            "",
            f"#### Migration: `{_cell(migration.replaced)}` → `{_cell(migration.successor)}`",
            "",
            f"{_cell(_migration_title(migration))}. Each difference with its impact on a "
            "client moving to the successor (no existing client or server is affected).",
            "",
            "| for a migrating client | rule | difference | at |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {_ICON[d.clients]} {d.clients.label} | `{d.rule}` | {_cell(d.message)} "
            f"| `{_cell(d.pointer)}` |"
            for d in migration.differences
        ]
    if verdict.notes:
        lines.append("")
        lines += [f"> {_cell(note)}" for note in verdict.notes]
    return "\n".join(lines)


def as_junit(changes: list[Change], verdict: Verdict) -> bytes:
    """One test case per change (breaking ones fail) plus one for the versioning policy."""
    suite = ET.Element(
        "testsuite",
        name="specdiff",
        tests=str(len(changes) + sum(len(m.differences) for m in _migrations(changes)) + 1),
        failures=str(sum(1 for c in changes if c.impact is Impact.BREAKING) + verdict.exit_code),
    )
    for change in changes:
        case = ET.SubElement(
            suite, "testcase", classname=f"specdiff.{change.rule}", name=change.pointer
        )
        if change.impact is Impact.BREAKING:
            failure = ET.SubElement(case, "failure", message=change.message, type="breaking")
            failure.text = f"clients: {change.clients.label}; servers: {change.servers.label}"
            failure.text += "".join(f"\nwitness: {w.sentence()}" for w in change.witnesses)
        else:
            ET.SubElement(case, "system-out").text = f"{change.impact.label}: {change.message}"
    for migration in _migrations(changes):  # never failures: they affect no existing client
        for d in migration.differences:
            case = ET.SubElement(
                suite, "testcase", classname=f"specdiff.migration.{d.rule}", name=d.pointer
            )
            ET.SubElement(case, "system-out").text = (
                f"{migration.replaced} -> {migration.successor}: for a migrating client "
                f"{d.clients.label}: {d.message}"
            )
    policy = ET.SubElement(suite, "testcase", classname="specdiff.policy", name="semver")
    if verdict.exit_code:
        ET.SubElement(policy, "failure", message="; ".join(verdict.notes), type="versioning")
    xml: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return xml
