"""The corpus of single-change pairs (``bench/specdiff_pairs.py``): every verdict, and the
finding that names each change at its exact pointer in the head spec.

A refactor (verdict ``none``) must report no rule with an impact; a break must be named by
its rule where the head spec writes the change.
"""

from __future__ import annotations

import pytest

from bench.specdiff_pairs import PAIRS, Pair, sides
from specdiff import CATALOGUE, Impact, diff_specs
from specdiff.report import verdict_label

BY_NAME = {pair.name: pair for pair in PAIRS}


def test_corpus_names_are_unique() -> None:
    assert len(BY_NAME) == len(PAIRS)


@pytest.mark.parametrize("name", BY_NAME)
def test_pair_gets_its_verdict_and_finding(name: str) -> None:
    pair: Pair = BY_NAME[name]
    changes = diff_specs(*sides(pair))
    found = {(c.rule, c.pointer) for c in changes}
    assert verdict_label(changes) == pair.verdict, [c.to_dict() for c in changes]
    if pair.finding is not None:
        assert pair.finding in found, found
    if pair.verdict == "none":
        assert all(c.impact is Impact.NONE for c in changes), found


# equivalence -> (the rewrite that changes no message, the edit next to it that does)
EQUIVALENCES = {
    "allOf merged": (
        "single-member allOf around a $ref", "allOf wrapper that adds minimum 1 (request)",
    ),
    "enum of one value is const": (
        "enum [x] rewritten as const x (response)", "enum [x] rewritten as const y (request)",
    ),
    "integer exclusive bound is the inclusive one": (
        "integer exclusiveMinimum -1 for minimum 0 (request)",
        "integer exclusiveMinimum 0 for minimum 0 (request: 0 refused)",
    ),
    "nullable as anyOf": (
        "type [integer, null] rewritten as anyOf [integer, null]",
        "type [integer, null] as anyOf [integer, null] that adds minimum 1 (request)",
    ),
    "nullable as 3.0 nullable": (
        "type [integer, null] rewritten as 3.0 nullable: true",
        "type [integer, null] as 3.0 nullable: false (request: null refused)",
    ),
    "header names are case-insensitive": (
        "security header name written in lower case", "security header renamed",
    ),
    "operations pair by full URL": (
        "/v1.0 moved from the paths into servers[].url", "/v1.0 moved into servers[].url as /v2.0",
    ),
    "a property moved into allOf": (
        "properties moved into allOf, closed by unevaluatedProperties",
        "properties moved into allOf, additionalProperties false left around it",
    ),
    "patterns compared by the strings they match": (
        "project-ID pattern rewritten with \\d and a count",
        "project-ID pattern narrowed with a lookahead",
    ),
}  # fmt: skip


@pytest.mark.parametrize("equivalence", EQUIVALENCES)
def test_each_equivalence_has_a_valid_and_an_invalid_case(equivalence: str) -> None:
    """The rewrite is informational only; the edit beside it is named by a rule with an
    impact, at its pointer, and is not called a rewrite there."""
    rewrite, edit = (BY_NAME[name] for name in EQUIVALENCES[equivalence])
    assert rewrite.verdict == "none"
    assert edit.verdict != "none"
    assert edit.finding is not None
    edited = diff_specs(*sides(edit))
    assert edit.finding in {(c.rule, c.pointer) for c in edited}
    assert CATALOGUE[edit.finding[0]].impact is not Impact.NONE
    if rewrite.finding is not None:
        rule, at = rewrite.finding
        assert (rule, at) not in {(c.rule, c.pointer) for c in edited}
    rewritten = diff_specs(*sides(rewrite))
    assert max((c.impact for c in rewritten), default=Impact.NONE) is Impact.NONE
