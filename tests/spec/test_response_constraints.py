"""The spec bounds answers only where the provider does: every response-side constraint is on
the sourced list (response_constraints.yaml), and every entry of the list is in the spec.

The walk covers every response of every operation (bodies and headers, through ``$ref``) and
treats every JSON Schema keyword as a constraint except those that only describe or lead to
subschemas, so a keyword nobody thought of is a constraint to source too.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import spec

LISTED = yaml.safe_load((Path(__file__).parent / "response_constraints.yaml").read_text())
# Keywords that constrain nothing themselves: annotations, and the ones that only hold
# subschemas, which the walk enters.
ANNOTATIONS = {
    "description",
    "title",
    "examples",
    "example",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "externalDocs",
    "discriminator",
}
LEADS_TO = {"properties", "items", "$ref", "patternProperties", "$defs"}
SCHEMA_VALUED = {
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
}
SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
SCHEMA = "<a schema>"  # the value listed for a keyword whose value is a subschema


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _resolve(document: Any, ref: str) -> Any:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _response_roots(document: Any) -> Iterator[tuple[str, Any]]:
    """(pointer, node) of each response body's and header's schema of every operation."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            base = f"/paths/{_escape(path)}/{method}/responses"
            for status, response in operation["responses"].items():
                where = f"{base}/{status}"
                if "$ref" in response:
                    where, response = response["$ref"][1:], _resolve(document, response["$ref"])
                for media, content in response.get("content", {}).items():
                    if "schema" in content:
                        yield f"{where}/content/{_escape(media)}/schema", content["schema"]
                for name, header in response.get("headers", {}).items():
                    at = f"{where}/headers/{_escape(name)}"
                    if "$ref" in header:
                        at, header = header["$ref"][1:], _resolve(document, header["$ref"])
                    yield f"{at}/schema", header["schema"]


def response_constraints(document: Any) -> dict[str, dict[str, Any]]:
    """Pointer of each schema reached from an answer -> its constraining keywords."""
    found: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    todo = list(_response_roots(document))
    while todo:
        pointer, node = todo.pop()
        if not isinstance(node, dict):
            continue  # a boolean schema: true constrains nothing, false is listed by its parent
        if "$ref" in node:
            todo.append((node["$ref"][1:], _resolve(document, node["$ref"])))
        if pointer in seen:
            continue
        seen.add(pointer)
        for keyword, value in node.items():
            if keyword.startswith("x-") or keyword in ANNOTATIONS:
                continue
            if keyword in ("properties", "patternProperties", "$defs"):
                todo += [(f"{pointer}/{keyword}/{_escape(k)}", v) for k, v in value.items()]
            elif keyword == "items":
                todo.append((f"{pointer}/items", value))
            elif keyword in SCHEMA_LISTS:
                todo += [(f"{pointer}/{keyword}/{i}", v) for i, v in enumerate(value)]
                found.setdefault(pointer, {})[keyword] = SCHEMA
            elif keyword in SCHEMA_VALUED and isinstance(value, dict):
                todo.append((f"{pointer}/{keyword}", value))
                found.setdefault(pointer, {})[keyword] = SCHEMA
            elif keyword not in LEADS_TO:
                found.setdefault(pointer, {})[keyword] = value
    return found


def _listed() -> dict[str, dict[str, Any]]:
    return {
        pointer: {keyword: entry[0] for keyword, entry in keywords.items()}
        for pointer, keywords in LISTED["constraints"].items()
    }


def _unsourced(found: dict[str, dict[str, Any]]) -> list[str]:
    listed = _listed()
    return [
        f"{pointer}: {keyword} {value!r}"
        for pointer, keywords in sorted(found.items())
        for keyword, value in keywords.items()
        if listed.get(pointer, {}).get(keyword, object()) != value
    ]


def test_every_response_constraint_of_the_spec_is_listed_with_its_source() -> None:
    assert _unsourced(response_constraints(spec())) == []


def test_every_listed_constraint_is_in_the_spec() -> None:
    found = response_constraints(spec())
    gone = [
        f"{pointer}: {keyword}"
        for pointer, keywords in _listed().items()
        for keyword, value in keywords.items()
        if found.get(pointer, {}).get(keyword, object()) != value
    ]
    assert gone == []


def test_every_entry_names_a_known_source() -> None:
    for keywords in LISTED["constraints"].values():
        for value, source in keywords.values():
            assert source in LISTED["sources"], (value, source)


@pytest.mark.parametrize(
    ("edit", "reported"),
    [
        (
            lambda s: s["components"]["schemas"]["StreamMetrics"]["properties"]["name"].update(
                maxLength=64
            ),
            "/components/schemas/StreamMetrics/properties/name: maxLength 64",
        ),
        (
            lambda s: s["components"]["schemas"]["JobStreamMetrics"]["properties"][
                "sources"
            ].update(maxItems=3),
            "/components/schemas/JobStreamMetrics/properties/sources: maxItems 3",
        ),
        (
            lambda s: s["components"]["schemas"]["ErrorResponse"]["properties"]["error_id"].update(
                pattern="^CS"
            ),
            "/components/schemas/ErrorResponse/properties/error_id: pattern '^CS'",
        ),
        (  # a keyword nobody listed, inside a composition, reached through a header
            lambda s: s["components"]["headers"]["XRequestId"]["schema"].update(
                anyOf=[{"minLength": 1}]
            ),
            "/components/headers/XRequestId/schema/anyOf/0: minLength 1",
        ),
        (  # a changed value is not the listed one
            lambda s: s["components"]["schemas"]["StreamMetrics"]["properties"]["records"].update(
                minimum=1
            ),
            "/components/schemas/StreamMetrics/properties/records: minimum 1",
        ),
    ],
    ids=["name maxLength", "sources maxItems", "error_id pattern", "header anyOf", "minimum"],
)
def test_an_invented_bound_on_an_answer_is_reported_at_its_place(edit: Any, reported: str) -> None:
    document = copy.deepcopy(spec())
    edit(document)
    assert reported in _unsourced(response_constraints(document))


def test_request_side_constraints_are_not_reached() -> None:
    """The walk starts at answers: the request's bounds (ours to set) are not on the list."""
    found = response_constraints(spec())
    assert not any("JobMetricsRequest" in pointer or "JobId" in pointer for pointer in found)
