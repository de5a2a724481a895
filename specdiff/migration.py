"""Migrations: an operation that declares, with ``x-replaces: <operationId>``, the operation
it replaces, compared with that operation as a client moving over meets it.

The comparison reuses every part's comparison (``security``, ``parameters``, ``bodies``,
``contract``, ``lifecycle``) with the replaced operation as the base and the successor as
the head, so each difference is a rule of the catalogue read from a migrating client's side
(the catalogue's principle says how). The response bodies are the exception: they are
different schemas around the same data, compared by meaning in ``envelopes``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from specdiff.bodies import compare_request_body
from specdiff.catalogue import Change, Migration
from specdiff.contract import compare_contract
from specdiff.envelopes import compare_bodies
from specdiff.lifecycle import compare_lifecycle
from specdiff.pairing import pair
from specdiff.parameters import compare_parameters
from specdiff.pointers import join
from specdiff.responses import compare_response_headers, status_rules
from specdiff.rules import RuleId
from specdiff.security import compare_security

Spec = dict[str, Any]
OperationKey = tuple[str, str]  # (full path shape, method)
Operation = tuple[str, dict[str, Any], str]  # the path as written, the operation, base path

REPLACES = "x-replaces"
# Where the error code travels when `x-contract` does not say (`answers.error_code`): the
# name x-contract rules give the code (`error_id`).
DEFAULT_CODE_FIELD = "error_id"


@dataclass(frozen=True)
class Declared:
    """A successor's ``x-replaces``, resolved: the replaced operation and its spec."""

    name: str  # the operationId written in x-replaces
    key: OperationKey
    entry: Operation
    spec: Spec


def declared(
    operations: dict[OperationKey, Operation], *where: tuple[Spec, dict[OperationKey, Operation]]
) -> dict[OperationKey, Declared]:
    """Successor -> the operation its ``x-replaces`` names, looked up in each of ``where`` in
    turn (the base first: what clients migrate from is the operation they call today).
    A name no spec resolves to one operation is left out (``inputs.check_successors``
    refuses it in the head, before any comparison)."""
    result = {}
    for key, (_, operation, _) in operations.items():
        name = operation.get(REPLACES)
        if not isinstance(name, str):
            continue
        for spec, candidates in where:
            found = [
                (k, entry)
                for k, entry in candidates.items()
                if entry[1].get("operationId") == name and k != key
            ]
            if len(found) == 1:
                result[key] = Declared(name, found[0][0], found[0][1], spec)
                break
    return result


def label(key: OperationKey, entry: Operation) -> str:
    """An operation as a reviewer names it: ``POST /v1.0/{project_id}/jobs/metrics
    (queryJobMetrics)``."""
    return f"{key[1].upper()} {entry[0]} ({entry[1].get('operationId')})"


def compare_migration(
    replaced: Declared, head: Spec, key: OperationKey, successor: Operation
) -> Migration:
    """Every difference between the replaced operation and its successor ``successor``
    (at ``key`` in ``head``), each with the rule a migrating client must handle."""
    (old_path, old, old_prefix), (path, new, prefix) = replaced.entry, successor
    old_method, method = replaced.key[1], key[1]
    old_pointer, pointer = join("", "paths", old_path, old_method), join("", "paths", path, method)
    name = f"{old.get('operationId')} -> {new.get('operationId')}"
    differences: list[Change] = []
    if (old_method, old_prefix + old_path) != (method, prefix + path):
        differences.append(
            Change(
                RuleId.MIGRATION_PATH_CHANGED,
                pointer,
                f"{name}: {old_method.upper()} {old_prefix + old_path} -> "
                f"{method.upper()} {prefix + path}",
            )
        )
    differences += compare_lifecycle(old, new, pointer, name)
    differences += compare_security(replaced.spec, head, old, new, pointer, name)
    differences += compare_parameters(
        (old_path, replaced.spec["paths"][old_path], old),
        (path, head["paths"][path], new),
        pointer,
        name,
    )
    body = list(
        compare_request_body(
            old.get("requestBody"), new.get("requestBody"), join(pointer, "requestBody"), name
        )
    )
    differences += body
    differences += _responses(old, new, (old_pointer, pointer), name)
    differences += compare_contract(old.get("x-contract"), new.get("x-contract"), pointer, name)
    return Migration(
        replaced=label(replaced.key, replaced.entry),
        successor=label(key, successor),
        differences=tuple(differences),
        request_body_same=not body,
    )


def _responses(
    old: dict[str, Any], new: dict[str, Any], pointers: tuple[str, str], name: str
) -> Iterator[Change]:
    """Statuses, each shared status' headers, the success body and the error body."""
    old_pointer, pointer = (join(p, "responses") for p in pointers)
    was = {str(k): v for k, v in (old.get("responses") or {}).items()}
    now = {str(k): v for k, v in (new.get("responses") or {}).items()}
    statuses = pair(was, now)
    answered = ", ".join(sorted(was))
    for status, _ in statuses.removed:
        yield Change(
            status_rules(status)[0],
            join(old_pointer, status),
            f"{name}: response {status} not answered by the successor",
        )
    for status, _ in statuses.added:
        yield Change(
            status_rules(status)[1],
            join(pointer, status),
            f"{name}: response {status} added (the replaced operation answers {answered})",
        )
    for status, before, after in statuses.common:
        yield from compare_response_headers(
            before.get("headers") or {},
            after.get("headers") or {},
            join(pointer, status),
            f"{name}: {status}",
        )
    for success, what in ((True, "success body"), (False, "error body")):
        found = _body(was, now, success)
        if found is None:
            continue
        (old_at, old_schema), (new_at, new_schema) = found
        codes = None if success else (_code_field(old), _code_field(new))
        yield from compare_bodies(
            old_schema,
            new_schema,
            (join(old_pointer, *old_at), join(pointer, *new_at)),
            f"{name}: {what}",
            codes,
        )


Located = tuple[tuple[str, ...], Any]  # (pointer tokens under responses, the schema)


def _body(
    was: dict[str, Any], now: dict[str, Any], success: bool
) -> tuple[Located, Located] | None:
    """The success (2xx) or error (4xx, 5xx, default) body of each operation: the schema of
    the first such status with a body, a status both answer first."""

    def bodies(responses: dict[str, Any]) -> dict[str, Located]:
        found: dict[str, Located] = {}
        for status, response in sorted(responses.items()):
            if (status[:1] == "2") != success or status[:1] in ("1", "3"):
                continue
            for media, content in sorted((response.get("content") or {}).items()):
                if "schema" in content:
                    found[status] = ((status, "content", media, "schema"), content["schema"])
                    break
        return found

    old, new = bodies(was), bodies(now)
    shared = sorted(old.keys() & new.keys())
    if shared:
        return old[shared[0]], new[shared[0]]
    if old and new:
        return old[min(old)], new[min(new)]
    return None


def _code_field(operation: dict[str, Any]) -> str:
    """The error body's field that carries the code: ``x-contract`` ``answers.error_code``."""
    answers = (operation.get("x-contract") or {}).get("answers")
    field = answers.get("error_code") if isinstance(answers, dict) else None
    return field if isinstance(field, str) else DEFAULT_CODE_FIELD
