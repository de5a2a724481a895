"""The pytest plugin as a client team meets it: a test file with no conftest, the fixtures
found through the installed entry point, run by pytest in a child process (``pytester``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest

from jobs_metrics_stand_in import StandIn, StandInError
from jobs_metrics_stand_in.pytest_plugin import ENV_URL, SECTION, SandboxSupply

pytest_plugins = ["pytester"]

# Twenty tests, as the acceptance: each scripts token-expired and sees CS.10007, then
# a normal answer, through the generated client; each notes its worker and stand-in.
TWENTY = """
import os

import pytest
from jobs_metrics_client import AuthenticatedClient
from jobs_metrics_client.api.job_monitoring import query_job_metrics
from jobs_metrics_client.models import ErrorResponse, JobMetricsRequest, JobMetricsResponse


@pytest.mark.parametrize("n", range(20))
def test_token_expired_then_an_answer(jobs_metrics_sandbox, n):
    sandbox = jobs_metrics_sandbox
    sandbox.generate_jobs(2, seed=n)
    sandbox.fail_next("token-expired", operation="queryJobMetrics")
    with AuthenticatedClient(base_url=sandbox.base_url, token=sandbox.token) as client:
        first = query_job_metrics.sync(
            sandbox.project_id, client=client, body=JobMetricsRequest(job_ids=[1])
        )
        second = query_job_metrics.sync(
            sandbox.project_id, client=client, body=JobMetricsRequest(job_ids=[1])
        )
    assert isinstance(first, ErrorResponse) and first.error_id == "CS.10007"
    assert isinstance(second, JobMetricsResponse)
    assert second.payload.jobs[0].job_id == 1
    sandbox.assert_requested(job_ids=[1], times=2)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"seen-{worker}-{n}.txt", "w") as out:
        out.write(sandbox.base_url)
"""


def test_twenty_tests_on_two_workers_each_see_token_expired_then_an_answer(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_client=TWENTY)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=20)
    seen = list(pytester.path.glob("seen-*.txt"))
    assert len(seen) == 20
    workers = {path.name.split("-")[1] for path in seen}
    urls = {path.read_text() for path in seen}
    assert workers == {"gw0", "gw1"}
    assert len(urls) == 2  # one stand-in per worker, each started by the worker's session


def test_seeded_jobs_read_back_with_the_generated_client_and_models(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_seed="""
        from jobs_metrics_client import AuthenticatedClient
        from jobs_metrics_client.api.job_monitoring import query_job_metrics
        from jobs_metrics_client.models import JobMetricsRequest as ClientRequest
        from jobs_metrics_models import JobMetricsRequest


        def test_seeded_jobs_come_back(jobs_metrics_sandbox):
            sandbox = jobs_metrics_sandbox
            sandbox.add_jobs([{"job_id": 7, "metrics": {"total_read_rate": 1.5}}])
            with AuthenticatedClient(base_url=sandbox.base_url, token=sandbox.token) as client:
                answer = query_job_metrics.sync(
                    sandbox.project_id, client=client, body=ClientRequest(job_ids=[7])
                )
            assert [(j.job_id, j.metrics.total_read_rate) for j in answer.payload.jobs] == [
                (7, 1.5)
            ]
            (sent,) = sandbox.assert_requested(job_ids=[7], operation="queryJobMetrics", times=1)
            assert sent.parse(JobMetricsRequest).job_ids == [7]
            assert sent.parse(ClientRequest).job_ids == [7]
            assert sent.rule == "valid-request-accepted"
            sandbox.assert_no_deprecated_calls()
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


