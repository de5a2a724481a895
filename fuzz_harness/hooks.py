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
- Exercised rules are counted and written to ``JM_FUZZ_STATS`` when schemathesis exits, so
  the report can tell a rule that held from one that never came up.

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

import schemathesis

from fuzz_harness.contract import default_contract
from fuzz_harness.exchange import Answer
from fuzz_harness.jobids import JobIdSet
from fuzz_harness.judge import judge_jobs
from jobs_metrics_spec import METRICS_PATH

ENV_JOB_IDS = "JM_FUZZ_JOB_IDS"
ENV_OTHER_JOB_IDS = "JM_FUZZ_OTHER_JOB_IDS"
ENV_STATS = "JM_FUZZ_STATS"

_data = {
    "known": JobIdSet.parse(os.environ.get(ENV_JOB_IDS)),
    "foreign": JobIdSet.parse(os.environ.get(ENV_OTHER_JOB_IDS)),
}
_counts: Counter[str] = Counter()
_lock = threading.Lock()


def configure(known: JobIdSet, foreign: JobIdSet) -> None:
    """Set the known and foreign jobs in this process (``replay`` uses it; ``st`` the env)."""
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


def _is_operation_post(case: schemathesis.Case[Any], response: schemathesis.Response) -> bool:
    method = (getattr(response.request, "method", None) or case.method or "").upper()
    return method == "POST" and case.operation.path == METRICS_PATH


def jobs_match_known_data(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """A 200 answer holds requested jobs only, every known one in order, no foreign one."""
    if response.status_code != 200 or not _is_operation_post(case, response):
        return None
    requested = case.body.get("job_ids") if isinstance(case.body, dict) else None
    if not isinstance(requested, list):
        return None
    answer = Answer(response.status_code, {}, response.content)
    verdicts = judge_jobs(requested, answer, _data["known"], _data["foreign"])
    with _lock:
        _counts.update(verdicts.exercised)
        _counts["answers_with_jobs"] += "jobs-only-requested" in verdicts.exercised
    problems = [f"[{rule}] {text}" for rule, texts in verdicts.problems.items() for text in texts]
    if problems:
        raise AssertionError("\n".join(problems))
    return None


_registered = False


def register() -> None:
    """Register this API's body hook and check with schemathesis (once per process)."""
    global _registered
    if _registered:
        return
    _registered = True
    schemathesis.hook(map_body)
    schemathesis.check(jobs_match_known_data)
    atexit.register(_write_stats)
