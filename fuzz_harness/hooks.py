"""This API's checks and data for schemathesis, through its public hook and check API.

Nothing is registered when this module is imported: :func:`register` does it, through
schemathesis' public ``hook``/``check`` decorators, when a run starts. ``schemathesis.toml``
names :mod:`fuzz_harness.st_extension`, which calls it in the ``st`` process; ``replay`` and
the in-process contract tests call it themselves. (schemathesis keeps hooks and checks in
process-wide registries: importing the harness beside one's own schemathesis tests must
not rewrite their bodies.) The runner (:mod:`fuzz_harness.runner`) tells it, through
``JM_FUZZ_*`` variables of the schemathesis process, which job IDs exist in the pinned project
and which belong to another:

- ``map_body``: a schema-valid body gets job IDs drawn from the known ones, mixed with
  foreign and unknown ones, by a generator seeded from the generated body itself (so SEED
  replays them, and Hypothesis draws nothing more: a ``flatmap_body`` with its own draws
  ended the fuzzing phase after ~110 cases of 1,000 asked, measured). Bodies that break the
  schema are left as generated: they must still be refused.
- ``jobs_match_known_data``: every 200 answer of the operation is held to the data rules
  (:func:`fuzz_harness.judge.judge_jobs`); a failure names its rule as ``[rule-id]``.
- ``before_call``: requests to the signed operation (the successor's AK/SK) are signed when
  sent, with ``JM_FUZZ_AK``/``JM_FUZZ_SK`` (:class:`SignedRequest`).
- Exercised rules are counted per operation and written to ``JM_FUZZ_STATS`` when
  schemathesis exits, so the report can tell a rule that held from one that never came up.

Only answers to the operation's POST are judged: schemathesis' own probes (other methods,
missing headers) are judged by its built-in checks and by the harness' probes.
"""

from __future__ import annotations

import atexit
import json
import os
import random
import threading
import zlib
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import schemathesis

from fuzz_harness.exchange import Answer
from fuzz_harness.jobids import JobIdSet
from fuzz_harness.judge import judge_jobs
from jobs_metrics_spec import Contract, aksk, default_contract, spec_operations

ENV_JOB_IDS = "JM_FUZZ_JOB_IDS"
ENV_OTHER_JOB_IDS = "JM_FUZZ_OTHER_JOB_IDS"
ENV_STATS = "JM_FUZZ_STATS"
ENV_AK = "JM_FUZZ_AK"
ENV_SK = "JM_FUZZ_SK"

# The known and foreign jobs of this process: the run's (``register`` reads them from the
# environment the harness gives the ``st`` process) or ``replay``'s (``configure``).
_data = {"known": JobIdSet.parse(None), "foreign": JobIdSet.parse(None)}
_counts: Counter[str] = Counter()
_lock = threading.Lock()


def configure(known: JobIdSet, foreign: JobIdSet) -> None:
    """Set the known and foreign jobs in this process (:func:`register` does)."""
    _data["known"], _data["foreign"] = known, foreign


def _write_stats() -> None:
    path = os.environ.get(ENV_STATS)
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(dict(_counts), out)


def _valid_request(body: Any) -> bool:
    validator = default_contract().validator("JobMetricsRequest")
    return isinstance(body, dict) and validator.is_valid(body)


