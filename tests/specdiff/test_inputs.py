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
    """Every place of the spec but its words (descriptions and examples, which specdiff
    compares as text whatever their shape)."""
    return [p for p in _nodes(spec()) if "description" not in p and "examples" not in p]


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


Turn = tuple[tuple[Any, ...], Any, str]  # a place, the wrong shape put there, the side


def _wrong_for(value: Any) -> list[Any]:
    """The shapes that are wrong for ``value``: those of another type."""
    return [wrong for wrong in WRONG_SHAPES if type(wrong) is not type(value)]


def _turns(document: Any, places: list[tuple[Any, ...]]) -> list[Turn]:
    """Each place in one wrong shape on one side, the shapes and sides taking turns."""
    turns = []
    for index, path in enumerate(places):
        shapes = _wrong_for(_at(document, path))
        side = ("base", "head")[index // len(shapes) % 2]
        turns.append((path, shapes[index % len(shapes)], side))
    return turns


def _containers(document: Any, places: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The places that hold an object or an array."""
    return [p for p in places if isinstance(_at(document, p), dict | list)]


def _every(document: Any, places: list[tuple[Any, ...]]) -> list[Turn]:
    """Each object and array in every wrong shape on both sides (where a wrong shape
    reaches the most code), and each scalar in one, in turn."""
    containers = _containers(document, places)
    held = set(containers)
    scalars = [p for p in places if p not in held]
    every = [
        (path, wrong, side)
        for path in containers
        for wrong in _wrong_for(_at(document, path))
        for side in ("base", "head")
    ]
    return every + _turns(document, scalars)


def _refusals(document: Any, turns: list[Turn]) -> list[tuple[str, str]]:
    """Each turn's document diffed with the spec on the other side: the side and the input
    error of each refusal (an exception from inside the comparison fails the test)."""
    refusals = []
    for path, wrong, side in turns:
        broken = _replaced(document, path, wrong)
        try:
            diff_specs(broken, document) if side == "base" else diff_specs(document, broken)
        except InputError as exc:
            refusals.append((side, str(exc)))
    return refusals


def _check(refusals: list[tuple[str, str]]) -> None:
    assert {side for side, _ in refusals} == {"base", "head"}, refusals
    for side, message in refusals:
        assert message.startswith(f"the {side} spec is not"), message


def test_every_object_and_array_of_a_wrong_shape_is_an_input_error_or_compared() -> None:
    """Each object and array of the spec replaced by a value of another shape, on one side:
    the check refuses it, or the comparison runs to the end; never an exception from inside
    it. Each gets one wrong shape here, in turn; the test below gives them all, on both
    sides, and each scalar one (test-slow)."""
    document = spec()
    _check(_refusals(document, _turns(document, _containers(document, _places()))))


@pytest.mark.slow  # 2,471 comparisons, about 20 s of CPU: CI runs it in test-slow
@pytest.mark.parametrize("part", range(10))
def test_any_node_of_the_wrong_shape_is_an_input_error_or_compared(part: int) -> None:
    """Every object and array of the spec in every wrong shape on both sides, and each
    scalar in one: the check refuses it, or the comparison runs to the end (a tenth each,
    so that test-slow's workers share them)."""
    document = spec()
    _check(_refusals(document, _every(document, _places())[part::10]))


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
