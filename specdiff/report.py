"""Render a spec diff as text, JSON, Markdown, a changelog, JUnit or GitHub annotations (the
verdict comes from ``policy``).

Every format lists every change, a waived one too, marked waived with its reason (and a
change whose waiver expired, with the date): a waiver changes the exit code, never what a
reader is shown. Unused waivers are warnings in every format.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from xml.etree import ElementTree as ET

from specdiff.catalogue import Change, Impact, Migration
from specdiff.locate import Lines
from specdiff.policy import Verdict, semver


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


def _waived_count(verdict: Verdict) -> str:
    """``; 1 waived (not counted)``, or nothing when no waiver applied (the line as before)."""
    count = len(verdict.waived.applied)
    return f"; {count} waived (not counted)" if count else ""


def _waiver_line(change: Change, verdict: Verdict) -> str | None:
    """What a waiver did to ``change``, in words: waived and why, or expired and when."""
    waiver = verdict.waived.waiver(change)
    if waiver is not None:
        until = f", until {waiver.expires}" if waiver.expires else ""
        return f"waived: {waiver.reason} ({waiver.where}{until})"
    expired = verdict.waived.expired_waiver(change)
    if expired is not None:
        return (
            f"waiver expired on {expired.expires} ({expired.where}), the change counts "
            f"again; it said: {expired.reason}"
        )
    return None


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
        waived = " (waived)" if verdict.waived.waiver(change) else ""
        lines.append(f"  {change.impact.label.upper():<18} {change.rule}{waived}")
        lines.append(f"      {change.message}")
        lines += [f"      witness: {w.sentence()}" for w in change.witnesses]
        lines.append(f"      at {change.pointer}")
        lines += [f"      also at {pointer} ({rule})" for rule, pointer in change.also]
        lines.append(f"      clients: {change.clients.label}; servers: {change.servers.label}")
        waiver = _waiver_line(change, verdict)
        if waiver:
            lines.append(f"      {waiver}")
        if change.migration is not None:
            # the differences, each with its impact on a client moving to the successor
            lines.append(f"      {_migration_title(change.migration)}:")
            for d in change.migration.differences:
                lines.append(f"        {d.clients.label.upper():<18} {d.rule}")
                lines.append(f"            {d.message}")
                lines.append(f"            at {d.pointer}")
    lines.append(f"summary: {_counts(changes)}{_waived_count(verdict)}")
    lines += [
        f"migration: {m.replaced} -> {m.successor}: {_migration_counts(m)} for a migrating "
        "client (not counted above: no existing client or server is affected)"
        for m in _migrations(changes)
    ]
    lines.append(f"verdict: {verdict_label(changes)}")
    lines += [f"note: {note}" for note in verdict.notes]
    lines += [f"warning: {warning}" for warning in verdict.waived.unused_warnings()]
    lines.append("result: " + ("FAILED" if verdict.exit_code else "ok"))
    return "\n".join(lines)


def as_json(changes: list[Change], verdict: Verdict, base_label: str, head_label: str) -> str:
    return json.dumps(
        {
            "base": base_label,
            "head": head_label,
            "verdict": verdict_label(changes),
            "changes": [_change_dict(c, verdict) for c in _ordered(changes)],
            "notes": list(verdict.notes),
            "warnings": verdict.waived.unused_warnings(),
            "exit_code": verdict.exit_code,
            # why a breaking verdict may exit 0: the major version was bumped, or waivers
            "major_bump": verdict.major_bump,
            "fail_on": verdict.fail_on.value,
            "waived": len(verdict.waived.applied),
            "unused_waivers": [w.to_dict() for w in verdict.waived.unused],
        },
        indent=2,
    )


def _change_dict(change: Change, verdict: Verdict) -> dict[str, object]:
    """The change as ``Change.to_dict`` says it, with what a waiver did to it: ``waiver``
    (it applies: the change is not counted) or ``expired_waiver`` (it counts again)."""
    waiver = verdict.waived.waiver(change)
    expired = verdict.waived.expired_waiver(change)
    return {
        **change.to_dict(),
        "waiver": waiver.to_dict() if waiver else None,
        "expired_waiver": expired.to_dict() if expired else None,
    }


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
        f"{_counts(changes)}{_waived_count(verdict)}.",
    ]
    if changes:
        lines += [
            "",
            "| impact | rule | change | clients | servers | at |",
            "|---|---|---|---|---|---|",
        ]
        for c in _ordered(changes):
            waiver = _waiver_line(c, verdict)
            lines.append(
                f"| {_ICON[c.impact]} {c.impact.label}"
                + (" (waived)" if verdict.waived.waiver(c) else "")
                + f" | `{c.rule}` | {_cell(c.message)}"
                + "".join(f"<br>witness: {_cell(w.sentence())}" for w in c.witnesses)
                + (f"<br>**{_cell(waiver)}**" if waiver else "")
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
    warnings = verdict.waived.unused_warnings()
    if warnings:
        lines.append("")
        lines += [f"> ⚠️ {_cell(warning)}" for warning in warnings]
    return "\n".join(lines)


def _junit_failure(change: Change, verdict: Verdict) -> bool:
    """A failed test case: a breaking change not waived (a declared one too, as before: the
    test case says what broke, the policy case whether the release may), or one the
    ``--fail-on`` gate fails on."""
    if verdict.waived.waiver(change) is not None:
        return False
    return change.impact is Impact.BREAKING or verdict.fails(change)


def as_junit(changes: list[Change], verdict: Verdict) -> bytes:
    """One test case per change (breaking ones fail) plus one for the versioning policy."""
    suite = ET.Element(
        "testsuite",
        name="specdiff",
        tests=str(len(changes) + sum(len(m.differences) for m in _migrations(changes)) + 1),
        failures=str(sum(1 for c in changes if _junit_failure(c, verdict)) + verdict.exit_code),
    )
    for change in changes:
        case = ET.SubElement(
            suite, "testcase", classname=f"specdiff.{change.rule}", name=change.pointer
        )
        waiver = _waiver_line(change, verdict)
        if _junit_failure(change, verdict):
            failure = ET.SubElement(
                case, "failure", message=change.message, type=change.impact.label
            )
            failure.text = f"clients: {change.clients.label}; servers: {change.servers.label}"
            failure.text += "".join(f"\nwitness: {w.sentence()}" for w in change.witnesses)
            failure.text += f"\n{waiver}" if waiver else ""
        else:
            ET.SubElement(case, "system-out").text = f"{change.impact.label}: {change.message}" + (
                f"\n{waiver}" if waiver else ""
            )
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


# ---- release notes ---------------------------------------------------------------------

_CHANGELOG_GROUPS = (
    (Impact.BREAKING, "Breaking"),
    (Impact.POSSIBLY_BREAKING, "Possibly breaking"),
    (Impact.ADDITIVE, "Additive"),
    (Impact.NONE, "Other"),
)

# what an impact asks of a side, in the words of a release note
_ASKS = {
    Impact.BREAKING: "must change",
    Impact.POSSIBLY_BREAKING: "may need to change",
    Impact.ADDITIVE: "need not change",
    Impact.NONE: "are unaffected",
}

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _operation(pointer: str) -> str | None:
    """``POST /v1.0/{project_id}/jobs/metrics`` for a pointer inside an operation."""
    tokens = pointer.split("/")
    if len(tokens) >= 4 and tokens[1] == "paths" and tokens[3] in _METHODS:
        path = tokens[2].replace("~1", "/").replace("~0", "~")
        return f"{tokens[3].upper()} {path}"
    return None


def _release(base_version: str, head_version: str) -> str:
    """``minor, from 2.0.0``: the kind of release the versions say, and where it came from."""
    old, new = semver(base_version), semver(head_version)
    if old is None or new is None:
        return f"from {base_version or 'an unversioned spec'}"
    if new <= old:
        kind = "version unchanged" if new == old else "version lowered"
    else:
        kind = "major" if new[0] > old[0] else "minor" if new[1] > old[1] else "patch"
    return f"{kind}, from {base_version}"


def _note_line(change: Change, verdict: Verdict) -> list[str]:
    """One change as a release note: the operations it reaches (one edit of a shared schema
    reaches several), what changed, what it asks of clients and servers, its rule id."""
    operations = dict.fromkeys(
        op for op in map(_operation, (change.pointer, *(p for _, p in change.also))) if op
    )
    where = f"**{', '.join(operations)}**: " if operations else ""
    lines = [
        f"- {where}{change.message}. Clients {_ASKS[change.clients]}; servers "
        f"{_ASKS[change.servers]}. (`{change.rule}`)"
    ]
    waiver = verdict.waived.waiver(change)
    if waiver is not None:
        lines.append(f"  Accepted without a major bump: {waiver.reason}")
    if change.migration is not None:
        m = change.migration
        lines.append(f"  A client moving from {m.replaced} to {m.successor} must handle:")
        lines += [f"  - {d.message} ({d.clients.label}; `{d.rule}`)" for d in m.differences]
    return lines


def as_changelog(changes: list[Change], verdict: Verdict, base_label: str, head_label: str) -> str:
    """Release notes in Markdown, for SPEC_CHANGELOG.md: a heading with the version, the
    kind of release and the date, then the changes grouped by impact (Breaking, Possibly
    breaking, Additive, Other), each in words: the operation, what changed, what it asks of
    clients and of servers, and its rule id (``make diff-rules``) for the details. A waived
    change is listed in its group with the reason it was accepted. The labels are not
    shown: release notes name versions, not files."""
    head = verdict.head_version or "unreleased"
    lines = [
        f"## {head} - {dt.date.today().isoformat()} "
        f"({_release(verdict.base_version, verdict.head_version)})",
    ]
    if not changes:
        lines += ["", "No changes to the contract."]
    for impact, title in _CHANGELOG_GROUPS:
        group = [c for c in _ordered(changes) if c.impact is impact]
        if group:
            lines += ["", f"### {title}", ""]
            for change in group:
                lines += _note_line(change, verdict)
    return "\n".join(lines)


# ---- GitHub annotations ----------------------------------------------------------------


def _escape_data(text: str) -> str:
    """A workflow command's message, escaped as actions/toolkit escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, message: str, file: str, line: int | None, title: str) -> str:
    where = f"file={_escape_property(file)}" + (f",line={line}" if line else "")
    return f"::{level} {where},title={_escape_property(title)}::{_escape_data(message)}"


