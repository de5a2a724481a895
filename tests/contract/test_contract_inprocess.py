"""Schemathesis' pytest integration against ``create_app()`` in-process (no network hop).

The same ``schemathesis.toml`` and custom checks as ``make fuzz``: a modest example count in
``make test``, a long run under the ``slow`` marker.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from fuzz_harness import hooks
from fuzz_harness.st_run import CONFIG
from fuzz_selftest.faults import faulty_app
from reference_server import Settings, create_app
from reference_server.asgi_types import ASGIApp, Receive, Scope, Send
from reference_server.demo import PROJECT_A, TOKEN_A
from tests.support import SPEC_PATH

# The harness' own settings, with the demo identity where the harness would put AUTH_TOKEN
# and PROJECT_ID (substituted here rather than set in os.environ for the whole session).
_config_text = (
    CONFIG.read_text()
    .replace("${JM_FUZZ_TOKEN}", TOKEN_A)
    .replace("${JM_FUZZ_PROJECT_ID}", PROJECT_A)
)
hooks.register()  # this API's checks, as the harness' schemathesis.toml registers them
schema = schemathesis.openapi.from_path(
    SPEC_PATH, config=schemathesis.Config.from_str(_config_text)
)


class AppOfTheModule:
    """The ASGI app schemathesis calls: the real one is plugged in by ``served_app``.

    schemathesis picks its transport when the schema gets an app, so the schema gets this
    stand-in at import (nothing is built then) and the fixture builds the real app when the
    tests run. Lifespan messages are answered here: the store is closed by the fixture, once,
    not by whichever test ends first.
    """

    target: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": f"{message['type']}.complete"})
            return
        assert self.target is not None, "the served_app fixture is not active"
        await self.target(scope, receive, send)


APP = AppOfTheModule()
schema.app = APP


@pytest.fixture(scope="module", autouse=True)
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The app the cases are sent to, built when the tests run (not when collected).

    JM_CONTRACT_FAULT serves a fault-injected variant: test_contract_catches_faults uses it
    to prove these tests fail a broken server.
    """
    app_settings = Settings(db=tmp_path_factory.mktemp("contract") / "db.sqlite3")
    fault = os.environ.get("JM_CONTRACT_FAULT")
    APP.target = faulty_app(fault, app_settings) if fault else create_app(app_settings)
    yield
    APP.target = None


# One test function per operation: schemathesis 4.32 under pytest 9 puts the operation in
# an item's name but not in its node ID, so one function over both operations gave two
# items with one ID, and whatever addresses tests by ID (xdist's per-file scheduling, --lf,
# `pytest FILE::TEST`) saw one of them.
# (Exclusions: an include is OR-ed with the `[[operations]]` of schemathesis.toml.)
CS = schema.exclude(operation_id="showFlinkMetric")
# The successor gets the CS token and no signature, so this checks its 401 answers against
# the spec; the harness signs its requests (tests/fuzz_harness/test_successor.py).
SUCCESSOR = schema.exclude(operation_id="queryJobMetrics")


@CS.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_reference_server_honours_the_contract(case):
    case.call_and_validate()


@SUCCESSOR.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_successor_refuses_unsigned_requests_as_the_contract_says(case):
    case.call_and_validate()


@pytest.mark.slow
@CS.parametrize()
@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
def test_reference_server_honours_the_contract_long(case):
    case.call_and_validate()


@pytest.mark.slow
@SUCCESSOR.parametrize()
@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_successor_refuses_unsigned_requests_as_the_contract_says_long(case):
    case.call_and_validate()


@pytest.mark.parametrize(
    "fault",
    [
        "wrong-type",
        pytest.param("unrequested-jobs", marks=pytest.mark.slow),
        pytest.param("accept-invalid-body", marks=pytest.mark.slow),
    ],
)
@pytest.mark.slow  # a whole schemathesis run per fault; CI runs it in test-slow
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
