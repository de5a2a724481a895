"""Compare operations: parameters, bodies, responses, headers, security, the error contract.

``diff_specs`` is the entry point: it resolves ``$ref`` s, pairs the operations of both
specs (paths compared by shape, so renaming a path parameter is not a removed operation)
and walks each pair. Every change is reported at a JSON Pointer into the *head* spec's
operation (or the base's, for what the head lacks).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from specdiff.catalogue import BASE_PATH_MOVED, REQUEST, RESPONSE, Change
from specdiff.pointers import join
from specdiff.resolve import resolve_refs
from specdiff.schemas import compare_schema

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE_PARAMETER = re.compile(r"\{[^}/]*\}")
# The serialization keywords of a parameter, with their defaults (OpenAPI 3.1, 4.8.12.4).
_SERIALIZATION = ("style", "explode", "allowReserved")

Spec = dict[str, Any]
OperationKey = tuple[str, str]  # (path shape, method)


def _requiredness(part: dict[str, Any]) -> str:
    """``required`` or ``optional``: the word the rule ids of parameters, bodies and headers
    use."""
    return "required" if part.get("required") else "optional"


def _shape(path: str) -> str:
    return _TEMPLATE_PARAMETER.sub("{}", path)


def _base_path(spec: Spec, item: dict[str, Any], operation: dict[str, Any]) -> str:
    """The path part of the servers' URLs that serve ``operation`` (its own servers, its
    path's, the document's), variables at their defaults; empty when the servers disagree
    (then operations pair by their paths as written)."""
    servers = operation.get("servers") or item.get("servers") or spec.get("servers") or []
    prefixes = set()
    for server in servers:
        url = str(server.get("url", "")) if isinstance(server, dict) else ""
        for name, variable in (
            (server.get("variables") or {}) if isinstance(server, dict) else {}
        ).items():
            if isinstance(variable, dict):
                url = url.replace("{" + name + "}", str(variable.get("default", "")))
        prefixes.add(urlsplit(url).path.rstrip("/"))
    return prefixes.pop() if len(prefixes) == 1 else ""


Operation = tuple[str, dict[str, Any], str]  # the path as written, the operation, base path


def _operations(spec: Spec) -> dict[OperationKey, Operation]:
    """(full path shape, method) -> (the path as written, the operation, its base path):
    operations pair by the URL a client calls (server URL + path), so moving ``/v1.0`` from
    every path into ``servers[].url`` removes nothing."""
    found = {}
    for path, item in (spec.get("paths") or {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                prefix = _base_path(spec, item, operation)
                found[_shape(prefix + path), method] = (path, operation, prefix)
    return found


def diff_specs(base_spec: Spec, head_spec: Spec) -> list[Change]:
    """Every classified change from ``base_spec`` to ``head_spec``, ``$ref`` s resolved; one
    edit of a shared component is one entry (:func:`one_entry_per_edit`)."""
    base, head = resolve_refs(base_spec), resolve_refs(head_spec)
    old_ops, new_ops = _operations(base), _operations(head)
    changes: list[Change] = []
    for key in sorted(old_ops.keys() - new_ops.keys()):
        path, operation, _ = old_ops[key]
        label = f"{key[1].upper()} {path}"
        if _sunset_passed(operation):
            rule, why = "operation-removed-after-sunset", f" (sunset {operation['x-sunset']})"
        else:
            rule, why = "operation-removed", ""
        changes.append(Change(rule, join("", "paths", path, key[1]), f"{label}: removed{why}"))
    for key in sorted(new_ops.keys() - old_ops.keys()):
        path, _, _ = new_ops[key]
        changes.append(
            Change(
                "operation-added",
                join("", "paths", path, key[1]),
                f"{key[1].upper()} {path}: operation added",
            )
        )
    moved: dict[tuple[str, str], list[str]] = {}
    for key in sorted(old_ops.keys() & new_ops.keys()):
        old, new = old_ops[key], new_ops[key]
        if old[2] != new[2]:
            moved.setdefault((old[2], new[2]), []).append(f"{key[1].upper()} {new[0]}")
        changes += _compare_operation(base, head, old, new, key[1])
    changes += _moved_base_paths(base, head, moved)
    changes += _document(base, head, moved)
    return one_entry_per_edit(changes)


def one_entry_per_edit(changes: list[Change]) -> list[Change]:
    """Changes made once in a shared component (the same ``source``) as one entry: the one
    with the worst impact names the rule and place, the others are listed in ``also``."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        if change.source is not None:
            groups.setdefault(change.source, []).append(change)
    result = []
    for change in changes:
        group = groups.get(change.source or "", [change])
        if len(group) == 1:
            result.append(change)
            continue
        if change is not group[0]:
            continue
        worst = max(group, key=lambda c: c.impact)
        also = tuple((c.rule, c.pointer) for c in group if c is not worst)
        result.append(
            dataclasses.replace(
                worst,
                message=f"{worst.message} [one edit of {_component(change.source or '')}, "
                f"reaching {len(group)} places]",
                also=also,
            )
        )
    return result


