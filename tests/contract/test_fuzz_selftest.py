"""The harness of ``make fuzz`` fails every fault-injected server and passes the correct one.

Each case runs the real harness (a live server process, the preflight, the probes, the
schemathesis CLI with our hooks) with a fixed seed, as ``make fuzz-selftest`` does, and
checks that the rule the fault breaks is the one reported failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz_harness.faults import FAULTS
from fuzz_harness.selftest import CORRECT, run_one

SEED = 20261124
# The rule each fault must be caught by (at least; others may fail too).
CAUGHT_BY = {
    # caught by the rows of the transform catalogue (fuzz_harness/transforms.py)
    "json-whitespace-refused": "valid-request-accepted",
    "key-escapes-refused": "valid-request-accepted",
    "trailing-comma-accepted": "json-malformed",
    "comments-accepted": "json-malformed",
    "trailing-text-accepted": "json-malformed",
    "leading-zeros-accepted": "json-malformed",
    "single-quotes-accepted": "json-malformed",
    "utf16-accepted": "json-malformed",
    "quoted-charset-refused": "valid-request-accepted",
    "proxy-headers-refused": "valid-request-accepted",
    "null-job-ids-crash": "body-schema-violation",
    "wrong-type": "response-schema",
    "negative-count": "response-schema",
    "null-field": "response-schema",
    "int64-overflow": "response-schema",
    "misspelled-field": "response-schema",
    "time-as-string": "response-schema",
    "unrequested-jobs": "jobs-only-requested",
    "undocumented-status": "body-schema-violation",
    "wrong-content-type": "response-schema",
    "empty-200": "response-schema",
    "server-error": "valid-request-accepted",
    "accept-invalid-body": "body-schema-violation",
    "malformed-error-body": "error-body-schema",
    "ignore-missing-token": "token-missing",
    "accept-any-token": "token-unknown",
    "ignore-project-id": "token-other-project",
    "no-allow-header": "method-not-allowed",
    "wrong-method-status": "method-not-allowed",
    "cross-project-leak": "jobs-foreign-hidden",
    "known-jobs-never-found": "jobs-found-in-order",
    "error-ids-swapped": "json-malformed",
    "bad-body-internal-error": "body-schema-violation",
    "mismatch-as-no-permission": "token-other-project",
    "accept-non-json": "content-type-not-json",
    "405-text-body": "method-not-allowed",
    "404-text-body": "path-unknown",
    "upper-case-project": "project-id-malformed",
    "no-body-limit": "body-too-large",
    "no-header-limit": "headers-too-large",
    "duplicate-headers-accepted": "header-duplicate",
    "content-encoding-ignored": "content-encoding-not-identity",
    "token-prefix": "token-unknown",
    "token-any-case": "token-unknown",
    "equal-numbers-distinct": "job-ids-duplicate",
    "id-string-split": "body-schema-violation",
    "media-parameters-refused": "valid-request-accepted",
    "chunked-crash": "valid-request-accepted",
    "chunked-no-body-limit": "body-too-large",
    "head-answered-200": "method-not-allowed",
    "options-answered-204": "method-not-allowed",
    "trailing-slash-html": "path-unknown",
    "header-limit-4k": "valid-request-accepted",
    "time-in-seconds": "times-in-milliseconds",
    "metrics-shifted": "jobs-answer-stable",
    "hidden-jobs-counted": "foreign-like-unknown",
    "intermittent-500": "connection-stable",
    "keep-alive-desync": "connection-stable",
    "signature-not-checked": "showFlinkMetric/signature-wrong",
    "skew-not-checked": "showFlinkMetric/date-skewed",
    "body-not-covered": "showFlinkMetric/signature-body-not-covered",
    "project-not-bound": "showFlinkMetric/key-other-project",
    "signing-headers-collapsed": "showFlinkMetric/signing-header-duplicate",
}
# Faults that break only should rules: without STRICT they are warnings, the run passes.
SHOULD_ONLY = [
    "no-body-limit",
    "no-header-limit",
    "duplicate-headers-accepted",
    "content-encoding-ignored",
    "chunked-no-body-limit",
]


def test_every_fault_names_the_rule_it_breaks():
    assert set(CAUGHT_BY) == set(FAULTS)


@pytest.mark.parametrize(
    "examples",
    [
        10,  # make test: the whole pipeline, both operations, every probe
        pytest.param(50, marks=pytest.mark.slow),  # as many generated cases as the faults get
    ],
)
def test_correct_server_passes(examples: int, tmp_path: Path) -> None:
    outcome = run_one(CORRECT, SEED, examples, report_dir=tmp_path)
    # A false FAIL of the real server is what a fuzz verdict must never give: the message
    # carries the whole report, so a failure seen once (in a CI log) can be understood. (A
    # string: pytest cuts any other message to 240 characters.)
    report = tmp_path / "conformance.md"
    said = report.read_text() if report.exists() else "(no report)"
    assert outcome.exit_code == 0, f"{outcome}\n{said}"


def _check(fault: str) -> None:
    # 20 generated cases per phase: each fault is caught under its rule with them (the probes
    # do most of it), in two thirds of the time 50 took; `make fuzz-selftest` runs 100.
    outcome = run_one(fault, SEED, 20)
    assert outcome.exit_code == 1, outcome
    assert CAUGHT_BY[fault] in outcome.caught_by.split(" (")[0].split(", "), outcome


@pytest.mark.slow
@pytest.mark.parametrize("fault", SHOULD_ONLY)
def test_a_should_fault_is_a_warning_without_strict(fault):
    outcome = run_one(fault, SEED, 20, strict=False)
    assert outcome.exit_code == 0, outcome
    assert f"warnings: {CAUGHT_BY[fault]}" in outcome.caught_by, outcome


# A whole fuzz run per fault (~5 s each): CI runs them all in test-slow. `make test` keeps
# the real server's run above, and the in-process judge tests of each rule.
@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_harness_fails_every_faulty_server(fault):
    _check(fault)
