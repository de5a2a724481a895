"""``python -m fuzz_harness replay FILE``: send one recorded failure again and judge it again.

Works as printed from any directory: the file holds the request (tokens as ``$AUTH_TOKEN``
placeholders, read from the environment), the target and the known job IDs. A failure
found against a fresh reference server (a default ``make fuzz``) is replayed against a new
one. Probe failures are judged by the same rule; schemathesis failures are rebuilt as a
schemathesis ``Case`` through its public API and validated with every check, ours included.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import schemathesis

from fuzz_harness import hooks
from fuzz_harness.consistency import run_checks
from fuzz_harness.exchange import PLACEHOLDER, TOKEN_VARIABLES, Request, Sender
from fuzz_harness.jobids import JobIdSet
from fuzz_harness.judge import describe
from fuzz_harness.options import FuzzOptions, Identity, demo_identities
from fuzz_harness.probes import Probe
from fuzz_harness.recheck import recheck
from fuzz_harness.runner import judge_probe, target_server
from fuzz_harness.st_run import CONFIG, SIGNATURE_HEADERS
from jobs_metrics_spec import (
    METRICS_PATH,
    SPEC_PATH,
    Contract,
    contract_rules,
    spec_document,
    spec_operations,
)


def needed_variables(data: dict[str, Any]) -> list[str]:
    """The secrets a recorded failure needs to be sent again: the placeholders its request
    names (a missing-token failure names none; a signed one names its key and secret in its
    signing), and the identities a rule comparing answers sends its own requests with."""
    text = json.dumps(data.get("request") or {})
    needed = {match.group(0).strip("${}").split("%")[0].split("~")[0]
              for match in PLACEHOLDER.finditer(text)}  # fmt: skip
    if data.get("source") == "consistency":
        needed |= {"AUTH_TOKEN", *(("OTHER_AUTH_TOKEN",) if data.get("other_job_ids") else ())}
    return [name for name in TOKEN_VARIABLES if name in needed]


def _secrets(ephemeral: bool, needed: Sequence[str] = ()) -> dict[str, str] | str:
    """Token values by placeholder, or the reason they are missing."""
    if ephemeral:
        me, other = demo_identities()
        return {
            "AUTH_TOKEN": me.token,
            "OTHER_AUTH_TOKEN": other.token,
            "AK": me.access_key,
            "SK": me.secret_key,
            "OTHER_AK": other.access_key,
            "OTHER_SK": other.secret_key,
        }
    found = {name: os.environ[name] for name in TOKEN_VARIABLES if os.environ.get(name)}
    missing = [name for name in needed if name not in found]
    if missing:
        return (
            f"export {' and '.join(missing)} first (the recorded request uses"
            f" {'it' if len(missing) == 1 else 'them'}; make's AUTH_TOKEN=... on a command line"
            " is not in your shell)"
        )
    return found


# What every failures/F<n>.json holds (fuzz_harness.runner.write_replay writes them).
RECORD_KEYS = ("id", "source", "rule", "request", "job_ids", "other_job_ids")


def read_record(path: Path) -> dict[str, Any] | str:
    """The recorded failure, or why ``path`` is not one (a file of another kind, cut short)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"{path} is not a failure record of a fuzz report: {exc}"
    missing = [key for key in RECORD_KEYS if not isinstance(data, dict) or key not in data]
    if missing:
        return f"{path} is not a failure record of a fuzz report (no {', '.join(missing)})"
    return dict(data)


def replay_file(path: Path, base_url: str | None = None) -> int:
    """0: the failure no longer shows; 1: it still does; 2: could not replay."""
    data = read_record(path)
    if isinstance(data, str):
        print(f"replay: could not replay: {data}", file=sys.stderr)
        return 2
    target = base_url or data.get("base_url")
    secrets = _secrets(target is None, needed_variables(data))
    if isinstance(secrets, str):
        print(f"replay: could not replay: {secrets}", file=sys.stderr)
        return 2
    known, foreign = JobIdSet.parse(data["job_ids"]), JobIdSet.parse(data["other_job_ids"])
    me, other = demo_identities()
    options = FuzzOptions(
        target,
        Identity(
            secrets.get("AUTH_TOKEN", ""),
            me.project_id,
            known,
            "AUTH_TOKEN",
            secrets.get("AK", ""),
            secrets.get("SK", ""),
        ),
        Identity(
            secrets.get("OTHER_AUTH_TOKEN", ""),
            other.project_id,
            foreign,
            other.variable,
            secrets.get("OTHER_AK", ""),
            secrets.get("OTHER_SK", ""),
        ),
        max_examples=1,
        seed=0,
        mode="all",
        workers=1,
        report_dir=path.parent,
    )
    signed = bool((data["request"] or {}).get("signing"))
    if signed and not (secrets.get("AK") and secrets.get("SK")):
        print(
            "replay: could not replay: set AK and SK (an access key of the run's project and"
            " its secret key): the request is signed when it is sent",
            file=sys.stderr,
        )
        return 2
    with target_server(options) as url:
        print(f"replay {data['id']} [{data['rule']}] against {url}")
        if data["source"] == "probe":
            problems = _replay_probe(data, options, url, secrets)
        elif data["source"] == "consistency":
            problems = _replay_consistency(data, options, url, secrets)
        else:
            problems = _replay_case(data, url, secrets, known, foreign)
    if problems:
        print("still fails:\n  " + "\n  ".join(problems))
        return 1
    print("passes now: the failure did not show again")
    return 0