def _component(source: str) -> str:
    """``#/components/schemas/X/properties/y`` as a reviewer reads it: ``schema X at
    properties/y`` (the report's pointers are all in operations)."""
    tokens = source.removeprefix("#/").split("/")
    if len(tokens) >= 3 and tokens[0] == "components":
        kind = tokens[1].removesuffix("s")
        rest = "/".join(tokens[3:])
        return f"{kind} {tokens[2]}" + (f" at {rest}" if rest else "")
    return source


def _moved_base_paths(
    base: Spec, head: Spec, moved: dict[tuple[str, str], list[str]]
) -> Iterator[Change]:
    """A path prefix moved between ``paths`` and ``servers[].url``: one informational entry
    that says what a client with a base URL of its own must do."""
    for (old, new), operations in sorted(moved.items()):
        if new.startswith(old):
            what = f"{new[len(old) :]} moved from the paths into servers[].url"
            must = f"must now end its own base URL with {new[len(old) :]}"
        elif old.startswith(new):
            what = f"{old[len(new) :]} moved from servers[].url into the paths"
            must = f"must drop {old[len(new) :]} from its own base URL"
        else:
            what = f"base path {old or '/'} -> {new or '/'}"
            must = f"must use the base path {new or '/'}"
        yield Change(
            BASE_PATH_MOVED,
            "/servers",
            f"{what} for {len(operations)} operation(s) ({', '.join(operations[:3])}"
            f"{', ...' if len(operations) > 3 else ''}): every full URL is unchanged. A client "
            "regenerated from the new spec takes its base URL from servers[].url and calls "
            f"the same URLs; one that sets its base URL itself (a gateway, a test server) {must}",
        )


def _sunset_passed(operation: dict[str, Any]) -> bool:
    """Deprecated with an ``x-sunset`` date (oasdiff's extension) that is today or past."""
    sunset = operation.get("x-sunset")
    if not operation.get("deprecated") or sunset is None:
        return False
    try:
        day = datetime.date.fromisoformat(str(sunset)[:10])
    except ValueError:
        return False
    return day <= datetime.datetime.now(datetime.UTC).date()


def _document(
    base: Spec, head: Spec, moved: dict[tuple[str, str], list[str]] | None = None
) -> Iterator[Change]:
    """Informational changes outside operations: servers (beyond a moved base path, which
    has its own entry) and tags."""
    old = [s.get("url") for s in base.get("servers") or []]
    new = [s.get("url") for s in head.get("servers") or []]
    unmoved = [str(u).rstrip("/") for u in new]
    for old_prefix, new_prefix in moved or {}:
        unmoved = [
            u[: len(u) - len(new_prefix)] + old_prefix if u.endswith(new_prefix) else u
            for u in unmoved
        ]
    only_moved = bool(moved) and unmoved == [str(u).rstrip("/") for u in old]
    if base.get("servers") != head.get("servers") and not only_moved:
        yield Change("servers-changed", "/servers", f"servers {old} -> {new}")
    if base.get("tags") != head.get("tags"):
        old = [t.get("name") for t in base.get("tags") or []]
        new = [t.get("name") for t in head.get("tags") or []]
        yield Change("tags-changed", "/tags", f"tags {old} -> {new}")


def _compare_operation(
    base_spec: Spec,
    head_spec: Spec,
    old_entry: Operation,
    new_entry: Operation,
    method: str,
) -> Iterator[Change]:
    (old_path, base, old_prefix), (path, head, prefix) = old_entry, new_entry
    pointer = join("", "paths", path, method)
    label = f"{method.upper()} {path}"
    if old_prefix + old_path != prefix + path:
        yield Change(
            "path-parameter-renamed",
            join("", "paths", path),
            f"{label}: path template {old_path} -> {path} (same URLs)",
        )
    yield from _lifecycle(base, head, pointer, label)
    yield from _security(base_spec, head_spec, base, head, pointer, label)
    yield from _parameters(
        (old_path, base_spec["paths"][old_path], base),
        (path, head_spec["paths"][path], head),
        pointer,
        label,
    )
    yield from _request_body(
        base.get("requestBody"), head.get("requestBody"), join(pointer, "requestBody"), label
    )
    yield from _responses(
        base.get("responses") or {}, head.get("responses") or {}, join(pointer, "responses"), label
    )
    yield from _contract(base.get("x-contract"), head.get("x-contract"), pointer, label)


