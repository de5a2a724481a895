"""Spec review for release flows (issue 36): waivers, ``--fail-on``, the changelog, GitHub
annotations, ``make diff FORMAT=json`` as pure JSON, and the servers message. Each feature
with a case that passes and one that must not."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from specdiff.cli import main as specdiff_main
from specdiff.document import servers_difference
from specdiff.locate import Lines
from tests.specdiff.test_specdiff import add_request_prop, add_response_prop, bump, variant, write
from tests.support import METRICS_PATH, ROOT, run_tool, spec

Spec = dict[str, Any]

STREAMING = "/v1.0/{project_id}/streaming/jobs/metrics"


def _escaped(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def priority_at(path: str) -> str:
    """The pointer the report prints for the new request property ``priority``."""
    return (
        f"/paths/{_escaped(path)}/post/requestBody/content/application~1json/schema"
        "/properties/priority"
    )


def required_priority() -> Spec:
    """The head: a new required request property (breaking for clients), no version bump."""
    return variant(None, add_request_prop("priority", True))


def narrowed_response() -> Spec:
    """The head: a response string bounded (possibly breaking for servers), a patch bump."""

    def edit(doc: Spec) -> None:
        doc["components"]["schemas"]["StreamMetrics"]["properties"]["name"]["maxLength"] = 500

    return bump(variant(None, edit), "patch")


def without_actions() -> dict[str, str]:
    """This environment without GitHub's variables (the suite itself may run in Actions)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "FAIL_ON", "WAIVERS")
    }


