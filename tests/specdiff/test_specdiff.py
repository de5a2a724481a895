"""The breaking-change gate: each rule with a breaking and a non-breaking case, and the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from specdiff import Impact, diff_specs
from specdiff.cli import main as specdiff_main
from tests.support import METRICS_PATH, ROOT, copied, run_tool, spec

Spec = dict[str, Any]
Edit = Callable[[Spec], None]


def op(doc: Spec) -> dict[str, Any]:
    return doc["paths"][METRICS_PATH]["post"]


def schemas(doc: Spec) -> dict[str, Any]:
    return doc["components"]["schemas"]


def request_props(doc: Spec) -> dict[str, Any]:
    return schemas(doc)["JobMetricsRequest"]["properties"]


def add_request_prop(name: str, required: bool, **schema: Any) -> Edit:
    def edit(doc: Spec) -> None:
        request_props(doc)[name] = {"description": name, "type": "string", **schema}
        if required:
            schemas(doc)["JobMetricsRequest"]["required"].append(name)

    return edit


def set_in(path: list[Any], value: Any) -> Edit:
    def edit(doc: Spec) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def delete(path: list[Any]) -> Edit:
    def edit(doc: Spec) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return edit


def add_response_prop(required: bool) -> Edit:
    def edit(doc: Spec) -> None:
        stream = schemas(doc)["StreamMetrics"]
        stream["properties"]["lag_ms"] = {
            "description": "lag",
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": 2**63 - 1,
        }
        if required:
            stream.setdefault("required", []).append("lag_ms")

    return edit


RECORDS = ["components", "schemas", "StreamMetrics", "properties", "records"]
JOB_ID = ["components", "schemas", "JobId"]
ERROR_ID = ["components", "schemas", "ErrorResponse", "properties", "error_id"]
PROJECT_PATTERN = ["components", "parameters", "ProjectId", "schema", "pattern"]


def variant(prepare: Edit | None, edit: Edit | None) -> Spec:
    doc = copied(spec())
    if prepare:
        prepare(doc)
    if edit:
        edit(doc)
    return doc


def rename_scheme(doc: Spec) -> None:
    doc["components"]["securitySchemes"]["iamToken"] = doc["components"]["securitySchemes"].pop(
        "authToken"
    )
    op(doc)["security"] = [{"iamToken": []}]


def wrap_job_id(doc: Spec) -> None:
    items = request_props(doc)["job_ids"]
    items["items"] = {"oneOf": [items["items"], {"type": "string", "pattern": "^[0-9]+$"}]}


# The cases the issue that asked for the catalogue named as wrong before it, with the
# verdict (the worst impact over clients and servers) a reviewer expects. A request widened
# is additive for clients and possibly breaking for servers (they refuse the new values
# until they implement them): it never blocks.
NAMED: dict[str, tuple[Edit, str]] = {
    "request integer -> number is a widening": (
        set_in([*JOB_ID, "type"], "number"), "possibly-breaking",
    ),
    "nullable request field": (
        set_in([*JOB_ID, "type"], ["integer", "null"]), "possibly-breaking",
    ),
    "loosened path-parameter pattern": (
        set_in(PROJECT_PATTERN, "^[0-9a-fA-F]{32}$"), "possibly-breaking",
    ),
    "response pattern added (narrowed for servers)": (
        set_in([*ERROR_ID, "pattern"], r"^[A-Z]+\.[0-9]{5}$"), "possibly-breaking",
    ),
    "pattern of unprovable direction": (  # a lookahead no searched string tells apart
        set_in(PROJECT_PATTERN, "^(?=[0-9a-f])[0-9a-f]{32}$"), "possibly-breaking",
    ),
    # A lookahead narrowing: an ID not starting with 0, found by search, proves it.
    "lookahead pattern narrowing proven by an example": (
        set_in(PROJECT_PATTERN, "^(?=0)[0-9a-f]{32}$"), "breaking",
    ),
    "security scheme renamed, same definition": (rename_scheme, "none"),
    "request item wrapped in oneOf with a new branch": (wrap_job_id, "possibly-breaking"),
    "narrowed response int64 bound": (set_in([*RECORDS, "maximum"], 2**53 - 1), "breaking"),
    "narrowed response bound inside the int64 range": (
        set_in([*RECORDS, "minimum"], 1), "possibly-breaking",
    ),
    "widened response int64 bound": (set_in([*RECORDS, "minimum"], -1), "breaking"),
    "response number -> integer (declared type narrowed)": (
        set_in(["components", "schemas", "JobStreamMetrics", "properties", "total_read_rate",
                "type"], "integer"), "breaking",
    ),
    "description only": (set_in(["info", "description"], "Other words."), "none"),
}  # fmt: skip


@pytest.mark.parametrize("name", NAMED)
def test_named_change_gets_the_expected_verdict(name: str) -> None:
    from specdiff.report import verdict_label

    edit, expected = NAMED[name]
    assert verdict_label(diff_specs(spec(), variant(None, edit))) == expected


def test_unchanged_spec_has_no_changes():
    assert diff_specs(spec(), copied(spec())) == []


def test_refs_are_resolved_before_comparing():
    """Renaming a component and its references changes nothing in the contract."""
    doc = copied(spec())
    text = json.dumps(doc).replace(
        "#/components/schemas/StreamMetrics", "#/components/schemas/StreamStats"
    )
    renamed = json.loads(text)
    renamed["components"]["schemas"]["StreamStats"] = renamed["components"]["schemas"].pop(
        "StreamMetrics"
    )
    assert diff_specs(spec(), renamed) == []


def test_response_range_widening_breaks_clients_and_tightening_does_not():
    # StreamMetrics is used by sources and sinks: one edit of it is one entry naming both.
    widened = diff_specs(spec(), variant(None, set_in([*RECORDS, "minimum"], -1)))
    assert [(c.clients, c.servers) for c in widened] == [(Impact.BREAKING, Impact.ADDITIVE)]
    places = [widened[0].pointer, *(pointer for _, pointer in widened[0].also)]
    assert {p.rsplit("/", 5)[1] for p in places} == {"sources", "sinks"}
    assert widened[0].source == "#/components/schemas/StreamMetrics/properties/records/minimum"
    tightened = diff_specs(spec(), variant(None, set_in([*RECORDS, "minimum"], 1)))
    assert [(c.clients, c.servers) for c in tightened] == [
        (Impact.ADDITIVE, Impact.POSSIBLY_BREAKING)
    ]


# ---- the command line, as `make diff` runs it ----------------------------------------


def write(tmp_path: Path, name: str, doc: Spec) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def run_diff(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m specdiff ARGS``, in this process (``python -m specdiff`` itself is run by
    tests/specdiff/test_inputs.py)."""
    return run_tool(specdiff_main, args, cwd=ROOT)