def _lifecycle(
    base: dict[str, Any], head: dict[str, Any], pointer: str, label: str
) -> Iterator[Change]:
    was, now = bool(base.get("deprecated")), bool(head.get("deprecated"))
    if now and not was:
        yield Change("operation-deprecated", join(pointer, "deprecated"), f"{label}: deprecated")
    elif was and not now:
        yield Change(
            "operation-reactivated", join(pointer, "deprecated"), f"{label}: no longer deprecated"
        )
    if base.get("x-sunset") != head.get("x-sunset"):
        yield Change(
            "operation-sunset-changed",
            join(pointer, "x-sunset"),
            f"{label}: x-sunset {base.get('x-sunset')!r} -> {head.get('x-sunset')!r}",
        )
    if base.get("operationId") != head.get("operationId"):
        yield Change(
            "operation-id-changed",
            join(pointer, "operationId"),
            f"{label}: operationId {base.get('operationId')!r} -> {head.get('operationId')!r}",
        )
    if sorted(base.get("tags") or []) != sorted(head.get("tags") or []):
        yield Change(
            "operation-tags-changed",
            join(pointer, "tags"),
            f"{label}: tags {base.get('tags')} -> {head.get('tags')}",
        )


# ---- security -------------------------------------------------------------------------

Alternative = frozenset[tuple[str, frozenset[str]]]  # (scheme definition, scopes) pairs


def _definition(scheme: dict[str, Any]) -> dict[str, Any]:
    """What a client must send, as a comparable value: words and case that do not matter
    on the wire left out (``X-Auth-Token`` is ``x-auth-token``)."""
    definition = {
        k: v
        for k, v in scheme.items()
        if k not in ("description", "bearerFormat") and not k.startswith("x-")
    }  # bearerFormat: "primarily for documentation purposes" (OpenAPI 3.1, 4.8.27.1)
    if definition.get("in") == "header" and isinstance(definition.get("name"), str):
        definition["name"] = definition["name"].lower()
    if isinstance(definition.get("scheme"), str):  # HTTP auth schemes: case-insensitive too
        definition["scheme"] = definition["scheme"].lower()
    return definition


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
    requirements = operation.get("security", spec.get("security")) or []
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    result, names = [], {}
    for requirement in requirements:
        members = set()
        for name, scopes in requirement.items():
            scheme = schemes.get(name) or {"unknown": name}
            definition = json.dumps(_definition(scheme), sort_keys=True)
            names[definition] = _describe(name, scheme)
            members.add((definition, frozenset(scopes or [])))
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


def _security(
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
            "security-narrowed",
            at,
            f"{label}: no longer accepted: {_named(stranded, old_names)}; accepted now: "
            f"{_named(new, new_names)}",
            also=(("security-widened", at),) if gained else (),
        )
    elif gained:
        yield Change(
            "security-widened", at, f"{label}: newly accepted: {_named(gained, new_names)}"
        )


# ---- parameters -----------------------------------------------------------------------