def as_annotations(
    changes: list[Change],
    verdict: Verdict,
    file: str,
    lines: Lines,
    name: Callable[[str], str] = str,
) -> list[str]:
    """GitHub workflow commands that put each change on its line of the spec in the pull
    request's diff: ``error`` for a change the gate fails on, ``warning`` for another
    breaking or possibly breaking one (declared by a major bump, or below ``--fail-on``),
    ``notice`` for a waived one; additive and informational changes get none (the job
    summary lists them). An unused waiver is a ``warning`` on its line of the waivers file.
    ``file``: the spec's path as the repository names it; ``lines``: its text's lines;
    ``name``: the waivers file's path as the repository names it."""
    commands = []
    for change in _ordered(changes):
        waiver = verdict.waived.waiver(change)
        if waiver is not None:
            level = "notice"
        elif verdict.fails(change):
            level = "error"
        elif change.impact >= Impact.POSSIBLY_BREAKING:
            level = "warning"
        else:
            continue
        message = (
            f"{change.message} (clients: {change.clients.label}; servers: "
            f"{change.servers.label}; at {change.pointer})"
        )
        said = _waiver_line(change, verdict)
        message += f"\n{said}" if said else ""
        title = f"specdiff: {change.impact.label}{' (waived)' if waiver else ''}: {change.rule}"
        commands.append(_command(level, message, file, lines.line(change.pointer), title))
    commands += [
        _command("warning", warning, name(waiver.source), waiver.line, "specdiff: unused waiver")
        for waiver, warning in zip(
            verdict.waived.unused, verdict.waived.unused_warnings(), strict=True
        )
    ]
    return commands