FAILING = """
import httpx


def test_fails_after_a_scripted_refusal(jobs_metrics_sandbox):
    sandbox = jobs_metrics_sandbox
    sandbox.fail_next("token-expired")
    url = f"{sandbox.base_url}/v1.0/{sandbox.project_id}/jobs/metrics"
    httpx.post(url, json={"job_ids": [3]}, headers={"X-Auth-Token": sandbox.token})
    httpx.post(url, json={"job_ids": [7, 7]}, headers={"X-Auth-Token": sandbox.token})
    assert False, "the client gave up"


def test_passes_quietly(jobs_metrics_sandbox):
    sandbox = jobs_metrics_sandbox
    url = f"{sandbox.base_url}/v1.0/{sandbox.project_id}/jobs/metrics"
    httpx.post(url, json={"job_ids": [1]}, headers={"X-Auth-Token": sandbox.token})
"""


def test_a_failing_test_shows_its_journal_in_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fail=FAILING)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "-rP")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            f"*{SECTION} (call)*",
            "sandbox * (project *) at http://127.0.0.1:*",
            "#1 POST /v1.0/*/jobs/metrics [[]queryJobMetrics[]] job_ids=[[]3[]] -> 400 CS.10007,"
            " rule token-expired, answered by script entry c1",
            "    cause: The IAM token has expired.",
            "#2 POST /v1.0/*/jobs/metrics [[]queryJobMetrics[]] job_ids=[[]7, 7[]] -> 400 CS.10003,"
            " rule job-ids-duplicate",
            "    near miss: `job_ids` named 7 twice (*)",
            "script entry c1: rule token-expired, times 1, triggered 1, remaining 0",
        ]
    )
    assert out.count(SECTION) == 1  # the passing test's report (shown by -rP) has none


STRICT = """
import httpx
import pytest


def cs(sandbox, body):
    url = f"{sandbox.base_url}/v1.0/{sandbox.project_id}/jobs/metrics"
    return httpx.post(url, json=body, headers={"X-Auth-Token": sandbox.token})


@pytest.mark.stand_in_strict
def test_breaks_the_contract(jobs_metrics_sandbox):
    cs(jobs_metrics_sandbox, {"job_ids": [7, 7]})


@pytest.mark.stand_in_strict
def test_leaves_a_script_unused(jobs_metrics_sandbox):
    jobs_metrics_sandbox.fail_next("internal-error", times=2)
    cs(jobs_metrics_sandbox, {"job_ids": [1]})


@pytest.mark.stand_in_strict(contract=False, unused=False)
def test_calls_the_deprecated_operation(jobs_metrics_sandbox):
    sandbox = jobs_metrics_sandbox
    httpx.post(f"{sandbox.base_url}/v1.0/{sandbox.project_id}/streaming/jobs/metrics", json={})


@pytest.mark.stand_in_strict
def test_keeps_everything(jobs_metrics_sandbox):
    jobs_metrics_sandbox.fail_next("token-expired")
    assert cs(jobs_metrics_sandbox, {"job_ids": [1]}).status_code == 400
    assert cs(jobs_metrics_sandbox, {"job_ids": [1]}).status_code == 200


def test_unmarked_breaks_the_contract(jobs_metrics_sandbox):
    cs(jobs_metrics_sandbox, {"job_ids": [7, 7]})
"""


def test_strictness_fails_at_teardown_only_when_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_strict=STRICT)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, errors=3)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_breaks_the_contract*",
            "*stand_in_strict: 1 request(s) broke the contract*",
            "*near miss: `job_ids` named 7 twice*",
        ]
    )
    result.stdout.fnmatch_lines(["*scripted outcome(s) left unused: c1 (rule internal-error*"])
    result.stdout.fnmatch_lines(["*used the deprecated operation showFlinkMetric*"])
    assert "test_keeps_everything" not in out.split("short test summary")[-1]
    assert "ERROR test_strict.py::test_unmarked_breaks_the_contract" not in out
    assert f"{SECTION} (teardown)" in out
    everywhere = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--stand-in-strict")
    everywhere.assert_outcomes(passed=5, errors=4)
    assert "ERROR test_strict.py::test_unmarked_breaks_the_contract" in everywhere.stdout.str()