def _merged_parameters(
    path_item: dict[str, Any], operation: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    def key(parameter: dict[str, Any]) -> tuple[str, str]:
        name = str(parameter.get("name"))
        where = str(parameter.get("in"))
        # Header names are case-insensitive; path names are positional (compared by shape).
        return (where, name.lower() if where == "header" else name)

    merged = {key(p): p for p in path_item.get("parameters") or []}
    merged.update({key(p): p for p in operation.get("parameters") or []})
    return merged


def _path_positions(
    params: dict[tuple[str, str], dict[str, Any]], path: str
) -> dict[tuple[str, str], dict[str, Any]]:
    """Path parameters keyed by their place in the template, not their name."""
    order = [m[1:-1] for m in _TEMPLATE_PARAMETER.findall(path)]
    keyed = {}
    for (where, name), parameter in params.items():
        if where == "path" and name in order:
            keyed["path", f"#{order.index(name)}"] = parameter
        else:
            keyed[where, name] = parameter
    return keyed


def _parameters(
    old_place: tuple[str, dict[str, Any], dict[str, Any]],
    new_place: tuple[str, dict[str, Any], dict[str, Any]],
    pointer: str,
    label: str,
) -> Iterator[Change]:
    """``*_place``: (path template, path item, operation) of each side."""
    old_path, base_item, base = old_place
    path, head_item, head = new_place
    old = _path_positions(_merged_parameters(base_item, base), old_path)
    new = _path_positions(_merged_parameters(head_item, head), path)
    for key in sorted(old.keys() - new.keys()):
        name = old[key].get("name")
        yield Change(
            "request-parameter-removed",
            join(pointer, "parameters"),
            f"{label}: {key[0]} parameter `{name}` removed",
        )
    for key in sorted(new.keys() - old.keys()):
        parameter = new[key]
        kind = _requiredness(parameter)
        yield Change(
            f"request-parameter-added-{kind}",
            join(pointer, "parameters", _index(head_item, head, parameter)),
            f"{label}: new {kind} {key[0]} parameter `{parameter.get('name')}`",
        )
    for key in sorted(old.keys() & new.keys()):
        was, now = old[key], new[key]
        at = join(pointer, "parameters", _index(head_item, head, now))
        what = f"{key[0]} parameter `{now.get('name')}`"
        if bool(was.get("required")) != bool(now.get("required")):
            state = _requiredness(now)
            yield Change(
                f"request-parameter-became-{state}", join(at, "required"), f"{what}: now {state}"
            )
        if now.get("deprecated") and not was.get("deprecated"):
            yield Change(
                "request-parameter-deprecated", join(at, "deprecated"), f"{what}: deprecated"
            )
        serialization = [
            k for k in _SERIALIZATION if _serialized(was, k, key[0]) != _serialized(now, k, key[0])
        ]
        if serialization:
            yield Change(
                "request-parameter-serialization-changed",
                join(at, serialization[0]),
                f"{what}: {', '.join(serialization)} changed",
            )
        yield from compare_schema(
            was.get("schema", True), now.get("schema", True), join(at, "schema"), REQUEST, what
        )


def _index(item: dict[str, Any], operation: dict[str, Any], parameter: dict[str, Any]) -> str:
    """Where ``parameter`` is written: its index in the operation's list, else the path's."""
    for owner in (operation, item):
        for i, candidate in enumerate(owner.get("parameters") or []):
            if candidate is parameter:
                return str(i)
    return "?"


def _serialized(parameter: dict[str, Any], keyword: str, where: str) -> Any:
    style_default = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}
    style = parameter.get("style", style_default.get(where))
    defaults = {"style": style, "explode": style == "form", "allowReserved": False}
    return parameter.get(keyword, defaults[keyword])


# ---- bodies and responses -------------------------------------------------------------


def _request_body(
    base: dict[str, Any] | None, head: dict[str, Any] | None, pointer: str, label: str
) -> Iterator[Change]:
    if base is None and head is None:
        return
    if base is None or head is None:
        if head is None:
            yield Change("request-body-removed", pointer, f"{label}: request body removed")
        else:
            kind = _requiredness(head)
            yield Change(f"request-body-added-{kind}", pointer, f"{label}: {kind} body added")
        return
    if bool(base.get("required")) != bool(head.get("required")):
        state = _requiredness(head)
        yield Change(
            f"request-body-became-{state}",
            join(pointer, "required"),
            f"{label}: request body now {state}",
        )
    yield from _content(base, head, pointer, REQUEST, f"{label}: request", "request body")


def _content(
    base: dict[str, Any], head: dict[str, Any], pointer: str, side: str, whose: str, what: str
) -> Iterator[Change]:
    """The media types of a request body or a response (``whose`` starts their messages),
    and the schema of each media type both have (``what`` names it)."""
    old_media, new_media = base.get("content") or {}, head.get("content") or {}
    for media in sorted(old_media.keys() - new_media.keys()):
        yield Change(
            f"{side}-media-type-removed",
            join(pointer, "content", media),
            f"{whose} media type {media} removed",
        )
    for media in sorted(new_media.keys() - old_media.keys()):
        yield Change(
            f"{side}-media-type-added",
            join(pointer, "content", media),
            f"{whose} media type {media} added",
        )
    for media in sorted(old_media.keys() & new_media.keys()):
        yield from compare_schema(
            old_media[media].get("schema", True),
            new_media[media].get("schema", True),
            join(pointer, "content", media, "schema"),
            side,
            what,
        )


