"""Input documents are checked before diffing: a malformed one is exit 2 with one line naming
the document, the place and the problem; a bug in specdiff is a traceback, not blamed on the
user's file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from specdiff import diff_specs
from specdiff.cli import diff_command
from specdiff.inputs import InputError, check_document
from tests.support import METRICS_PATH, ROOT, copied, spec

WRONG_SHAPES: list[Any] = [["x"], "x", 7, None, {"x": 1}]


def _nodes(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document, as the keys leading to it."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _nodes(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _nodes(value, (*path, index))
    return found


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copied(document)
    parent = changed
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return changed


def _places() -> list[tuple[Any, ...]]:
    """The operation and the components it references: every place specdiff reads (the
    descriptions, examples and the rest of the document are the same words over again)."""
    document = spec()
    places = [p for p in _nodes(document) if p[:2] in (("paths", METRICS_PATH), ("components",))]
    return [p for p in places if "description" not in p and "examples" not in p]


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


PAIRS = [(wrong, side) for wrong in WRONG_SHAPES for side in ("base", "head")]


def _share(side: str, wrong: Any) -> list[tuple[Any, ...]]:
    """The places this wrong shape replaces on this side: every object and array (where a
    wrong shape reaches the most code), and a turn of the scalars: the (shape, side) pairs
    take turns, so each scalar is put in one wrong shape on one side."""
    document, places = spec(), _places()
    turn = PAIRS.index((wrong, side))
    scalars = [p for p in places if not isinstance(_at(document, p), dict | list)]
    mine = set(scalars[turn :: len(PAIRS)])
    return [p for p in places if p in mine or isinstance(_at(document, p), dict | list)]


def _refusals(document: Any, side: str, wrong: Any, paths: list[tuple[Any, ...]]) -> list[str]:
    """Each place replaced by ``wrong`` on ``side``, diffed: the input errors it got (an
    exception from inside the comparison fails the test)."""
    refusals = []
    for path in paths:
        broken = _replaced(document, path, wrong)
        try:
            diff_specs(broken, document) if side == "base" else diff_specs(document, broken)
        except InputError as exc:
            refusals.append(str(exc))
    return refusals


def test_every_node_of_a_wrong_shape_is_an_input_error_or_compared() -> None:
    """Each place of the spec replaced by a value of another shape: the check refuses it, or
    the comparison runs to the end; never an exception from inside it. Here each place gets
    one (shape, side) pair, in turn; the test below gives every object and array all of
    them (test-slow)."""
    document, places = spec(), _places()
    for turn, (wrong, side) in enumerate(PAIRS):
        refusals = _refusals(document, side, wrong, places[turn :: len(PAIRS)])
        assert refusals, (wrong, side)
        assert all(r.startswith(f"the {side} spec is not") for r in refusals), refusals


@pytest.mark.slow  # 800 comparisons, 7 s: CI runs it in test-slow
@pytest.mark.parametrize("side", ["base", "head"])
@pytest.mark.parametrize("wrong", WRONG_SHAPES, ids=lambda w: type(w).__name__)
def test_any_node_of_the_wrong_shape_is_an_input_error_or_compared(side: str, wrong: Any) -> None:
    """Each object and array of the spec replaced by each value of another shape, on either
    side, and each scalar by one: the check refuses it, or the comparison runs to the end."""
    refusals = _refusals(spec(), side, wrong, _share(side, wrong))
    assert refusals
    assert all(r.startswith(f"the {side} spec is not") for r in refusals), refusals


def test_a_bug_in_specdiff_is_a_traceback_not_the_users_fault(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A KeyError from inside the comparison (what a misspelt rule id raised) was reported as
    'not a well-formed OpenAPI document'; now it propagates."""

    def broken(*args: Any) -> Any:
        raise KeyError("a bug")

    monkeypatch.setattr("specdiff.operations.compare_contract", broken)
    file = tmp_path / "a.yaml"
    file.write_text(yaml.safe_dump(spec()))
    result = CliRunner().invoke(diff_command, ["--base-file", str(file), "--head", str(file)])
    assert isinstance(result.exception, KeyError), result.output
    assert "well-formed" not in result.output


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([1, 2], "not a mapping"),
        ({"info": {}}, "at /: 'openapi' is a required property"),
        ({"openapi": "3.1.0", "paths": []}, "at /paths: [] is not of type 'object'"),
        (
            {
                "openapi": "3.1.0",
                "paths": {"/a": {"get": {"x-contract": {"rules": [{"level": "may"}]}}}},
            },
            "at /paths/~1a/get/x-contract/rules/0/level: 'may' is not one of ['must', 'should']",
        ),
        (
            {"openapi": "3.1.0", "components": {"schemas": {"A": {"properties": [1]}}}},
            "at /components/schemas/A/properties: [1] is not of type 'object'",
        ),
    ],
)
def test_the_check_names_the_place_and_the_problem(document: Any, expected: str) -> None:
    with pytest.raises(InputError) as error:
        check_document(document, "b.yaml")
    assert str(error.value).startswith("b.yaml is not ")
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_cli_a_malformed_head_is_one_line_and_exit_2(tmp_path: Path) -> None:
    base, head = tmp_path / "a.yaml", tmp_path / "b.yaml"
    base.write_text(yaml.safe_dump(spec()))
    broken = copied(spec())  # spec() is shared: never edit it
    broken["paths"][METRICS_PATH]["post"]["parameters"] = {"not": "a list"}
    head.write_text(yaml.safe_dump(broken))
    result = CliRunner().invoke(diff_command, ["--base-file", str(base), "--head", str(head)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"specdiff: {head} is not a well-formed OpenAPI document")
    assert "/post/parameters" in result.stderr


def test_cli_text_that_is_not_yaml_is_one_line_and_exit_2(tmp_path: Path) -> None:
    base = tmp_path / "a.yaml"
    base.write_text("openapi: [unclosed\n  x: {")
    result = CliRunner().invoke(diff_command, ["--base-file", str(base), "--head", str(base)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"specdiff: {base} is not YAML")


def test_python_m_specdiff_usage_error_is_one_line_and_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "specdiff", "--format", "xml"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("specdiff: Invalid value for '--format'")