def diff_against_spec(tmp_path: Path, head: Spec, *extra: str) -> subprocess.CompletedProcess[str]:
    """`make diff` from the real spec (as a file) to ``head``."""
    base_file, head_file = write(tmp_path, "a.yaml", spec()), write(tmp_path, "b.yaml", head)
    return run_diff("--base-file", str(base_file), "--head-file", str(head_file), *extra)


def bump(doc: Spec, part: str) -> Spec:
    """``doc`` with the spec's version bumped: ``part`` is major, minor or patch."""
    major, minor, patch = map(int, spec()["info"]["version"].split("."))
    doc["info"]["version"] = {
        "major": f"{major + 1}.0.0",
        "minor": f"{major}.{minor + 1}.0",
        "patch": f"{major}.{minor}.{patch + 1}",
    }[part]
    return doc


def test_cli_optional_response_property_is_additive_and_exits_0(tmp_path):
    head = bump(variant(None, add_response_prop(False)), "minor")
    result = diff_against_spec(tmp_path, head)
    assert result.returncode == 0, result.stdout
    assert "ADDITIVE           response-property-added-optional" in result.stdout
    assert "/components" not in result.stdout  # pointers are in the operation, refs resolved
    assert (
        "/paths/~1v1.0~1{project_id}~1jobs~1metrics/post/responses/200/content/application~1json/schema"
        in result.stdout
    )


