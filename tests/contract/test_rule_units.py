"""A contract rule is one unit (issue #35): every testable rule of the spec's ``x-contract``
has a probe that sends it (``fuzz_harness``), a check of the reference server that refuses
with it (for a refusal), and a fault of the self-test that breaks it (``fuzz_selftest``).

A rule added to the spec without one of the three fails here, naming what is missing, so the
recipe in ARCHITECTURE.md ("Adding a rule") is enforced rather than remembered.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fuzz_harness.consistency import RULES as CONSISTENCY_RULES
from fuzz_harness.judge import ANSWER_RULES
from fuzz_harness.probes import MAKERS
from fuzz_harness.recheck import RULE as RECHECK_RULE
from fuzz_selftest.faults import FAULTS
from jobs_metrics_spec import Contract, Rule, spec_operations
from reference_server.app import ROUTE_COVERS, ROUTE_RULES, SIGNED_CHECKS, TOKEN_CHECKS, Check
from tests.support import ROOT

# Families of rules no request check of the server answers: the provider's gateway
# (throttling: the stand-in's) and the service's own failures (internal errors).
NOT_A_REQUEST_CHECK = ("gateway", "service")


def _testable(contract: Contract) -> list[Rule]:
    return [rule for rule in contract.rules if not rule.untestable]


def _refusals(contract: Contract) -> list[Rule]:
    return [
        rule
        for rule in _testable(contract)
        if rule.error_id and rule.status and rule.family not in NOT_A_REQUEST_CHECK
    ]


def _table(contract: Contract) -> tuple[Check, ...]:
    return SIGNED_CHECKS if contract.signed else TOKEN_CHECKS


def checked_rules(contract: Contract) -> set[str]:
    """The rules the server's checks of ``contract``'s operation decide: those they refuse
    with, and those whose cases they answer under one of them."""
    rows = {rule for check in _table(contract) for rule in (*check.rules, *check.covers)}
    return rows | set(ROUTE_RULES) | set(ROUTE_COVERS)


def missing_parts(contract: Contract, faults: dict[str, str]) -> list[str]:
    """What each testable rule of ``contract`` lacks: a probe, a check, a fault."""
    judged = {*ANSWER_RULES, *CONSISTENCY_RULES, RECHECK_RULE}
    broken = {reported.rsplit("/", 1)[-1] for reported in faults.values()}
    missing = []
    for rule in _testable(contract):
        if rule.id not in MAKERS and rule.id not in judged:
            missing.append(f"{rule.id}: no probe (fuzz_harness.probes)")
        if rule.id not in broken:
            missing.append(f"{rule.id}: no fault (fuzz_selftest.faults)")
    checked = checked_rules(contract)
    missing += [
        f"{rule.id}: no check (reference_server.app)"
        for rule in _refusals(contract)
        if rule.id not in checked
    ]
    return missing


@pytest.mark.parametrize("contract", spec_operations(), ids=lambda c: c.operation_id)
def test_every_rule_has_a_probe_a_check_and_a_fault(contract: Contract) -> None:
    # A fault counts for the rule id on either operation: the check it skips is shared.
    faults = {name: fault.breaks for name, fault in FAULTS.items()}
    missing = missing_parts(contract, faults)
    assert not missing, "rules not yet a unit:\n" + "\n".join(missing)


def test_a_rule_without_its_parts_is_named() -> None:
    """The invalid case: a rule the spec gains, with nothing else, lacks all three."""
    contract = spec_operations()[0]
    new = Rule(
        id="body-too-deep", when="nested too deep", status=400, error_id="CS.10003",
        level="must", level_reason="a test", family="body",
    )  # fmt: skip
    grown = Contract((*contract.rules, new), contract.limits)
    faults = {name: fault.breaks for name, fault in FAULTS.items()}
    assert missing_parts(grown, faults) == [
        "body-too-deep: no probe (fuzz_harness.probes)",
        "body-too-deep: no fault (fuzz_selftest.faults)",
        "body-too-deep: no check (reference_server.app)",
    ]


@pytest.mark.parametrize("contract", spec_operations(), ids=lambda c: c.operation_id)
def test_every_rule_a_check_names_is_an_error_rule_of_its_operation(
    contract: Contract,
) -> None:
    """A check's refusal is answered from the operation's x-contract: a rule it names must be
    there, with an answer."""
    errors = {rule.id for rule in contract.rules if rule.error_id and rule.status}
    named = {rule for check in _table(contract) for rule in check.rules}
    assert named - errors == set()


def raised_rule_ids(source: str, module: str | None = None) -> set[str]:
    """The rule ids written in ``source`` where a refusal is made: ``Refusal("id", ...)``,
    or the rule argument of the modules' refusal helpers (``refused(cause, "id")``,
    ``_schema(cause, "id")``)."""
    found: set[str] = set()
    tree = ast.parse(source)
    # a helper's default rule (``def refused(message, rule_id="signature-wrong")``), used
    # where a call leaves it out
    defaults = {
        node.name: node.args.defaults[-1].value
        for node in ast.walk(ast.parse(module or source))
        if isinstance(node, ast.FunctionDef) and node.args.args
        and node.args.args[-1].arg == "rule_id" and node.args.defaults
        and isinstance(node.args.defaults[-1], ast.Constant)
    }  # fmt: skip
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        position = {"Refusal": 0, "refused": 1, "_schema": 1}.get(node.func.id)
        if position is None:
            continue
        if len(node.args) <= position:
            if node.func.id in defaults:
                found.add(str(defaults[node.func.id]))
            continue
        argument = node.args[position]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            found.add(argument.value)
    return found


def test_every_refusal_the_server_makes_names_a_rule_of_the_spec() -> None:
    rule_ids = {rule.id for contract in spec_operations() for rule in contract.rules}
    raised: set[str] = set()
    for path in sorted(Path(ROOT / "reference_server").glob("*.py")):
        raised |= raised_rule_ids(path.read_text())
    assert raised, "the scan found no refusal: it reads the wrong thing"
    assert raised - rule_ids == set()


def test_the_scan_sees_a_refusal_of_no_rule() -> None:
    source = 'raise Refusal("no-such-rule", "x")\nraise refused("cause", "other-rule")\n'
    assert raised_rule_ids(source) == {"no-such-rule", "other-rule"}


def _raised_by_function(source: str) -> dict[str, set[str]]:
    """The rule ids each function of ``source`` writes where it refuses, by name (a method
    and the module's function of the same name together: ``read_body`` calls ``read_body``)."""
    found: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.setdefault(node.name, set()).update(raised_rule_ids(ast.unparse(node), source))
            calls.setdefault(node.name, set()).update(
                call.func.id if isinstance(call.func, ast.Name) else call.func.attr
                for call in ast.walk(node)
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name | ast.Attribute)
            )
    # one level of calls within the module: a method refuses with what its helpers raise
    return {
        name: raised | set().union(*(found.get(c, set()) for c in calls[name] - {name}))
        for name, raised in found.items()
    }


