"""No fact of the spec is written in code again (issue #35): a CS, DLI or gateway error code,
an operation's path or id, the project-ID pattern, or a hand classification of rules (a
collection of rule ids) appears in a string of our code only inside ``jobs_metrics_spec``.
Everything else reads them from the spec through it.

What is searched: the string literals of the packages the wheel ships and of ``scripts``,
docstrings and comments aside (prose may name a code or a path). Tests, the self-test's
faults (``fuzz_selftest``) and the benchmarks' fixtures (``bench``: the requests sent, the
answers expected, a bare app's canned answer, a corpus of spec edits) are exempt: their
facts are cases, as data.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from jobs_metrics_spec import spec_document, spec_operations
from tests.support import ROOT

SEARCHED = (
    "reference_server",
    "fuzz_harness",
    "specdiff",
    "jobs_metrics_cli",
    "jobs_metrics_stand_in",
    "scripts",
)
CODE = re.compile(r"\b(?:CS|DLI|APIGW)\.\d{4,5}\b")


def _facts() -> dict[str, re.Pattern[str]]:
    """What may not be written: each fact and how to find it in a string."""
    document = spec_document()
    pattern = document["components"]["parameters"]["ProjectId"]["schema"]["pattern"]
    facts = {"an error code": CODE, "the project-ID pattern": re.compile(re.escape(pattern))}
    for contract in spec_operations():
        tail = contract.path.split("}", 1)[1]  # the path after the project ID
        facts[f"the path of {contract.operation_id}"] = re.compile(re.escape(tail) + r"$")
        facts[f"the id {contract.operation_id}"] = re.compile(rf"^{contract.operation_id}$")
    return facts


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _families() -> set[str]:
    """The words of the spec's rule families (``auth``, ``body``...), and ``credential``."""
    return {r.family.upper() for c in spec_operations() for r in c.rules} | {"CREDENTIAL"}


def facts_written(source: str, rule_ids: set[str]) -> list[str]:
    """``line: what`` for each fact of the spec written in ``source``'s code. A
    classification is a name of a family (``AUTH_RULES``) given rule ids by hand: the spec's
    ``family`` says which rules are about what."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    facts, families = _facts(), _families()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            if id(node) not in docstrings:
                found += [f"{node.lineno}: {name}" for name, fact in facts.items()
                          if fact.search(text)]  # fmt: skip
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            strings = {n.value for n in ast.walk(node.value) if isinstance(n, ast.Constant)}
            for name in names:
                if set(name.strip("_").split("_")) & families and strings & rule_ids:
                    found.append(f"{node.lineno}: a family of rules by hand ({name})")
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def _sources() -> list[Path]:
    return sorted(path for folder in SEARCHED for path in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_fact_of_the_spec_is_written_in_code(path: Path) -> None:
    rule_ids = {rule.id for contract in spec_operations() for rule in contract.rules}
    assert facts_written(path.read_text(), rule_ids) == []


def test_the_search_finds_each_kind_of_fact() -> None:
    """The invalid cases, each at its line; a docstring naming them is prose."""
    source = (
        '"""Answers CS.10003 at /v1.0/{project_id}/jobs/metrics."""\n'
        'CODE = "CS.10003"\n'
        'PATH = "/v1.0/{project_id}/jobs/metrics"\n'
        'SHAPE = "^[0-9a-f]{32}$"\n'
        'AUTH_RULES = ("token-missing", "token-unknown")\n'
        'NAME = "queryJobMetrics"\n'
        'ENVELOPE_RULES = ("token-missing",)\n'
    )
    rule_ids = {"token-missing", "token-unknown"}
    assert facts_written(source, rule_ids) == [
        "2: an error code",
        "3: the path of queryJobMetrics",
        "4: the project-ID pattern",
        "5: a family of rules by hand (AUTH_RULES)",
        "6: the id queryJobMetrics",
    ]
