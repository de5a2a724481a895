"""The stand-in's control API document (openapi/stand-in.openapi.yaml) is linted like the
main spec, and the bounds it states are the server's (jobs_metrics_stand_in/control.py,
limits.py) or true of the main spec by construction."""

from __future__ import annotations

import re
import subprocess
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from jobs_metrics_spec import spec_document
from jobs_metrics_stand_in import limits
from jobs_metrics_stand_in.contract import (
    ACCEPTED_RULE,
    THROTTLED_RULE,
    TOKEN_EXPIRED_RULE,
    spec_operations,
)
from jobs_metrics_stand_in.control import MAX_JOURNAL_FILTER_CHARS
from jobs_metrics_stand_in.names import CLIENT_ENTRY_ID, CONTROL_API_VERSION
from scripts.lint_spec import node_env
from tests.support import ROOT

STAND_IN_SPEC = ROOT / "openapi" / "stand-in.openapi.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(STAND_IN_SPEC.read_text())
    return loaded


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


@pytest.mark.slow
def test_make_lint_spec_lints_both_documents_and_the_stand_ins_passes():
    """What `make lint-spec` runs (the whole gate, ~5 s: CI runs it in test-slow)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "lint-spec"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=node_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("jobs-metrics.openapi.yaml", "stand-in.openapi.yaml"):
        assert f"redocly: {ROOT / 'openapi' / name}: OK" in result.stdout
    assert result.stdout.count("lint-spec: 0 errors, 0 warnings") == 2


def test_the_stated_limits_are_the_servers(document):
    schemas = _schemas(document)
    paths = document["paths"]
    listed = paths["/_stand-in/sandboxes"]["get"]["responses"]["200"]["content"]
    assert listed["application/json"]["schema"]["properties"]["sandboxes"]["maxItems"] == (
        limits.MAX_SANDBOXES
    )
    summary = schemas["SandboxSummary"]["properties"]
    assert summary["jobs"]["maximum"] == limits.MAX_JOBS
    assert summary["script_entries"]["maximum"] == limits.MAX_SCRIPT_ENTRIES
    assert summary["journal_entries"]["maximum"] == limits.MAX_JOURNAL_ENTRIES
    assert summary["throttle_per_second"]["maximum"] == limits.MAX_PER_SECOND
    assert schemas["Jobs"]["maxItems"] == limits.MAX_JOBS
    assert schemas["Generate"]["properties"]["count"]["maximum"] == limits.MAX_GENERATED_JOBS
    assert schemas["Journal"]["properties"]["entries"]["maxItems"] == limits.MAX_JOURNAL_ENTRIES
    journal_entry = schemas["JournalEntry"]["properties"]
    assert journal_entry["body"]["maxLength"] == limits.MAX_JOURNAL_BODY_BYTES
    assert journal_entry["script_entries"]["maxItems"] == limits.MAX_SCRIPT_ENTRIES
    entry = schemas["EntryIn"]["properties"]
    assert entry["delay"]["maximum"] == entry["max_delay"]["maximum"] == limits.MAX_DELAY_SECONDS
    assert entry["seconds"]["maximum"] == limits.MAX_HANG_SECONDS
    assert schemas["JournalFilter"]["maxLength"] == MAX_JOURNAL_FILTER_CHARS


def test_the_id_patterns_are_true_of_the_main_spec(document):
    """Operation and rule ids are the main spec's: the stand-in refuses any other, so the
    patterns it states hold as long as every id of the main spec matches them."""
    schemas = _schemas(document)
    operation_ids = [op.id for op in spec_operations()]
    rule_ids = {ACCEPTED_RULE, THROTTLED_RULE, TOKEN_EXPIRED_RULE}
    rule_ids |= {rule for op in spec_operations() for rule in op.error_rules}
    for schema, ids in ((schemas["OperationId"], operation_ids), (schemas["RuleId"], rule_ids)):
        for found in ids:
            assert re.fullmatch(schema["pattern"].strip("^$"), found), found
            assert schema["minLength"] <= len(found) <= schema["maxLength"], found
    assert schemas["ClientEntryId"]["pattern"] == CLIENT_ENTRY_ID  # the model's, one pattern
    assert document["info"]["version"] == CONTROL_API_VERSION  # what /health says
    assert re.fullmatch(schemas["EntryId"]["pattern"].strip("^$"), "c12")
    main_job_id = spec_document()["components"]["schemas"]["JobId"]
    ours = schemas["JobId"]
    assert (ours["minimum"], ours["maximum"]) == (main_job_id["minimum"], main_job_id["maximum"])


def test_every_override_of_the_stand_in_names_a_place_it_has(document):
    """An override for a place the document no longer has would silence nothing and hide
    that the reason is stale."""
    ruleset = yaml.safe_load((ROOT / ".spectral.yaml").read_text())
    places = [
        place
        for override in ruleset["overrides"]
        for place in override["files"]
        if place.startswith("openapi/stand-in.openapi.yaml")
    ]
    assert places, "no override of the stand-in's document was found"
    for place in places:
        _, _, pointer = place.partition("#")
        node: Any = document
        for part in filter(None, pointer.split("/")):
            key = unquote(part).replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        assert node is not None, place
