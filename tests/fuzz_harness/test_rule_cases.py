"""The rules and verdict paths added with the levels, each with a valid and an invalid case.

Pure functions and fakes only (no server): times in milliseconds, a should rule's floor, HEAD
without a body, a redirect for a trailing slash, the consistency rules (a job's metrics stable,
foreign like unknown, data that moves), the re-check that tells a connection's failure from
the server's, and the near-miss token spellings.
"""

from __future__ import annotations

import json
import random
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fuzz_harness.consistency import FOREIGN, STABLE, Checked, run_checks
from fuzz_harness.exchange import Answer, Request, Sender, curl
from fuzz_harness.jobids import JobIdSet
from fuzz_harness.judge import TIME_WINDOW_MS, judge_jobs, judge_times
from fuzz_harness.options import FuzzOptions, demo_identities
from fuzz_harness.probes import MAKERS, Probe, post
from fuzz_harness.recheck import CONSISTENT, INTERMITTENT, REUSED, recheck
from fuzz_harness.runner import judge_probe
from jobs_metrics_spec import default_contract

CONTRACT = default_contract()
JSON = {"content-type": "application/json"}
NOW = 1_796_000_000_000
ME, OTHER = demo_identities()
OPTIONS = FuzzOptions(
    None, ME, OTHER, max_examples=1, seed=1, mode="all", workers=1, report_dir=Path("r")
)


def error(error_id: str, status: int = 400, time: int = NOW) -> Answer:
    body = {
        "error_id": error_id,
        "error_name": "X",
        "error_cause": "why",
        "error_suggestion": "fix",
        "error_time": time,
    }
    return Answer(status, JSON, json.dumps(body).encode())


def jobs_answer(jobs: dict[int, float], message: str = "ok", time: int = NOW) -> Answer:
    body = {
        "message_id": "CS.10001",
        "message": message,
        "current_time": time,
        "payload": {
            "jobs": [{"job_id": i, "metrics": {"total_read_rate": r}} for i, r in jobs.items()]
        },
    }
    return Answer(200, JSON, json.dumps(body).encode())


# ---- times-in-milliseconds -------------------------------------------------------------


def test_times_in_milliseconds_valid() -> None:
    verdicts = judge_times(jobs_answer({}, time=NOW - TIME_WINDOW_MS + 1), NOW)
    assert verdicts.exercised == {"times-in-milliseconds"}
    assert not verdicts.problems