def test_cli_required_request_property_exits_1_and_names_it(tmp_path):
    head = variant(None, add_request_prop("limit", True))
    result = diff_against_spec(tmp_path, head)
    assert result.returncode == 1
    assert "BREAKING" in result.stdout
    assert "request body.limit: new required request property" in result.stdout
    assert "without a major version bump" in result.stdout


def test_cli_major_bump_declares_the_break(tmp_path):
    head = bump(variant(None, add_request_prop("limit", True)), "major")
    result = diff_against_spec(tmp_path, head)
    assert result.returncode == 0
    assert "declared by the major bump" in result.stdout


def test_cli_json_says_why_a_breaking_verdict_exits_0(tmp_path):
    head = bump(variant(None, add_request_prop("limit", True)), "major")
    report = json.loads(diff_against_spec(tmp_path, head, "--format", "json").stdout)
    assert (report["verdict"], report["exit_code"], report["major_bump"]) == ("breaking", 0, True)
    minor = bump(variant(None, add_request_prop("limit", True)), "minor")
    report = json.loads(diff_against_spec(tmp_path, minor, "--format", "json").stdout)
    assert (report["verdict"], report["exit_code"], report["major_bump"]) == ("breaking", 1, False)


def test_cli_a_missing_base_file_is_an_error_not_a_git_ref(tmp_path):
    head = write(tmp_path, "b.yaml", spec())
    result = run_diff("--base", str(tmp_path / "old.yaml"), "--head", str(head))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "no such file" in result.stderr
    assert "invalid object name" not in result.stderr


def test_cli_security_finding_names_the_header(tmp_path):
    head = variant(None, set_in(["components", "securitySchemes", "authToken", "name"], "X-Key"))
    result = diff_against_spec(tmp_path, head)
    assert result.returncode == 1
    assert (
        "no longer accepted: API key in header X-Auth-Token (authToken); "
        "accepted now: API key in header X-Key (authToken)"
    ) in result.stdout


def test_informational_changes_keep_the_verdict_none(tmp_path):
    """Servers and tags are listed, informational: the verdict stays none, exit 0."""
    head = variant(None, set_in(["tags", 0, "description"], "Other words."))
    head["servers"][0]["variables"]["region"]["enum"].pop()
    report = json.loads(diff_against_spec(tmp_path, head, "--format", "json").stdout)
    assert report["verdict"] == "none"
    assert report["exit_code"] == 0
    assert {c["rule"] for c in report["changes"]} == {"servers-changed", "tags-changed"}
    assert {c["impact"] for c in report["changes"]} == {"none"}


def test_cli_json_and_junit(tmp_path):
    head = variant(None, add_request_prop("limit", True))
    junit = tmp_path / "specdiff.xml"
    result = diff_against_spec(tmp_path, head, "--format", "json", "--junit", str(junit))
    report = json.loads(result.stdout)
    assert report["exit_code"] == 1
    assert report["changes"][0]["rule"] == "request-property-added-required"
    assert report["verdict"] == "breaking"
    assert report["changes"][0]["clients"] == "breaking"
    # (one edit of a schema both operations use: the message names the places it reaches)
    assert (
        '<failure message="request body.limit: new required request property' in junit.read_text()
    )


def committed_spec(repo: Path, relative: str) -> Path:
    """A new git repository holding the real spec at ``relative``, committed."""
    spec_file = repo / relative
    spec_file.parent.mkdir(parents=True)
    spec_file.write_text(yaml.safe_dump(spec(), sort_keys=False))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "spec"], check=True)
    return spec_file


def test_cli_reads_the_base_from_git(tmp_path):
    repo = tmp_path / "repo"
    spec_file = committed_spec(repo, "openapi/jobs-metrics.openapi.yaml")
    spec_file.write_text(
        yaml.safe_dump(variant(None, delete(["paths", METRICS_PATH, "post"])), sort_keys=False)
    )
    result = run_diff("--repo", str(repo), "--base", "HEAD")
    assert result.returncode == 1
    assert "operation-removed" in result.stdout
    assert run_diff("--repo", str(repo), "--base", "no-such-ref").returncode == 2