def _is_success(status: str) -> bool:
    return status[:1] in ("1", "2", "3")


def _responses(
    base: dict[str, Any], head: dict[str, Any], pointer: str, label: str
) -> Iterator[Change]:
    # YAML reads an unquoted `200:` as a number: `200` and `'200'` are the same status.
    base, head = ({str(k): v for k, v in side.items()} for side in (base, head))
    for status in sorted(base.keys() - head.keys()):
        kind = "success" if _is_success(status) else "error"
        yield Change(
            f"response-{kind}-status-removed",
            join(pointer, status),
            f"{label}: response {status} removed",
        )
    for status in sorted(head.keys() - base.keys()):
        kind = "success" if _is_success(status) else "error"
        yield Change(
            f"response-{kind}-status-added",
            join(pointer, status),
            f"{label}: response {status} added",
        )
    for status in sorted(base.keys() & head.keys()):
        at = join(pointer, status)
        yield from _response_headers(
            base[status].get("headers") or {}, head[status].get("headers") or {}, at, status
        )
        yield from _content(
            base[status], head[status], at, RESPONSE, f"{label}: {status}", f"{status} response"
        )


def _response_headers(
    base: dict[str, Any], head: dict[str, Any], pointer: str, status: str
) -> Iterator[Change]:
    old = {name.lower(): (name, h) for name, h in base.items()}
    new = {name.lower(): (name, h) for name, h in head.items()}
    for key in sorted(old.keys() - new.keys()):
        name, header = old[key]
        kind = _requiredness(header)
        yield Change(
            f"response-header-removed-{kind}",
            join(pointer, "headers", name),
            f"{status} response header {name} removed",
        )
    for key in sorted(new.keys() - old.keys()):
        name, header = new[key]
        kind = _requiredness(header)
        yield Change(
            f"response-header-added-{kind}",
            join(pointer, "headers", name),
            f"new {kind} {status} response header {name}",
        )
    for key in sorted(old.keys() & new.keys()):
        (_, was), (name, now) = old[key], new[key]
        at = join(pointer, "headers", name)
        if bool(was.get("required")) != bool(now.get("required")):
            state = _requiredness(now)
            yield Change(
                f"response-header-became-{state}",
                join(at, "required"),
                f"{status} response header {name}: now {state}",
            )
        yield from compare_schema(
            was.get("schema", True),
            now.get("schema", True),
            join(at, "schema"),
            RESPONSE,
            f"{status} response header {name}",
        )


# ---- the machine-readable error contract ----------------------------------------------


def _contract(
    base: dict[str, Any] | None, head: dict[str, Any] | None, pointer: str, label: str
) -> Iterator[Change]:
    """Our ``x-contract`` extension: each rule's answer, and the request limits."""
    base, head = base or {}, head or {}
    at = join(pointer, "x-contract")
    old_rules = {r.get("id"): r for r in base.get("rules") or []}
    new_rules = {r.get("id"): r for r in head.get("rules") or []}
    for rule_id in sorted(old_rules.keys() - new_rules.keys(), key=str):
        yield Change("contract-rule-removed", join(at, "rules"), f"{label}: rule {rule_id} removed")
    for rule_id in sorted(new_rules.keys() - old_rules.keys(), key=str):
        yield Change("contract-rule-added", join(at, "rules"), f"{label}: rule {rule_id} added")
    for index, rule in enumerate(head.get("rules") or []):
        old = old_rules.get(rule.get("id"))
        if old is None:
            continue
        answer = ("status", "error_id", "headers")
        changed = [k for k in answer if old.get(k) != rule.get(k)]
        if changed:
            detail = ", ".join(f"{k} {old.get(k)!r} -> {rule.get(k)!r}" for k in changed)
            yield Change(
                "contract-answer-changed",
                join(at, "rules", index, changed[0]),
                f"{label}: rule {rule.get('id')}: {detail}",
            )
    old_limits, new_limits = base.get("limits") or {}, head.get("limits") or {}
    for name in sorted(old_limits.keys() | new_limits.keys()):
        old_value = old_limits.get(name, float("inf"))
        new_value = new_limits.get(name, float("inf"))
        if old_value == new_value:
            continue
        rule = "contract-limit-narrowed" if new_value < old_value else "contract-limit-widened"
        yield Change(
            rule,
            join(at, "limits", name),
            f"{label}: {name} {old_limits.get(name)!r} -> {new_limits.get(name)!r}",
        )
