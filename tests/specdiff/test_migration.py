"""``make diff`` shows a migration: an operation declaring (``x-replaces``) the one it
replaces is reported paired with it, with every difference a migrating client must handle.

The CS-only spec is made here from the current one (the successor operation and the
components only it uses taken out), so these tests do not depend on git history.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from specdiff import Change, Impact, diff_specs
from specdiff.policy import judge
from specdiff.report import verdict_label
from tests.specdiff.test_specdiff import run_diff, write
from tests.support import METRICS_PATH, copied, spec

Spec = dict[str, Any]
SUCCESSOR_PATH = "/v1.0/{project_id}/streaming/jobs/metrics"
REPLACED = "POST /v1.0/{project_id}/jobs/metrics (queryJobMetrics)"
SUCCESSOR = "POST /v1.0/{project_id}/streaming/jobs/metrics (showFlinkMetric)"
# Every envelope and error-body difference of the successor, as the messages name them.
ENVELOPE = [
    ("migration-property-moved", "success body: payload.jobs -> metrics.jobs (the same schema)"),
    ("response-property-removed", "success body: message_id removed"),
    ("response-property-removed", "success body: current_time removed"),
    ("response-property-added-optional", "success body: is_success added (optional)"),
    ("migration-error-code-field-changed", "error body: the error code is in `error_code` "
     "instead of `error_id`"),
    ("migration-property-moved", "error body: error_cause -> error_msg (the same schema)"),
    ("response-property-removed", "error body: error_name removed"),
    ("response-property-removed", "error body: error_suggestion removed"),
    ("response-property-removed", "error body: error_time removed"),
    ("response-property-added-optional", "error body: request_id added (optional)"),
]  # fmt: skip


def cs_only() -> Spec:
    """The spec before the successor: its path and the components only it uses removed (the
    gateway's body stays: the CS operation's throttling answers in it)."""
    doc = copied(spec())
    del doc["paths"][SUCCESSOR_PATH]
    components = doc["components"]
    for kind, name in (
        ("schemas", "FlinkMetricResponse"),
        ("schemas", "FlinkMetrics"),
        ("parameters", "XProjectId"),
        ("securitySchemes", "akskSignature"),
    ):
        del components[kind][name]
    assert "streaming" not in json.dumps(doc["paths"])  # nothing else refers to it
    doc["info"]["version"] = "1.0.0"
    return doc


def successor_entry(changes: list[Change]) -> Change:
    [entry] = [c for c in changes if c.migration is not None]
    return entry


def test_the_successor_is_paired_with_the_operation_it_replaces() -> None:
    changes = diff_specs(cs_only(), spec())
    entry = successor_entry(changes)
    assert [c.rule for c in changes] == ["operation-added-replacing"]  # one entry, not two
    assert entry.migration is not None
    assert (entry.migration.replaced, entry.migration.successor) == (REPLACED, SUCCESSOR)
    assert entry.migration.request_body_same
    found = [(d.rule.value, d.message) for d in entry.migration.differences]
    for rule, words in ENVELOPE:
        assert any(r == rule and words in m for r, m in found), (rule, words, found)
    envelope = [(r, m) for r, m in found if ": success body: " in m or ": error body: " in m]
    assert len(envelope) == len(ENVELOPE), envelope  # every one named, and nothing else
    rules = {d.rule.value for d in entry.migration.differences}
    assert {"migration-path-changed", "security-narrowed", "operation-deprecated"} <= rules
    assert any("X-Project-Id" in m for r, m in found if r == "request-parameter-added-optional")
    statuses = {m.split("response ")[1][:3] for r, m in found if r == "response-error-status-added"}
    assert statuses == {"401", "403", "404", "405", "500"}
    assert any("project-id-malformed: error_id 'CS.10003' -> 'DLI.0001'" in m for _, m in found)
    assert any("rule token-missing removed" in m for _, m in found)
    assert any("rule signature-wrong added" in m for _, m in found)


def test_a_migration_is_a_minor_change() -> None:
    """Adding the successor leaves the replaced operation working: the version change is
    minor whatever the migrating client must handle."""
    changes = diff_specs(cs_only(), spec())
    assert verdict_label(changes) == "possibly-breaking"  # as any new operation
    assert judge(changes, "1.0.0", "1.1.0").exit_code == 0
    migration = successor_entry(changes).migration
    assert migration is not None
    # breaking for a client moving over, yet no existing client or server is affected
    assert any(d.clients is Impact.BREAKING for d in migration.differences)


def test_the_spec_against_itself_is_clean() -> None:
    assert diff_specs(spec(), spec()) == []


def test_the_replaced_operation_removed_stays_breaking_and_names_its_successor() -> None:
    head = copied(spec())
    del head["paths"][METRICS_PATH]
    for base in (cs_only(), spec()):  # the successor added alongside, or declared before
        changes = diff_specs(base, head)
        [removed] = [c for c in changes if c.rule == "operation-removed"]
        assert removed.impact is Impact.BREAKING
        assert removed.message.endswith(f"its successor is {SUCCESSOR}")
        assert judge(changes, "1.0.0", "1.1.0").exit_code == 1
        # the migration is listed once: under the successor's entry, or under the removal
        assert len([c for c in changes if c.migration is not None]) == 1


def test_renaming_the_successor_changes_no_pairing() -> None:
    head = copied(spec())
    head["paths"][SUCCESSOR_PATH]["post"]["operationId"] = "showFlinkMetrics"
    assert [c.rule for c in diff_specs(spec(), head)] == ["operation-id-changed"]


@pytest.mark.parametrize(
    ("replaces", "problem"),
    [
        ("noSuchOperation", "names operationId 'noSuchOperation', which no operation"),
        ("showFlinkMetric", "names the operation itself"),
        (7, "is not a well-formed OpenAPI document"),
    ],
)
def test_an_x_replaces_naming_nothing_is_an_input_error(
    tmp_path: Path, replaces: Any, problem: str
) -> None:
    head = copied(spec())
    head["paths"][SUCCESSOR_PATH]["post"]["x-replaces"] = replaces
    result = run_diff(
        "--base",
        str(write(tmp_path, "a.yaml", spec())),
        "--head",
        str(write(tmp_path, "b.yaml", head)),
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert problem in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # one line, no traceback


def test_make_diff_shows_the_migration_in_every_format(tmp_path: Path) -> None:
    """`jobs-metrics diff` between the CS-only spec and the current one, end to end."""
    base, head = write(tmp_path, "cs.yaml", cs_only()), write(tmp_path, "head.yaml", spec())
    junit = tmp_path / "specdiff.xml"
    files = ("--base", str(base), "--head", str(head))
    text = run_diff(*files, "--junit", str(junit))
    assert text.returncode == 0, text.stderr
    assert f"replacing {REPLACED}" in text.stdout
    assert f"migration {REPLACED} -> {SUCCESSOR}:" in text.stdout
    for _, words in ENVELOPE:
        assert words in text.stdout, words
    assert "result: ok" in text.stdout
    report = json.loads(run_diff(*files, "--format", "json").stdout)
    [entry] = report["changes"]
    assert entry["migration"]["replaced"] == REPLACED
    differences = entry["migration"]["differences"]
    moved = [d for d in differences if d["rule"] == "migration-property-moved"]
    assert [d["migrating_clients"] for d in moved] == ["breaking", "breaking"]
    markdown = run_diff(*files, "--format", "markdown").stdout
    assert f"#### Migration: `{REPLACED}` → `{SUCCESSOR}`" in markdown
    assert "| 🔴 breaking | `migration-error-code-field-changed` |" in markdown
    xml = junit.read_text()
    assert 'classname="specdiff.migration.migration-property-moved"' in xml
    assert "<failure" not in xml  # a migration breaks no existing client