def review(
    tmp_path: Path, head: Spec, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m specdiff`` from the real spec (a.yaml) to ``head`` (b.yaml)."""
    base_file, head_file = write(tmp_path, "a.yaml", spec()), write(tmp_path, "b.yaml", head)
    return run_tool(
        specdiff_main,
        ["--base-file", str(base_file), "--head-file", str(head_file), *extra],
        env=env if env is not None else without_actions(),
        cwd=ROOT,
    )


def waivers_file(tmp_path: Path, *entries: dict[str, Any]) -> str:
    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.safe_dump(list(entries), sort_keys=False, width=10**6))
    return str(path)


def waiver(pointer: str, **more: Any) -> dict[str, Any]:
    return {
        "rule": "request-property-added-required",
        "pointer": pointer,
        "reason": "Only our batch client sends it; it ships in the same release.",
        **more,
    }


# ---- waivers ---------------------------------------------------------------------------


def test_a_waived_breaking_change_exits_0_and_is_listed_as_waived(tmp_path):
    waivers = waivers_file(tmp_path, waiver(priority_at(METRICS_PATH), expires="2999-12-31"))
    result = review(tmp_path, required_priority(), "--waivers", waivers)
    assert result.returncode == 0, result.stdout
    assert "BREAKING           request-property-added-required (waived)" in result.stdout
    assert "waived: Only our batch client sends it" in result.stdout
    assert "until 2999-12-31" in result.stdout
    assert "1 waived (not counted)" in result.stdout
    assert "result: ok" in result.stdout


def test_without_the_waiver_the_same_change_fails(tmp_path):
    result = review(tmp_path, required_priority())
    assert result.returncode == 1
    assert "(waived)" not in result.stdout


def test_an_also_at_pointer_of_the_change_matches_too(tmp_path):
    """One edit of a shared schema is one change: any place it lists names it."""
    waivers = waivers_file(tmp_path, waiver(priority_at(STREAMING)))
    report = json.loads(
        review(tmp_path, required_priority(), "--waivers", waivers, "--format", "json").stdout
    )
    assert report["exit_code"] == 0
    assert report["waived"] == 1
    assert report["verdict"] == "breaking"  # what the diff is; the waiver moves the exit code
    (change,) = report["changes"]
    assert change["waiver"]["reason"].startswith("Only our batch client")
    assert change["waiver"]["at"].endswith("waivers.yaml:1")


def test_a_waiver_of_another_rule_at_that_pointer_waives_nothing(tmp_path):
    other = waiver(priority_at(METRICS_PATH), rule="request-property-became-required")
    result = review(tmp_path, required_priority(), "--waivers", waivers_file(tmp_path, other))
    assert result.returncode == 1
    assert "(waived)" not in result.stdout
    assert "warning: unused waiver" in result.stdout


def test_an_expired_waiver_no_longer_applies_and_says_so(tmp_path):
    waivers = waivers_file(tmp_path, waiver(priority_at(METRICS_PATH), expires="2020-01-31"))
    result = review(tmp_path, required_priority(), "--waivers", waivers)
    assert result.returncode == 1
    assert "waiver expired on 2020-01-31" in result.stdout
    assert "the change counts again" in result.stdout
    assert "unused waiver" not in result.stdout  # it matched: expired, not stale


def test_an_unused_waiver_is_a_warning_not_a_failure(tmp_path):
    stale = waiver("/paths/~1gone/post", rule="operation-removed")
    head = bump(variant(None, add_response_prop(False)), "minor")
    result = review(tmp_path, head, "--waivers", waivers_file(tmp_path, stale))
    assert result.returncode == 0
    assert "warning: unused waiver (" in result.stdout
    assert "no change is operation-removed at /paths/~1gone/post" in result.stdout
    report = json.loads(
        review(
            tmp_path, head, "--waivers", waivers_file(tmp_path, stale), "--format", "json"
        ).stdout
    )
    assert [w["pointer"] for w in report["unused_waivers"]] == ["/paths/~1gone/post"]


def test_an_empty_waivers_file_waives_nothing(tmp_path):
    path = tmp_path / "waivers.yaml"
    path.write_text("")
    assert review(tmp_path, required_priority(), "--waivers", str(path)).returncode == 1


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "- {rule: request-property-added-requird, pointer: /x, reason: r}",
            "unknown rule 'request-property-added-requird' (did you mean "
            "request-property-added-required? `make diff-rules` lists every rule id)",
        ),
        ("- {rule: operation-removed, pointer: /x}", "a waiver needs a reason"),
        ("- {rule: operation-removed, pointer: /x, reason: '  '}", "a waiver needs a reason"),
        (
            "- {rule: operation-removed, pointer: /x, reason: r, expires: 2027-02-30}",
            "expires must be a date, YYYY-MM-DD, got '2027-02-30'",
        ),
        (
            "- {rule: operation-removed, pointer: /x, reason: r, expires: next week}",
            "expires must be a date",
        ),
        (
            "- {rule: operation-removed, pointer: /x, reason: r, expire: 2027-01-01}",
            "unknown key(s) expire",
        ),
        ("- {rule: operation-removed, pointer: x, reason: r}", "JSON Pointer"),
        ("rule: operation-removed", "expected a YAML list"),
        ("- [", "is not YAML"),
        (
            "- {rule: operation-removed, pointer: /x, reason: r}\n"
            "- {rule: operation-removed, pointer: /x, reason: again}",
            "entry 2 (line 2): the same change as line 1",
        ),
    ],
)
def test_a_malformed_waivers_file_is_refused_in_one_line(tmp_path, text, says):
    path = tmp_path / "waivers.yaml"
    path.write_text(text + "\n")
    result = review(tmp_path, required_priority(), "--waivers", str(path))
    assert result.returncode == 2
    assert result.stdout == ""  # refused before any comparison: no verdict
    assert result.stderr.count("\n") == 1
    assert says in result.stderr
    assert str(path) in result.stderr


def test_a_missing_waivers_file_is_refused_in_one_line(tmp_path):
    result = review(tmp_path, required_priority(), "--waivers", str(tmp_path / "none.yaml"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "cannot read the waivers file" in result.stderr


# ---- --fail-on -------------------------------------------------------------------------


def test_fail_on_possibly_breaking_exits_1_on_a_possibly_breaking_change(tmp_path):
    result = review(tmp_path, narrowed_response(), "--fail-on", "possibly-breaking")
    assert result.returncode == 1
    assert "1 possibly breaking change(s) fail with FAIL_ON=possibly-breaking" in result.stdout


def test_by_default_a_possibly_breaking_change_passes(tmp_path):
    result = review(tmp_path, narrowed_response())
    assert result.returncode == 0
    assert "POSSIBLY-BREAKING  response-max-length-narrowed" in result.stdout


def test_fail_on_is_read_from_the_make_knob(tmp_path):
    """``make diff FAIL_ON=...`` and an exported ``FAIL_ON`` reach the option alike."""
    env = {**without_actions(), "FAIL_ON": "possibly-breaking"}
    assert review(tmp_path, narrowed_response(), env=env).returncode == 1
    env["FAIL_ON"] = "sometimes"
    result = review(tmp_path, narrowed_response(), env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1


def test_fail_on_possibly_breaking_passes_a_waived_or_declared_change(tmp_path):
    pointer = json.loads(review(tmp_path, narrowed_response(), "--format", "json").stdout)[
        "changes"
    ][0]["pointer"]
    accepted = waiver(pointer, rule="response-max-length-narrowed")
    waivers = waivers_file(tmp_path, accepted)
    strict = ("--fail-on", "possibly-breaking")
    assert review(tmp_path, narrowed_response(), *strict, "--waivers", waivers).returncode == 0
    major = bump(narrowed_response(), "major")
    result = review(tmp_path, major, *strict)
    assert result.returncode == 0
    assert "possibly breaking changes declared by the major bump" in result.stdout


# ---- the changelog ---------------------------------------------------------------------


def test_changelog_groups_the_changes_in_words_with_the_versions(tmp_path):
    def both(doc: Spec) -> None:
        add_request_prop("priority", True)(doc)
        add_response_prop(False)(doc)

    head = bump(variant(None, both), "major")
    result = review(tmp_path, head, "--format", "changelog")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    version = spec()["info"]["version"]
    assert lines[0].startswith(f"## {head['info']['version']} - ")
    assert lines[0].endswith(f"(major, from {version})")
    assert [line for line in lines if line.startswith("### ")] == ["### Breaking", "### Additive"]
    breaking = lines[lines.index("### Breaking") + 2]
    assert breaking.startswith(
        "- **POST /v1.0/{project_id}/jobs/metrics, POST /v1.0/{project_id}/streaming/jobs/"
        "metrics**: request body.priority: new required request property"
    )
    assert "Clients must change; servers may need to change." in breaking
    assert breaking.endswith("(`request-property-added-required`)")


def test_changelog_marks_a_waived_change_with_its_reason(tmp_path):
    waivers = waivers_file(tmp_path, waiver(priority_at(METRICS_PATH)))
    result = review(tmp_path, required_priority(), "--format", "changelog", "--waivers", waivers)
    assert "  Accepted without a major bump: Only our batch client sends it" in result.stdout
    plain = review(tmp_path, required_priority(), "--format", "changelog")
    assert "Accepted" not in plain.stdout


# ---- GitHub annotations ----------------------------------------------------------------


def test_in_github_actions_each_change_is_annotated_on_its_line(tmp_path):
    env = {**without_actions(), "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)}
    result = review(tmp_path, required_priority(), "--format", "json", env=env)
    assert result.returncode == 1
    json.loads(result.stdout)  # the report stays pure JSON: annotations go to stderr
    (command,) = result.stderr.splitlines()
    assert command.startswith("::error file=b.yaml,line=")
    assert "title=specdiff%3A breaking%3A request-property-added-required::" in command
    line = int(command.split("line=")[1].split(",")[0])
    assert (tmp_path / "b.yaml").read_text().splitlines()[line - 1].strip() == "priority:"


def test_a_waived_change_is_a_notice_and_an_unused_waiver_a_warning(tmp_path):
    env = {**without_actions(), "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)}
    stale = waiver("/paths/~1gone/post", rule="operation-removed")
    waivers = waivers_file(tmp_path, waiver(priority_at(METRICS_PATH)), stale)
    result = review(tmp_path, required_priority(), "--waivers", waivers, env=env)
    assert result.returncode == 0
    notice, warning = result.stderr.splitlines()
    assert notice.startswith("::notice file=b.yaml,line=")
    assert "waived: Only our batch client" in notice
    assert warning.startswith("::warning file=waivers.yaml,line=4,title=specdiff%3A unused")


def test_outside_github_actions_there_are_no_annotations(tmp_path):
    result = review(tmp_path, required_priority())
    assert result.returncode == 1
    assert "::" not in result.stderr


def test_a_pointer_maps_to_the_line_through_references_or_to_its_parent():
    text = (
        "paths:\n"  # 1
        "  /a:\n"  # 2
        "    post:\n"  # 3
        "      schema:\n"  # 4
        "        $ref: '#/components/schemas/X'\n"  # 5
        "components:\n"  # 6
        "  schemas:\n"  # 7
        "    X:\n"  # 8
        "      properties:\n"  # 9
        "        a~b/c:\n"  # 10
        "          minimum: 3\n"  # 11
    )
    lines = Lines(text)
    assert lines.line("/paths/~1a/post/schema/properties/a~0b~1c/minimum") == 11
    assert lines.line("/paths/~1a/post/schema/properties/gone") == 9  # removed: its parent
    assert lines.line("/paths/~1a/post/schema") == 4
    assert lines.line("/paths/~1b/post") == 1
    assert Lines("a: [").line("/a") is None  # not YAML: no line, never an exception


# ---- make diff FORMAT=json -------------------------------------------------------------


def test_make_diff_format_json_prints_only_json(tmp_path):
    base_file = write(tmp_path, "a.yaml", spec())
    head_file = write(tmp_path, "b.yaml", required_priority())
    env = {k: v for k, v in without_actions().items() if k != "GITHUB_STEP_SUMMARY"}
    result = subprocess.run(
        ["make", "--no-print-directory", "diff", f"BASE={base_file}", f"HEAD={head_file}",
         "FORMAT=json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert result.returncode == 2  # make's own code for a failed recipe (the diff exited 1)
    report = json.loads(result.stdout)
    assert report["exit_code"] == 1


# ---- the servers message ---------------------------------------------------------------


def test_a_removed_servers_enum_value_is_named():
    base = spec()["servers"]
    head = variant(None, None)["servers"]
    removed = head[0]["variables"]["region"]["enum"].pop()
    (words,) = servers_difference(base, head)
    assert words.endswith(f"variable region: enum value(s) removed: {removed}")
    assert servers_difference(head, base)[0].endswith(f"enum value(s) added: {removed}")
