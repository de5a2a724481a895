"""The harness of ``make fuzz`` fails every fault-injected server and passes the correct one.

Each case runs the real harness (scripts/fuzz.py: a live server process, the schemathesis
CLI, schemathesis.toml and our checks) with a fixed seed, as ``make fuzz-selftest`` does.
"""

from __future__ import annotations

import pytest

from reference_server.faults import FAULTS
from scripts.fuzz_selftest import CORRECT, run_one

SEED = 20261124


def test_correct_server_passes():
    outcome = run_one(CORRECT, SEED, 50)
    assert outcome.exit_code == 0, outcome


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_harness_fails_the_faulty_server(fault):
    outcome = run_one(fault, SEED, 50)
    assert outcome.exit_code == 1, outcome
    assert outcome.caught_by.startswith("ST"), outcome  # the report names the violation


def test_at_least_ten_distinct_faults():
    assert len(FAULTS) >= 10
