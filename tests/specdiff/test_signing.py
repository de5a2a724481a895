"""``x-signature`` changes: each names the field it was made in, a scheme is paired by its
definition (its key may change), and one edit can narrow and widen at once."""

from __future__ import annotations

from typing import Any

from specdiff import Change, diff_specs
from specdiff.catalogue import Impact
from tests.support import copied, spec

SCHEME = "akskSignature"
SOURCE = f"#/components/securitySchemes/{SCHEME}/x-signature"


def signing_changes(edit: Any) -> list[Change]:
    base = spec()
    head = copied(base)
    edit(head)
    return [c for c in diff_specs(base, head) if c.rule.value.startswith("signing-")]


def signature(document: dict[str, Any]) -> dict[str, Any]:
    scheme: dict[str, Any] = document["components"]["securitySchemes"][SCHEME]
    return scheme["x-signature"]


def test_each_change_names_the_field_it_was_made_in() -> None:
    found = signing_changes(lambda s: signature(s).update(max_authorization_bytes=1024))
    assert [(c.rule.value, c.source) for c in found] == [
        ("signing-narrowed", f"{SOURCE}/max_authorization_bytes")
    ]
    assert found[0].clients is Impact.BREAKING
    assert "4096 -> 1024" in found[0].message


def test_a_scheme_is_paired_by_its_definition_not_its_key() -> None:
    def rename(document: dict[str, Any]) -> None:
        schemes = document["components"]["securitySchemes"]
        schemes["signed"] = schemes.pop(SCHEME)
        for item in document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "security" in operation:
                    operation["security"] = [
                        {"signed" if k == SCHEME else k: v for k, v in r.items()}
                        for r in operation["security"]
                    ]

    assert signing_changes(rename) == []

    def rename_and_change(document: dict[str, Any]) -> None:
        rename(document)
        document["components"]["securitySchemes"]["signed"]["x-signature"]["algorithm"] = "X"

    found = signing_changes(rename_and_change)
    assert [(c.rule.value, c.source) for c in found] == [
        ("signing-changed", "#/components/securitySchemes/signed/x-signature/algorithm")
    ]


def test_headers_swapped_narrow_and_widen_at_once() -> None:
    """One edit, one entry: the widening rides along (``also``); the entry's impact is the
    worse of the two."""
    found = signing_changes(
        lambda s: signature(s).update(required_signed_headers=["host", "content-type"])
    )
    assert len(found) == 1
    (change,) = found
    assert change.rule.value == "signing-narrowed"
    assert (
        "must also sign content-type; required_signed_headers: need no longer sign x-sdk-date"
        in change.message
    )
    assert [rule.value for rule, _ in change.also] == ["signing-widened"]
    assert (change.clients, change.servers) == (Impact.BREAKING, Impact.POSSIBLY_BREAKING)


def test_removing_the_extension_is_a_change_of_how_requests_are_signed() -> None:
    def remove(document: dict[str, Any]) -> None:
        del document["components"]["securitySchemes"][SCHEME]["x-signature"]

    found = signing_changes(remove)
    assert [(c.rule.value, c.source) for c in found] == [("signing-changed", SOURCE)]
    assert (found[0].clients, found[0].servers) == (Impact.BREAKING, Impact.BREAKING)
