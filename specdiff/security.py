"""Security requirements compared by what a client must send: the schemes' definitions
(never their keys), alternatives (OR) of schemes (AND) with scopes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from specdiff.catalogue import Change
from specdiff.pointers import join
from specdiff.rules import RuleId

Spec = dict[str, Any]

Alternative = frozenset[tuple[str, frozenset[str]]]  # (scheme definition, scopes) pairs


def definition(scheme: dict[str, Any]) -> dict[str, Any]:
    """What a client must send, as a comparable value: words and case that do not matter
    on the wire left out (``X-Auth-Token`` is ``x-auth-token``). Extensions are left out
    too: the one that changes what a client sends, ``x-signature``, is compared by
    ``specdiff.signing``."""
    wire = {
        k: v
        for k, v in scheme.items()
        if k not in ("description", "bearerFormat") and not k.startswith("x-")
    }  # bearerFormat: "primarily for documentation purposes" (OpenAPI 3.1, 4.8.27.1)
    if wire.get("in") == "header" and isinstance(wire.get("name"), str):
        wire["name"] = wire["name"].lower()
    if isinstance(wire.get("scheme"), str):  # HTTP auth schemes: case-insensitive too
        wire["scheme"] = wire["scheme"].lower()
    return wire


def requirements(spec: Spec, operation: dict[str, Any]) -> list[list[tuple[str, str, Any, Any]]]:
    """The operation's security requirements (its own, else the document's), each (OR) as
    its schemes (AND): (the scheme's key in the document, its definition as a comparable
    key, the scheme, its scopes). A scheme the document lacks is ``{"unknown": key}``."""
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    found = []
    for requirement in operation.get("security", spec.get("security")) or []:
        members = []
        for name, scopes in requirement.items():
            scheme = schemes.get(name) or {"unknown": name}
            members.append((name, json.dumps(definition(scheme), sort_keys=True), scheme, scopes))
        found.append(members)
    return found


def _describe(name: str, scheme: dict[str, Any]) -> str:
    """A scheme as a reviewer names it: ``API key in header X-Auth-Token (authToken)``."""
    kind = scheme.get("type")
    if kind == "apiKey":
        return f"API key in {scheme.get('in')} {scheme.get('name')} ({name})"
    if kind == "http":
        return f"HTTP {scheme.get('scheme')} ({name})"
    return f"{kind} ({name})" if kind else f"undefined scheme {name}"


def _alternatives(
    spec: Spec, operation: dict[str, Any]
) -> tuple[list[Alternative], dict[str, str]]:
    """The operation's security alternatives (OR), each a set of schemes (AND), every scheme
    named by its *definition* (so renaming a scheme's key changes nothing), and how each
    definition is named in the report."""
    result, names = [], {}
    for requirement in requirements(spec, operation):
        members = set()
        for name, key, scheme, scopes in requirement:
            names[key] = _describe(name, scheme)
            members.add((key, frozenset(scopes or [])))
        result.append(frozenset(members))
    return result, names


def _satisfies(sent: Alternative, required: Alternative) -> bool:
    """Whether a client authenticating with ``sent`` meets ``required``."""
    offered = dict(sent)
    return all(scheme in offered and scopes <= offered[scheme] for scheme, scopes in required)


def _named(alternatives: list[Alternative], names: dict[str, str]) -> str:
    def one(alternative: Alternative) -> str:
        if not alternative:
            return "no authentication"
        return " + ".join(
            names[d] + (f" with scopes {sorted(scopes)}" if scopes else "")
            for d, scopes in sorted(alternative)
        )

    return "; ".join(one(a) for a in alternatives)


def compare_security(
    base_spec: Spec,
    head_spec: Spec,
    base: dict[str, Any],
    head: dict[str, Any],
    pointer: str,
    label: str,
) -> Iterator[Change]:
    (old, old_names), (new, new_names) = (
        _alternatives(base_spec, base), _alternatives(head_spec, head)
    )  # fmt: skip
    # No requirement at all means anonymous access: one empty alternative.
    old, new = old or [frozenset()], new or [frozenset()]
    stranded = [alt for alt in old if not any(_satisfies(alt, req) for req in new)]
    gained = [alt for alt in new if not any(_satisfies(alt, req) for req in old)]
    at = join(pointer, "security")
    if stranded:
        # A scheme replaced is one change: narrowed, and widened by what replaces it.
        yield Change(
            RuleId.SECURITY_NARROWED,
            at,
            f"{label}: no longer accepted: {_named(stranded, old_names)}; accepted now: "
            f"{_named(new, new_names)}",
            also=((RuleId.SECURITY_WIDENED, at),) if gained else (),
        )
    elif gained:
        yield Change(
            RuleId.SECURITY_WIDENED, at, f"{label}: newly accepted: {_named(gained, new_names)}"
        )