def mix_known_ids(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same body with some IDs replaced by known, foreign or kept IDs; still valid."""
    ids: list[Any] = list(body["job_ids"])
    used = set(ids)
    for index in range(len(ids)):
        roll = rng.random()
        source = _data["known"] if roll < 0.6 else _data["foreign"] if roll < 0.8 else None
        if source:
            candidate = source.sample(rng, 1)[0]
            if candidate not in used:
                used.discard(ids[index])
                ids[index] = candidate
                used.add(candidate)
    return {**body, "job_ids": ids}


def map_body(context: schemathesis.HookContext, body: Any) -> Any:
    if not (_data["known"] or _data["foreign"]) or not _valid_request(body):
        return body
    seed = zlib.crc32(json.dumps(body, sort_keys=True).encode())
    return mix_known_ids(body, random.Random(seed))


def _contract_of(case: schemathesis.Case[Any]) -> Contract | None:
    """The spec operation a case belongs to (one with an ``x-contract``), or None."""
    for contract in spec_operations():
        if case.operation.path == contract.path and case.method.lower() == contract.method:
            return contract
    return None


def _is_operation_post(case: schemathesis.Case[Any], response: schemathesis.Response) -> bool:
    method = (getattr(response.request, "method", None) or case.method or "").upper()
    return method == "POST" and _contract_of(case) is not None


class SignedRequest(requests.auth.AuthBase):
    """Signs a request as the provider's SDK does (``SDK-HMAC-SHA256``), when it is sent.

    A requests auth sees the prepared request, body serialised and URL final, which is what
    the signature must cover; schemathesis passes it on from ``before_call``'s ``kwargs``.
    Signed: ``Host`` (set explicitly, so the one sent is the one signed), ``X-Sdk-Date``,
    ``Content-Type`` and ``X-Project-Id`` when sent: the headers the SDK sets itself (it signs
    every header it sends; the ones requests adds, such as ``User-Agent``, it never sends).
    A token is taken off: schemathesis' configured headers reach every operation, and the
    successor's clients send a signature, not a token.
    """

    def __init__(self, access_key: str, secret_key: str, *, sign: bool = True) -> None:
        self.access_key, self.secret_key, self.sign = access_key, secret_key, sign

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(request.url or "")
        request.headers.pop("X-Auth-Token", None)
        if not self.sign:  # a case without credentials on purpose: sent without any
            return request
        request.headers["Host"] = url.netloc
        request.headers["X-Sdk-Date"] = aksk.sdk_date()
        body = request.body or b""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        if not isinstance(raw, bytes):  # a stream: schemathesis sends JSON as bytes
            raise TypeError("a signed request needs its body as bytes")
        signed = [
            (name, str(request.headers[name]))
            for name in ("Host", "X-Sdk-Date", "Content-Type", "X-Project-Id")
            if name in request.headers
        ]
        request.headers["Authorization"] = aksk.sign(
            request.method or "POST",
            url.path,
            signed,
            raw,
            self.access_key,
            self.secret_key,
            query=parse_qsl(url.query, keep_blank_values=True),
        )
        return request


def before_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: dict[str, Any]
) -> None:
    """Requests to the signed operation are signed with the run's AK/SK.

    Only cases that carry the security header: schemathesis leaves it out on purpose to
    check that a request without credentials is refused (ST203), and a signature added to
    those would make the server's right answer look wrong.
    """
    contract = _contract_of(case)
    access_key, secret_key = os.environ.get(ENV_AK, ""), os.environ.get(ENV_SK, "")
    names = {name.lower() for name in (case.headers or {})}
    if contract is not None and contract.signed and access_key:
        kwargs["auth"] = SignedRequest(access_key, secret_key, sign="authorization" in names)


def jobs_match_known_data(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """A 200 answer holds requested jobs only, every known one in order, no foreign one."""
    contract = _contract_of(case)
    if response.status_code != 200 or contract is None or not _is_operation_post(case, response):
        return None
    requested = case.body.get("job_ids") if isinstance(case.body, dict) else None
    if not isinstance(requested, list):
        return None
    answer = Answer(response.status_code, {}, response.content)
    verdicts = judge_jobs(
        requested, answer, _data["known"], _data["foreign"], contract.jobs_pointer
    )
    operation = contract.operation_id
    with _lock:  # counted per operation: the report has rows per operation
        _counts.update(f"{operation}/{rule}" for rule in verdicts.exercised)
        _counts[f"{operation}/answers_with_jobs"] += "jobs-only-requested" in verdicts.exercised
    problems = [f"[{rule}] {text}" for rule, texts in verdicts.problems.items() for text in texts]
    if problems:
        raise AssertionError("\n".join(problems))
    return None


_registered = False


def register(jobs: tuple[JobIdSet, JobIdSet] | None = None) -> None:
    """Register this API's body hook and check with schemathesis (once per process), with
    the known and foreign ``jobs`` (``replay``'s), or those the harness named in the ``st``
    process' environment. Given ``jobs`` replace those of an earlier call (a second replay in
    one process); the hooks are registered once."""
    global _registered
    if jobs is not None:
        configure(*jobs)
    if _registered:
        return
    _registered = True
    if jobs is None:
        configure(
            JobIdSet.parse(os.environ.get(ENV_JOB_IDS)),
            JobIdSet.parse(os.environ.get(ENV_OTHER_JOB_IDS)),
        )
    schemathesis.hook(map_body)
    schemathesis.hook(before_call)
    schemathesis.check(jobs_match_known_data)
    atexit.register(_write_stats)