def test_a_bad_strict_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.stand_in_strict(contracts=False)
        def test_typo(jobs_metrics_sandbox):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at setup of test_typo*", "*stand_in_strict takes only the keywords*got contracts*"]
    )


def test_a_stand_in_given_by_the_environment_is_used_and_left_running(
    pytester: pytest.Pytester, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI runs the stand-in as a service: the plugin attaches, starts nothing, and closes only
    the sandboxes it made."""
    before = stand_in.health()["sandboxes"]
    monkeypatch.setenv(ENV_URL, stand_in.url)
    pytester.makepyfile(
        f"""
        def test_on_the_service(jobs_metrics_sandbox):
            assert jobs_metrics_sandbox.base_url == {stand_in.url!r}
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert stand_in.health()["sandboxes"] == before


# Each test leaves everything a sandbox holds set (jobs, script, throttle, clock, token
# expiry, journal) and checks that its own sandbox has none of it, shares no credential with
# any earlier one, and that the one before is closed: the fixture creates a test's sandbox at
# the previous teardown and reads the close's answer at the next setup.
FRESH = """
import httpx
import pytest

from jobs_metrics_stand_in import StandInError

EARLIER = []


def cs(sandbox, token):
    url = f"{sandbox.base_url}/v1.0/{sandbox.project_id}/jobs/metrics"
    return httpx.post(url, json={"job_ids": [1]}, headers={"X-Auth-Token": token})


@pytest.mark.parametrize("n", range(6))
def test_each_sandbox_is_fresh(jobs_metrics_sandbox, n):
    sandbox = jobs_metrics_sandbox
    info = sandbox.info()
    assert (info["jobs"], info["script_entries"], info["journal_entries"]) == (0, 0, 0)
    assert (info["throttle_per_second"], info["token_expires_at"]) == (None, None)
    assert (info["clock"]["frozen_at"], info["clock"]["offset_seconds"]) == (None, 0.0)
    assert sandbox.requests() == [] and sandbox.script() == []
    mine = {sandbox.id, sandbox.project_id, sandbox.token, sandbox.access_key, sandbox.secret_key}
    for earlier in EARLIER:
        assert not mine & {earlier.id, earlier.project_id, earlier.token, earlier.access_key,
                           earlier.secret_key}
        with pytest.raises(StandInError) as gone:  # closed on the stand-in
            earlier.info()
        assert gone.value.status == 404
        assert cs(sandbox, earlier.token).status_code == 400  # its token opens nothing here
    sandbox.generate_jobs(3, seed=n)
    sandbox.fail_next("internal-error", times=5)
    sandbox.throttle(per_second=50)
    sandbox.set_clock(frozen_at=1_700_000_000 + n)
    sandbox.expire_token(1_800_000_000)
    assert cs(sandbox, sandbox.token).json()["error_id"] == "CS.10001"  # the scripted error
    assert len(sandbox.requests()) >= 1
    EARLIER.append(sandbox)
"""


@pytest.mark.parametrize("attached", [False, True], ids=["started", "attached"])
def test_a_sandbox_is_as_fresh_as_a_new_one_and_the_last_is_closed(
    pytester: pytest.Pytester, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch, attached: bool
) -> None:
    before = stand_in.health()["sandboxes"]
    if attached:
        monkeypatch.setenv(ENV_URL, stand_in.url)
    pytester.makepyfile(test_fresh=FRESH)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
    if attached:  # the service keeps running, holding none of the session's sandboxes
        assert stand_in.health()["sandboxes"] == before


def test_a_stand_in_of_a_narrower_scope_supplies_its_own_sandboxes(
    pytester: pytest.Pytester,
) -> None:
    """A module overriding the stand-in fixture (a stand-in of its own, per module) gets its
    sandboxes from it, fresh, and the stand-in's end takes care of the one left waiting."""
    pytester.makepyfile(
        """
        import pytest
        from jobs_metrics_stand_in import StandIn

        URLS = set()


        @pytest.fixture(scope="module")
        def jobs_metrics_stand_in():
            with StandIn.start() as stand_in:
                yield stand_in


        @pytest.mark.parametrize("n", range(3))
        def test_fresh(jobs_metrics_stand_in, jobs_metrics_sandbox, n):
            assert jobs_metrics_sandbox.base_url == jobs_metrics_stand_in.url
            assert jobs_metrics_sandbox.info()["jobs"] == 0
            assert jobs_metrics_stand_in.health()["sandboxes"] == 1
            jobs_metrics_sandbox.generate_jobs(2)
            URLS.add(jobs_metrics_stand_in.url)
            assert len(URLS) == 1
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_a_test_may_close_its_own_sandbox(pytester: pytest.Pytester) -> None:
    """The fixture's close finds it gone: no failure, and the next test gets its own."""
    pytester.makepyfile(
        """
        def test_closes_it(jobs_metrics_sandbox):
            jobs_metrics_sandbox.close()

        def test_next(jobs_metrics_sandbox):
            assert jobs_metrics_sandbox.info()["jobs"] == 0
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


class _Answer:
    """A call whose answer is read later (``Pending``), answering ``value`` or refusing."""

    def __init__(self, value: Any = None, status: int | None = None) -> None:
        self.value, self.status = value, status

    def result(self) -> Any:
        if self.status is not None:
            raise StandInError(f"DELETE /sandboxes/x: {self.status} refused", self.status)
        return self.value


class _Sandbox:
    def __init__(self, sandbox_id: str, close_status: int | None = None) -> None:
        self.id, self.close_status = sandbox_id, close_status

    def close_soon(self) -> _Answer:
        return _Answer(status=self.close_status)


class _StandIn:
    def __init__(self) -> None:
        self.made = 0

    def sandbox_soon(self) -> _Answer:
        self.made += 1
        return _Answer(_Sandbox(f"s{self.made}"))


def test_a_close_that_failed_fails_the_next_setup_naming_its_sandbox() -> None:
    stand_in = _StandIn()
    supply = SandboxSupply(cast(Any, stand_in))
    supply.give_back(cast(Any, _Sandbox("gone", close_status=404)))  # its test closed it
    taken = supply.take()
    assert taken.id == "s1"
    supply.give_back(cast(Any, _Sandbox("stuck", close_status=500)))
    with pytest.raises(StandInError, match=r"previous test's sandbox stuck was not closed: .* 500"):
        supply.take()


def test_loading_the_plugin_starts_nothing_and_imports_no_http_client(tmp_path: Path) -> None:
    """The entry point loads the plugin in every pytest run of the venv, this project's own
    included: a run whose tests use no fixture of it must pay nothing."""
    probe = (
        "import sys, pytest; import jobs_metrics_stand_in.pytest_plugin;"
        " print(sorted(m for m in ('httpx', 'click', 'reference_server') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert out.strip() == "[]"


def test_a_run_without_the_fixtures_starts_no_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import psutil

        def test_alone():
            assert psutil.Process().children(recursive=True) == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "jobs_metrics_stand_in" in pytester.runpytest_subprocess("--trace-config").stdout.str()


PLUGIN_TESTS = """
def test_first(jobs_metrics_sandbox):
    jobs_metrics_sandbox.fail_next("token-expired")

def test_refused_after_the_test_went_on(jobs_metrics_sandbox):
    jobs_metrics_sandbox.fail_next("no-such-rule")
"""


def test_the_plugin_fails_a_test_whose_script_call_was_refused_at_teardown(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_refused=PLUGIN_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_refused_after_the_test_went_on*",
            "*ScriptCallRefused*",
            "*fail_next('no-such-rule') was refused: POST /sandboxes/*/script: 400 rule"
            " 'no-such-rule' is not an error rule of any operation*",
        ]
    )
    result.stdout.fnmatch_lines([f"*{SECTION} (teardown)*"])