@pytest.mark.parametrize("time", [NOW // 1000, 40000000, NOW + 2 * TIME_WINDOW_MS])
def test_times_in_milliseconds_invalid(time: int) -> None:
    problems = judge_times(error("CS.10005", time=time), NOW).problems["times-in-milliseconds"]
    assert problems[0].startswith(f"error_time {time} is")
    assert ("seconds, not milliseconds" in problems[0]) == (time == NOW // 1000)


# ---- a should rule's floor: refused differently is a warning, not refused is must -------


def _beyond(answer: Answer) -> dict[str, list[str]]:
    probe = Probe(
        "number-beyond-parsers",
        "5,000 digits",
        post(CONTRACT, ME, b"{}"),
        floor="body-schema-violation",
    )
    return judge_probe(CONTRACT, OPTIONS, probe, answer, NOW).problems


def test_floor_valid_the_exact_refusal() -> None:
    assert _beyond(error("CS.10003")) == {}


def test_floor_another_refusal_breaks_only_the_should_rule() -> None:
    assert set(_beyond(error("CS.10004"))) == {"number-beyond-parsers"}


def test_floor_invalid_not_refused_breaks_the_must_rule() -> None:
    problems = _beyond(Answer(500, {"content-type": "text/plain"}, b"oops"))
    assert set(problems) == {"body-schema-violation", "fuzz-checks"}  # a 500 is never a refusal
    assert "not refused" in problems["body-schema-violation"][0]


def test_a_should_rules_envelope_is_its_own_warning() -> None:
    """A proxy's own 400 page for a duplicate header is header-duplicate's, not error-body's."""
    probe = Probe("header-duplicate", "twice", post(CONTRACT, ME, {"job_ids": [1]}))
    html = Answer(400, {"content-type": "text/html"}, b"<h1>Bad Request</h1>")
    problems = judge_probe(CONTRACT, OPTIONS, probe, html, NOW).problems
    assert set(problems) == {"header-duplicate"}


# ---- HEAD and the trailing slash ---------------------------------------------------------


def _method(answer: Answer, bodiless: bool) -> dict[str, list[str]]:
    request = Request("HEAD", "/x", ())
    probe = Probe("method-not-allowed", "HEAD", request, bodiless=bodiless)
    return judge_probe(CONTRACT, OPTIONS, probe, answer, NOW).problems


def test_head_valid_405_with_allow_and_no_body() -> None:
    assert _method(Answer(405, {"allow": "POST"}, b""), bodiless=True) == {}


def test_head_invalid_200() -> None:
    assert "method-not-allowed" in _method(Answer(200, {}, b""), bodiless=True)


@pytest.mark.parametrize(
    ("answer", "passes"),
    [
        (Answer(308, {"location": "/v1.0/p/jobs/metrics"}, b""), True),
        (Answer(307, {"location": "http://h/base/v1.0/p/jobs/metrics"}, b""), True),
        (Answer(307, {"location": "/login"}, b""), False),
        (Answer(404, {"content-type": "text/html"}, b"<h1>404</h1>"), False),
        (error("CS.10003", status=404), True),
    ],
)
def test_trailing_slash_404_or_a_redirect_to_the_operation(answer: Answer, passes: bool) -> None:
    request = Request("POST", "/v1.0/p/jobs/metrics/", ())
    probe = Probe("path-unknown", "slash", request, redirect_to="/v1.0/p/jobs/metrics")
    assert (judge_probe(CONTRACT, OPTIONS, probe, answer, NOW).problems == {}) == passes


# ---- one bad value, one finding -----------------------------------------------------------


def test_a_job_id_of_the_wrong_type_is_not_also_an_unrequested_job() -> None:
    body = {"payload": {"jobs": [{"job_id": "7"}]}}
    answer = Answer(200, JSON, json.dumps(body).encode())
    verdicts = judge_jobs([7], answer, JobIdSet.parse("1-10"), JobIdSet())
    assert "jobs-only-requested" not in verdicts.problems


# ---- the consistency rules ---------------------------------------------------------------


class FakeServer:
    """Answers job requests from a table; ``shift`` and ``count_hidden`` are the bugs."""

    def __init__(self, *, shift: bool = False, count_hidden: bool = False, moving: bool = False):
        self.shift, self.count_hidden, self.moving = shift, count_hidden, moving
        self.calls = 0

    def __call__(self, request: Request) -> Answer:
        self.calls += 1
        ids: list[int] = json.loads(request.body or b"{}")["job_ids"]
        own = [i for i in ids if i in ME.job_ids]
        rates = {i: float(i) + (self.calls if self.moving else 0) for i in own}
        if self.shift and len(own) > 1:
            rates = dict(zip(own, [rates[i] for i in own[1:] + own[:1]], strict=True))
        hidden = sum(1 for i in ids if i in OTHER.job_ids)
        message = f"{hidden} hidden" if self.count_hidden else "ok"
        return jobs_answer(rates, message, time=NOW + self.calls)


def _checked(server: FakeServer) -> Checked:
    return run_checks(server, CONTRACT, OPTIONS, random.Random(3))


def test_consistency_valid() -> None:
    checked = _checked(FakeServer())
    assert checked.exercised == {STABLE, FOREIGN}
    assert checked.findings == []


def test_jobs_answer_stable_invalid() -> None:
    findings = _checked(FakeServer(shift=True)).findings
    assert [f.rule for f in findings] == [STABLE]


def test_foreign_like_unknown_invalid() -> None:
    findings = _checked(FakeServer(count_hidden=True)).findings
    assert [f.rule for f in findings] == [FOREIGN]
    assert "hidden" in findings[0].detail


def test_data_that_moves_during_every_round_is_not_exercised_never_failed() -> None:
    checked = _checked(FakeServer(moving=True, shift=True))
    assert STABLE not in checked.exercised
    assert "the data changed" in checked.not_exercised[STABLE]
    assert checked.findings == [] or all(f.rule != STABLE for f in checked.findings)


# ---- the re-check ------------------------------------------------------------------------


class FakeSender(Sender):
    """A Sender whose fresh connections are scripted: ``bad(requests so far on it)``."""

    def __init__(self, bad: Any) -> None:
        self.bad, self.base_url, self.secrets, self.sent = bad, "http://x", {}, 0

    def send_fresh(self, *requests: Request) -> list[Answer]:
        return [
            Answer(500 if self.bad(list(requests[: i + 1])) else 200, {}, b"")
            for i in range(len(requests))
        ]


COUNTER = iter(range(99))
FIRST, SECOND = Request("POST", "/a", ()), Request("POST", "/b", ())


@pytest.mark.parametrize(
    ("bad", "kind"),
    [
        (lambda sent: True, CONSISTENT),
        (lambda sent: len(sent) == 2, REUSED),  # only right after another request
        (lambda sent, n=COUNTER: next(n) == 1, INTERMITTENT),  # the 2nd send only
    ],
)
def test_recheck_tells_the_kinds_apart(bad: Any, kind: str) -> None:
    checked = recheck(FakeSender(bad), SECOND, FIRST, lambda answer: answer.status == 500)
    assert checked.kind == kind, checked.text


# ---- near-miss token spellings: sent as near misses, printed without the secret -----------


def test_near_miss_tokens_resolve_and_print_without_the_token(tmp_path: Path) -> None:
    sender = Sender("http://x", {"AUTH_TOKEN": "Secret-1"})
    assert sender.resolve("${AUTH_TOKEN%?}") == "Secret-"
    assert sender.resolve("${AUTH_TOKEN~~}") == "sECRET-1"
    assert sender.resolve("${AUTH_TOKEN}x") == "Secret-1x"
    probes = list(MAKERS["token-unknown"](CONTRACT, OPTIONS, random.Random(1)))
    for probe in probes:
        assert isinstance(probe, Probe)
        line = curl(probe.request, "http://127.0.0.1:9", tmp_path)
        assert ME.token not in line
        header = next(v for k, v in probe.request.headers if k == "X-Auth-Token")
        # bash expands the printed header exactly as the harness sent it
        printed = shlex.split(line.split(" -H ", 2)[1])[0] if "$" in line else ""
        if printed:
            sent = Sender("http://x", {"AUTH_TOKEN": ME.token}).resolve(header)
            echoed = subprocess.run(
                ["bash", "-c", f'printf %s "{printed.split(": ", 1)[1]}"'],
                env={"AUTH_TOKEN": ME.token},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert echoed == sent