def _replay_probe(
    data: dict[str, Any], options: FuzzOptions, url: str, secrets: dict[str, str]
) -> list[str]:
    request = Request.from_json(data["request"])
    asker = {"AUTH_TOKEN": options.identity, "OTHER_AUTH_TOKEN": options.other}.get(
        data.get("asker") or ""
    )
    probe = Probe(
        data["probe_rule"],
        "replayed",
        request,
        asker,
        floor=data.get("floor"),
        bodiless=bool(data.get("bodiless")),
        redirect_to=data.get("redirect_to"),
    )
    contract = _contract(data)
    rule = data["rule"].rsplit("/", 1)[-1]  # the report's row; the rule of the operation
    sender = Sender(url, secrets)
    try:
        answer = sender.send(request)
        print(f"answer: {describe(answer)}")
        problems = judge_probe(contract, options, probe, answer).problems.get(rule, [])
        if problems:  # the run's re-check, so replay says what the report said
            again = recheck(
                sender,
                request,
                None,
                lambda a: rule in judge_probe(contract, options, probe, a).problems,
            )
            problems.append(again.text)
    finally:
        sender.close()
    return problems


def _replay_consistency(
    data: dict[str, Any], options: FuzzOptions, url: str, secrets: dict[str, str]
) -> list[str]:
    """A rule that compares answers is checked again as a whole (its requests, new rounds)."""
    contract = _contract(data)
    replaced = next((c for c in spec_operations() if c.operation_id == contract.replaces), None)
    rule = data["rule"].rsplit("/", 1)[-1]
    sender = Sender(url, secrets)
    try:
        rng = random.Random(data.get("seed", 0))
        checked = run_checks(sender.send, contract, options, rng, replaced)
    finally:
        sender.close()
    if rule in checked.not_exercised:
        print(f"not exercised: {checked.not_exercised[rule]}")
    return [f"{f.title}\n  {f.detail}" for f in checked.findings if f.rule == rule]


def _contract(data: dict[str, Any]) -> Contract:
    """The operation the failure was found on (records before there were two: the CS one)."""
    return contract_rules(spec_document(), data.get("operation") or None)


def _replay_case(
    data: dict[str, Any], url: str, secrets: dict[str, str], known: JobIdSet, foreign: JobIdSet
) -> list[str]:
    hooks.register((known, foreign))
    recorded = data["case"]
    # The run's own configuration (its disabled checks included); the pinned token and project
    # it names are the recorded case's.
    os.environ.setdefault("JM_FUZZ_TOKEN", secrets["AUTH_TOKEN"])
    os.environ.setdefault(
        "JM_FUZZ_PROJECT_ID", str(recorded["path_parameters"].get("project_id", ""))
    )
    os.environ.setdefault(hooks.ENV_AK, secrets.get("AK", ""))
    os.environ.setdefault(hooks.ENV_SK, secrets.get("SK", ""))
    config = schemathesis.Config.from_path(CONFIG)
    schema = schemathesis.openapi.from_path(SPEC_PATH, config=config)
    operation = schema[recorded.get("path") or METRICS_PATH][
        (recorded.get("method") or "POST").upper()
    ]
    contract = next((c for c in spec_operations() if c.path == operation.path), None)
    # A signed case is signed anew when sent (hooks.before_call, which signs a case that
    # carries Authorization): its old date, host and signature are dropped, the header kept.
    stale = SIGNATURE_HEADERS - {"authorization"} if contract and contract.signed else set()
    headers = {
        k: secrets.get(v[1:], v) if v.startswith("$") else v
        for k, v in recorded["headers"].items()
        if k.lower() not in stale
    }
    case = operation.Case(
        path_parameters=recorded["path_parameters"],
        query=recorded["query"] or None,
        headers=headers or None,
        body=recorded["body"],
        media_type=recorded["media_type"],
    )
    try:  # hooks.before_call signs a case of the signed operation (with the keys set above)
        case.call_and_validate(base_url=url)
    except BaseExceptionGroup as group:  # several checks failed
        return [str(exc)[:1500] for exc in group.exceptions]
    except AssertionError as exc:  # one check failed
        return [str(exc)[:1500]]
    return []