def test_installed_command_reads_the_repository_it_runs_in(tmp_path):
    """`jobs-metrics diff` with no --repo: the current directory's repository, any layout."""
    repo = tmp_path / "elsewhere"
    committed_spec(repo, "api/v1.yaml")
    command = Path(sys.executable).parent / "jobs-metrics"
    result = subprocess.run(
        [str(command), "diff", "--base", "HEAD", "--spec", "api/v1.yaml"],
        cwd=repo, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "result: ok" in result.stdout


EXPECTED = Path(__file__).parent / "expected"


def test_text_report_matches_the_golden_record():
    """The report is what a reviewer reads: its exact text is kept in expected/report.txt.

    Two changes in one diff (a new required request field, a new optional response field);
    when the format changes on purpose, the record is updated in the same commit.
    """
    from specdiff.policy import judge
    from specdiff.report import as_text

    def both(doc: Spec) -> None:
        add_request_prop("priority", True, type="string")(doc)
        add_response_prop(False)(doc)

    base, head = spec(), variant(None, both)
    changes = diff_specs(base, head)
    verdict = judge(changes, "1.0.0", "1.0.0")
    text = as_text(changes, verdict, "base.yaml (1.0.0)", "head.yaml (1.0.0)") + "\n"
    assert text == (EXPECTED / "report.txt").read_text()


def test_cli_markdown_report_and_job_summary(tmp_path):
    """`--base FILE --head FILE --format markdown --summary F`: what CI writes to the job
    summary is the same Markdown as the report, appended."""
    base_file = write(tmp_path, "a.yaml", spec())
    head_file = write(tmp_path, "b.yaml", variant(None, set_in([*RECORDS, "minimum"], -1)))
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = run_diff(
        "--base", str(base_file), "--head", str(head_file),
        "--format", "markdown", "--summary", str(summary),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout.startswith("### Spec diff: breaking (failed)")
    assert "| 🔴 breaking | `response-minimum-widened` |" in result.stdout
    assert summary.read_text() == "earlier step\n" + result.stdout


def test_cli_rules_lists_the_whole_catalogue():
    from specdiff import CATALOGUE

    result = run_diff("--rules")
    assert result.returncode == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert sorted(row.split("`")[1] for row in rows) == sorted(CATALOGUE)


def test_cli_refuses_a_malformed_document_instead_of_guessing(tmp_path):
    """A list where OpenAPI wants an object: exit 2 and a pointer to lint-spec, no verdict."""
    head = variant(None, set_in(["paths", METRICS_PATH, "post", "responses"], ["200"]))
    result = diff_against_spec(tmp_path, head)
    assert result.returncode == 2
    assert "not a well-formed OpenAPI document" in result.stderr
    assert "make lint-spec" in result.stderr


def test_composition_branches_pair_by_component_even_when_it_changed():
    """oneOf [JobId, Sevens]: a third branch added while JobId's bound moved. The branches
    pair by the component they reference: one added branch and one narrowed bound, not
    every branch "removed" and "added". (Branches of one type each, disjoint, are a type
    list: the branches here share the integer type.)"""

    def prepare(doc: Spec) -> None:
        schemas(doc)["Text"] = {"type": "integer", "multipleOf": 7}
        request_props(doc)["job_ids"]["items"] = {
            "oneOf": [{"$ref": "#/components/schemas/JobId"}, {"$ref": "#/components/schemas/Text"}]
        }

    def edit(doc: Spec) -> None:
        schemas(doc)["JobId"]["maximum"] = 2**53 - 1
        branches = request_props(doc)["job_ids"]["items"]["oneOf"]
        branches.append({"type": "integer", "multipleOf": 11})

    rules = sorted(c.rule for c in diff_specs(variant(prepare, None), variant(prepare, edit)))
    assert rules == ["request-maximum-narrowed", "request-one-of-widened"]


def test_an_all_of_member_that_only_annotates_changes_nothing():
    def edit(doc: Spec) -> None:
        request_props(doc)["job_ids"]["allOf"] = [{"title": "IDs", "description": "Job IDs."}]

    assert diff_specs(spec(), variant(None, edit)) == []


def test_a_pattern_too_costly_to_compare_is_unknown_not_a_hang():
    """Nested counted repetitions blow up the automata: the worker is stopped after the
    budget and the change is unknown (possibly breaking)."""
    from specdiff.patterns import compare_patterns

    assert compare_patterns("^[0-9a-f]{32}$", "^[0-9a-fA-F]{32}$") == (False, True)
    assert compare_patterns("^([a-z]{1,100}-){1,4}x$", "^([a-z]{1,100}-){1,3}x$", budget=1) is None
    assert compare_patterns("^[0-9]+$", "^[0-9]*$") == (False, True)  # the pool was replaced


def test_one_child_compares_every_pattern_and_a_dead_one_is_replaced():
    """The comparisons of a diff share one child interpreter (its start-up is paid once);
    a child that died, between two comparisons or in one, is replaced."""
    from specdiff import patterns

    assert patterns.lost_and_gained("^a+$", "^a*$") == (False, True)  # in this process
    worker = patterns._Worker()
    first = worker.ask(["automata", "^a+$", "^a*$"], patterns.PATTERN_BUDGET_S)
    child = worker._process
    assert first == [False, True]
    assert child is not None
    assert worker.ask(["automata", "^b$", "^c$"], 5.0) == [True, True]
    assert worker._process is child  # the same child
    child.kill()
    child.wait()
    assert worker.ask(["automata", "^b$", "^b$"], 5.0) == [False, False]
    assert worker._process is not child
    # a comparison that ends the child (here a request it cannot read) is unknown, the next
    # one is answered by a new child
    assert worker.ask(["automata", 1, 2], 5.0) is None
    assert worker.ask(["automata", "^b$", "^b?$"], 5.0) == [False, True]
    worker.stop()


def test_a_diff_leaves_no_child_and_no_memo_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pattern worker is the diff's (issue #35): once ``diff_specs`` returns, no child
    interpreter of it runs and no answer is kept for the next caller."""
    import psutil

    from specdiff import patterns

    started: list[int] = []
    real_start = patterns._Worker._started

    def start(worker: patterns._Worker) -> subprocess.Popen[str]:
        process = real_start(worker)
        started.append(process.pid)
        return process

    monkeypatch.setattr(patterns._Worker, "_started", start)
    base = spec()
    head = copied(base)
    schema = head["components"]["parameters"]["ProjectId"]["schema"]
    schema["pattern"] = schema["pattern"].replace("a-f", "a-fA-F")
    assert diff_specs(base, head)
    assert started  # the pattern was compared in a child
    alive = {child.pid for child in psutil.Process().children(recursive=True)}
    assert alive.isdisjoint(started)
    assert patterns._SESSION.get() is None


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX only")
def test_a_comparison_interrupted_while_waiting_leaves_no_answer_behind():
    """Ctrl-C (or any exception) while the child computes: the child is stopped, or its late
    answer would go to the next comparison, and every answer after it would be one behind."""
    from specdiff import patterns

    class Interrupted(Exception):
        pass

    def interrupt(*_: object) -> None:
        raise Interrupted

    worker = patterns._Worker()

    assert worker.ask(["automata", "^a$", "^a$"], 5.0) == [False, False]
    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(Interrupted):  # a comparison of seconds (nested counted groups)
            worker.ask(["automata", "^([a-z]{1,40}-){1,2}x$", "^([a-z]{1,40}-)x$"], 30)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert worker.ask(["automata", "^b$", "^b$"], 5.0) == [False, False]
    assert worker.ask(["automata", "^c$", "^d$"], 5.0) == [True, True]
    worker.stop()


@pytest.mark.slow  # a process killed mid-comparison, and a wait for its child; CI runs it
def test_the_pattern_child_of_a_killed_program_ends():
    """`kill -9` of a program mid-comparison closes no pipe its child is reading; the child
    notices its parent is gone and ends, instead of computing on for minutes."""
    import psutil

    costly = ["automata", "^([a-z]{1,90}-){1,4}x$", "^([a-z]{1,90}-)x$"]  # minutes
    script = (
        "from specdiff import patterns\n"
        "worker = patterns._Worker()\n"
        "worker.ask(['automata', '^a$', '^a$'], 30)\n"
        "print(worker._process.pid, flush=True)\n"
        f"worker.ask({costly!r}, 600)\n"
    )
    program = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert program.stdout is not None
    child = psutil.Process(int(program.stdout.readline()))
    time.sleep(0.5)  # the long comparison is under way
    assert child.is_running()
    program.kill()
    program.wait()
    child.wait(timeout=10)  # psutil.TimeoutExpired if it computes on


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_a_forked_process_starts_its_own_pattern_child():
    """A program that forks after a comparison (a multiprocessing "fork" pool), even while
    another of its threads is comparing, must neither write into its parent's child nor
    wait for a lock nobody here will release: each process compares through its own."""
    import warnings

    from specdiff import patterns

    with patterns.pattern_worker():
        assert patterns.compare_patterns("^[ab]$", "^[abc]$") == (False, True)
        worker = patterns._SESSION.get()
        assert worker is not None
        parents = worker._process
        assert parents is not None
        with worker._lock, warnings.catch_warnings():  # a thread is mid-comparison
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12: fork with threads
            pid = os.fork()
            if pid == 0:  # the forked process: answer, through a child of its own
                signal.alarm(20)  # a lock never released ends this process, not the test
                ok = patterns.compare_patterns("^x$", "^xy?$") == (False, True)
                ok = ok and worker._process is parents
                worker.stop()  # leaving the block in the fork: must not touch the pipes
                os._exit(0 if ok and worker._process is None else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert worker._process is parents
        assert patterns.compare_patterns("^x$", "^x$") == (False, False)


def test_library_use_from_a_script_without_a_main_guard(tmp_path):
    """diff_specs compares patterns in a child interpreter; a plain script that calls it
    at top level (no `if __name__ == "__main__"`) must work: a multiprocessing "spawn"
    pool re-ran such scripts in its workers."""
    script = tmp_path / "review.py"
    script.write_text(
        "import copy\n"
        "from specdiff import diff_specs\n"
        "from tests.support import spec\n"
        "head = copy.deepcopy(spec())\n"
        "head['components']['parameters']['ProjectId']['schema']['pattern'] = "
        "'^[0-9a-fA-F]{32}$'\n"
        "print([str(c.rule) for c in diff_specs(spec(), head)])\n"
    )
    result = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['request-pattern-widened']"
    assert result.stderr == ""


def test_a_lookahead_narrowing_is_proven_by_an_example_string():
    """greenery cannot read a lookahead; a string the old pattern matches and the new one
    refuses, found by search, proves the narrowing (and is the simplest one: all digits)."""
    from specdiff.patterns import pattern_difference, without_lookarounds

    old, new = "^[0-9a-f]{32}$", "^(?=.*[a-f])[0-9a-f]{32}$"
    found = pattern_difference(old, new)
    assert (found.lost, found.lost_example) == (True, "0" * 32)
    assert found.gained is None  # not found is not proven: the report says so
    assert without_lookarounds(r"^(?!\()[(](?<=x)a(?=[)])b$") == r"^[(]ab$"
    same = pattern_difference("^[0-9a-f]+$", "^(?=[0-9a-f])[0-9a-f]+$")
    assert (same.lost, same.gained) == (None, None)  # unknown, never a guess


def test_a_status_written_unquoted_is_the_same_status():
    """YAML reads `200:` as the number 200; OpenAPI means the status "200"."""
    head = copied(spec())
    responses = op(head)["responses"]
    op(head)["responses"] = {int(k): v for k, v in responses.items()}
    assert diff_specs(spec(), head) == []
