"""The transform catalogue (issue 30): rows of data, each with its source and its relation,
applied to both operations (each row has its twin), and each edit changing one thing."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from fuzz_harness.exchange import Request
from fuzz_harness.options import build_options, demo_identities
from fuzz_harness.probes import post
from fuzz_harness.transforms import SAME, applied, catalogue, signing_rows
from jobs_metrics_spec import Contract, spec_operations


def _canonical(index: int) -> tuple[Contract, Request]:
    contract = spec_operations()[index]
    options = build_options(
        base_url="", auth_token="", project_id="", job_ids="", other_auth_token="",
        other_project_id="", other_job_ids="", max_examples=1, seed=1, mode="all", workers=1,
        report_dir=Path("."), demo=demo_identities(),
    )  # fmt: skip
    return contract, post(contract, options.identity, {"job_ids": [7, 12]})


def test_every_row_has_a_unique_id_a_source_and_a_rule_of_both_operations() -> None:
    ids = [row.id for row in catalogue()]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 40
    for row in catalogue():
        assert row.source.startswith(("RFC ", "the spec's")), row
        for contract in spec_operations():  # the twin: the rule exists on both
            assert row.rule() in {rule.id for rule in contract.rules}, (row.id, contract)


def test_every_row_applies_to_both_operations_with_the_same_names() -> None:
    """The grammar rows on both operations alike; the signing scheme's on the signed one."""
    names, signing = [], []
    for index in (0, 1):
        contract, canonical = _canonical(index)
        rows = list(applied(contract, canonical, random.Random(3)))
        names.append([name for name, row, _ in rows if row.family != "signing"])
        signing.append([row.id for _, row, _ in rows if row.family == "signing"])
    assert names[0] == names[1]
    assert len(names[0]) == len(catalogue()) + 4  # and four pairs sampled by seed
    assert signing[0] == []
    scheme = _canonical(1)[0].signature
    assert signing[1] == [row.id for row in signing_rows(scheme)]


def test_a_meaning_preserving_row_keeps_the_json_value_and_a_breaking_one_does_not() -> None:
    contract, canonical = _canonical(0)
    assert canonical.body is not None
    value = json.loads(canonical.body)
    for _, row, request in applied(contract, canonical, random.Random(3)):
        if row.family in ("json-text", "json-number") and request.body is not None:
            assert json.loads(request.body) == value, row.id  # the same value (7e0 == 7)
        if row.family == "json-grammar":
            try:
                # strictly UTF-8: Python's json.loads(bytes) itself guesses UTF-16 (lenient)
                json.loads((request.body or b"").decode("utf-8"), parse_constant=float)
            except (ValueError, UnicodeDecodeError):
                continue
            raise AssertionError(f"{row.id} left valid JSON")
        if row.relation == SAME and row.family == "http-message":
            assert request.body == canonical.body, row.id  # only the message changed


def test_each_signing_row_is_refused_under_its_own_rule() -> None:
    """One element altered, the rest signed correctly: the reference server refuses each row
    under the rule of that element (the app names it, ``REFUSED_RULE``), not merely with the
    same status and code (every signature failure is 401 APIGW.0301)."""
    import asyncio
    import tempfile

    from fuzz_harness.exchange import Sender
    from reference_server import REFUSED_RULE, Settings, create_app

    contract, canonical = _canonical(1)
    me = demo_identities()[0]
    sender = Sender("http://127.0.0.1:8080", {me.ak_variable: me.access_key,
                                              me.sk_variable: me.secret_key})  # fmt: skip
    app = create_app(Settings(db=Path(tempfile.mkdtemp()) / "db"))
    refused: dict[str, object] = {}
    for row in signing_rows(contract.signature):
        request = row.edit(canonical)
        headers = [(n.lower().encode(), v.encode()) for n, v in sender.signed(request)]
        scope = {"type": "http", "method": "POST", "path": request.path, "headers": headers,
                 "raw_path": request.path.encode(), "query_string": b"",
                 "http_version": "1.1"}  # fmt: skip

        async def receive(body: bytes = request.body or b"") -> dict[str, object]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Any) -> None:
            pass

        async def call(scope: dict[str, Any] = scope) -> None:
            await app(scope, receive, send)

        asyncio.run(call())
        refused[row.id] = scope.get(REFUSED_RULE)
    expected = {row.id: row.relation for row in signing_rows(contract.signature)}
    assert refused == expected
