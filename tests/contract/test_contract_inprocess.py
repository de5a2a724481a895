"""Schemathesis' pytest integration against ``create_app()`` in-process (no network hop).

The same ``schemathesis.toml`` and custom checks as ``make fuzz``: a modest example count in
``make test``, a long run under the ``slow`` marker.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from reference_server import Settings, create_app
from reference_server.demo import PROJECT_A, TOKEN_A
from tests.support import SPEC_PATH

# fuzz_harness/schemathesis.toml reads the pinned token and project from these, as the
# harness sets them.
os.environ.setdefault("JM_FUZZ_TOKEN", TOKEN_A)
os.environ.setdefault("JM_FUZZ_PROJECT_ID", PROJECT_A)

import schemathesis

import fuzz_harness.hooks  # noqa: F401  (registers this API's checks)
from fuzz_harness.faults import faulty_app
from fuzz_harness.st_run import CONFIG

schema = schemathesis.openapi.from_path(SPEC_PATH, config=schemathesis.Config.from_path(CONFIG))
# JM_CONTRACT_FAULT serves a fault-injected variant: test_contract_catches_faults uses it
# to prove these tests fail a broken server.
_settings = Settings(db_path=Path(tempfile.mkdtemp(prefix="contract-")) / "db.sqlite3")
_fault = os.environ.get("JM_CONTRACT_FAULT")
schema.app = faulty_app(_fault, _settings) if _fault else create_app(_settings)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_reference_server_honours_the_contract(case):
    case.call_and_validate()


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
def test_reference_server_honours_the_contract_long(case):
    case.call_and_validate()


@pytest.mark.parametrize(
    "fault",
    [
        "wrong-type",
        pytest.param("unrequested-jobs", marks=pytest.mark.slow),
        pytest.param("accept-invalid-body", marks=pytest.mark.slow),
    ],
)
def test_contract_catches_faults(fault):
    if os.environ.get("JM_CONTRACT_FAULT"):
        pytest.skip("already inside a fault run")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            f"{__file__}::test_reference_server_honours_the_contract",
        ],
        env={**os.environ, "JM_CONTRACT_FAULT": fault},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed" in result.stdout
