"""Rule ids are named constants (``specdiff.rules.RuleId``) and the catalogue is keyed by
them: every constant has its row, every row its constant, the comparison code names
constants and never assembles an id, and an id the catalogue lacks is a bug that raises."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bench.specdiff_pairs import PAIRS, sides
from specdiff import CATALOGUE, Change, RuleId, diff_specs
from specdiff.catalogue import VALUE_GROUPS
from specdiff.rules import VALUE_RULES, Effect, Group, Side, UnknownRule, value_rule

SPECDIFF = Path(__file__).resolve().parents[2] / "specdiff"


def test_every_constant_has_a_row_and_every_row_a_constant() -> None:
    assert set(CATALOGUE) == set(RuleId)
    assert all(type(rule) is RuleId for rule in CATALOGUE)
    assert all(row.id is rule for rule, row in CATALOGUE.items())


def test_each_value_rule_is_found_by_side_group_and_effect() -> None:
    expected = {
        (side, group, effect)
        for group, (_, effects) in VALUE_GROUPS.items()
        for side in Side
        for effect in effects
    }
    assert set(VALUE_RULES) == expected
    assert set(VALUE_GROUPS) == set(Group)
    assert value_rule(Side.RESPONSE, Group.PATTERN, Effect.UNKNOWN) is (
        RuleId.RESPONSE_PATTERN_UNKNOWN
    )


def test_a_value_change_the_catalogue_lacks_is_a_bug_that_raises() -> None:
    # `minimum` has no "changed" effect (a bound moves one way): asking for it is a bug.
    with pytest.raises(UnknownRule, match="specdiff bug"):
        value_rule(Side.REQUEST, Group.MINIMUM, Effect.CHANGED)


@pytest.mark.parametrize("rule", ["operation-removed", "operation-removd"])
def test_a_change_refuses_an_id_that_is_not_a_constant(rule: str) -> None:
    """Even a correct spelling as a plain string: ids are constants, so grep finds them."""
    with pytest.raises(UnknownRule, match="specdiff bug"):
        Change(rule, "/paths", "x")  # type: ignore[arg-type]
    with pytest.raises(UnknownRule):
        Change(RuleId.OPERATION_REMOVED, "/paths", "x", also=((rule, "/x"),))  # type: ignore[arg-type]


def _first_arguments_of_change_calls() -> list[tuple[str, int, ast.expr]]:
    found = []
    for source in sorted(SPECDIFF.glob("*.py")):
        tree = ast.parse(source.read_text(), str(source))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Change"
                and node.args
            ):
                found.append((source.name, node.lineno, node.args[0]))
    return found


def test_the_comparison_code_names_constants_and_never_builds_an_id() -> None:
    calls = _first_arguments_of_change_calls()
    assert len(calls) > 20  # the walk found the comparison code
    built = [
        f"{name}:{line}"
        for name, line, argument in calls
        if any(
            isinstance(n, ast.JoinedStr)
            or (isinstance(n, ast.Constant) and isinstance(n.value, str))
            for n in ast.walk(argument)
        )
    ]
    assert built == []


@pytest.mark.slow  # diffs the whole corpus again (~2 s); test_corpus runs it in make test
def test_every_rule_the_corpus_emits_is_a_constant() -> None:
    emitted = set()
    for pair in PAIRS:
        for change in diff_specs(*sides(pair)):
            emitted.add(change.rule)
            emitted.update(rule for rule, _ in change.also)
    assert emitted  # the corpus reports changes
    assert all(type(rule) is RuleId for rule in emitted), emitted