# Rules any check may refuse with besides its row's: a body that never arrives whole is not a
# valid request (the schema's rule), and a failure of ours is the internal error.
ANY_CHECK = {"body-schema-violation", "internal-error"}


def test_every_refusal_a_check_can_make_is_a_rule_of_each_operation_it_serves() -> None:
    """A check shared by both operations refuses only with rules both define (an operation
    lacking the rule would have no answer for it). The body's and the signature's modules
    serve every operation whose table runs their check."""
    server = ROOT / "reference_server"
    app = _raised_by_function((server / "app.py").read_text())
    body = set().union(*(raised_rule_ids((server / name).read_text())
                         for name in ("request_body.py", "body_helper.py")))  # fmt: skip
    signing = _raised_by_function((server / "signature.py").read_text())
    headers = signing["signing_headers"] | signing["authenticate"] | signing["check_date"]
    # The body is read by the app's __call__ through the reader ``read_body`` returns: the
    # reader's refusals are that check's.
    app["read_body"] |= app["take"] | app["interrupted"]
    modules = {"check_job_ids": body, "check_signature_headers": headers,
               "check_signature": signing["verify"]}  # fmt: skip
    for contract in spec_operations():
        answered = {rule.id for rule in contract.rules if rule.error_id and rule.status}
        for check in _table(contract):
            name = check.method.__name__
            raised = app.get(name, set()) | modules.get(name, set())
            assert raised - answered == set(), (contract.operation_id, name)
            assert raised <= set(check.rules) | ANY_CHECK, (name, raised)
            # and the other way: a row names only rules its check raises (the journal's
            # rule is exact); a case answered under another rule is the row's ``covers``
            assert set(check.rules) <= raised, (name, set(check.rules) - raised)
    assert set(ROUTE_RULES) == app["route"]
