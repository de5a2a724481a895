"""Reading a spec version (a file, or a file at a git ref) and checking that it has the shape
specdiff reads, before any comparison.

The check is a JSON Schema of the parts specdiff walks (objects where it looks keys up, lists
where it iterates, schemas where it recurses), validated with ``jsonschema`` (a runtime
dependency; ``openapi-spec-validator`` is dev-only, and ``make lint-spec`` runs the full
OpenAPI check). A document that passes cannot make the comparison fail on its shape, so any
exception the comparison raises after it is a bug in specdiff and shows as a traceback.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections import OrderedDict
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

Spec = dict[str, Any]


class InputError(Exception):
    """A spec version that could not be read, or is not the shape OpenAPI says it is."""


def _object(values: Any = None, **properties: Any) -> dict[str, Any]:
    """An object whose listed ``properties`` (and every value, with ``values``) have a shape."""
    shape: dict[str, Any] = {"type": "object"}
    if properties:
        shape["properties"] = properties
    if values is not None:
        shape["additionalProperties"] = values
    return shape


def _array(items: Any) -> dict[str, Any]:
    return {"type": "array", "items": items}


_SCHEMA = {"$ref": "#/$defs/schema"}
_SCHEMAS = _array(_SCHEMA)
_NUMBER = {"type": "number"}
_BOUND = {"type": ["number", "boolean"]}  # OpenAPI 3.0 wrote exclusiveMinimum: true
_CONTENT = _object(_object(schema=_SCHEMA))
_SERVERS = _array(
    _object(url={"type": "string"}, variables=_object(_object(default={"type": "string"})))
)
_PARAMETERS = _array(_object(name={"type": "string"}, schema=_SCHEMA))
_RESPONSE = _object(headers=_object(_object(schema=_SCHEMA)), content=_CONTENT)
_OPERATION = _object(
    parameters=_PARAMETERS,
    requestBody=_object(content=_CONTENT),
    responses=_object(_RESPONSE),
    security=_array(_object(_array({"type": "string"}))),
    servers=_SERVERS,
    tags=_array({"type": "string"}),
    **{
        "x-replaces": {"type": "string", "minLength": 1},
        "x-contract": _object(
            rules=_array(
                _object(id={"type": ["string", "integer"]}, level={"enum": ["must", "should"]})
            ),
            limits=_object(_NUMBER),
        ),
    },
)
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

DOCUMENT_SHAPE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["openapi"],
    "properties": {
        "openapi": {"type": "string"},
        "info": _object(),
        "servers": _SERVERS,
        "tags": _array(_object()),
        "security": _array(_object(_array({"type": "string"}))),
        "paths": _object(
            _object(
                parameters=_PARAMETERS,
                servers=_SERVERS,
                **{method: _OPERATION for method in _METHODS},
            )
        ),
        # $ref targets: each is compared where it is referenced
        "components": _object(
            schemas=_object(_SCHEMA),
            parameters=_object(_object(name={"type": "string"}, schema=_SCHEMA)),
            requestBodies=_object(_object(content=_CONTENT)),
            responses=_object(_RESPONSE),
            headers=_object(_object(schema=_SCHEMA)),
            securitySchemes=_object(_object()),
        ),
    },
    "$defs": {
        "schema": {
            "type": ["object", "boolean"],
            "properties": {
                "type": {"type": ["string", "array"], "items": {"type": "string"}},
                "properties": _object(_SCHEMA),
                "required": _array({"type": "string"}),
                "items": _SCHEMA,
                "additionalProperties": _SCHEMA,
                "unevaluatedProperties": _SCHEMA,
                "allOf": _SCHEMAS,
                "anyOf": _SCHEMAS,
                "oneOf": _SCHEMAS,
                "not": _SCHEMA,
                "enum": {"type": "array"},
                "discriminator": _object(
                    propertyName={"type": "string"}, mapping=_object({"type": "string"})
                ),
                "pattern": {"type": "string"},
                "format": {"type": "string"},
                "minimum": _NUMBER,
                "maximum": _NUMBER,
                "exclusiveMinimum": _BOUND,
                "exclusiveMaximum": _BOUND,
                "multipleOf": _NUMBER,
                "minLength": _NUMBER,
                "maxLength": _NUMBER,
                "minItems": _NUMBER,
                "maxItems": _NUMBER,
                "minProperties": _NUMBER,
                "maxProperties": _NUMBER,
            },
        }
    },
}
_VALIDATOR = Draft202012Validator(DOCUMENT_SHAPE)


# Documents already found well formed, by a fingerprint of their exact content (``repr``
# keeps key types and values apart, which JSON text would merge): checking one costs about
# 8 ms, and a review diffs the same base against many heads. Bounded, oldest forgotten first.
_WELL_FORMED: OrderedDict[bytes, None] = OrderedDict()
_REMEMBERED = 64


def _remember(fingerprint: bytes) -> None:
    _WELL_FORMED[fingerprint] = None
    while len(_WELL_FORMED) > _REMEMBERED:
        _WELL_FORMED.popitem(last=False)


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def check_document(document: Any, label: str) -> Spec:
    """``document`` if it has the shape specdiff reads; else :class:`InputError` naming
    ``label``, the first problem's JSON Pointer and the problem, in one line."""
    if not isinstance(document, dict):
        raise InputError(f"{label} is not an OpenAPI document (not a mapping)")
    fingerprint = hashlib.sha256(repr(document).encode("utf-8", "surrogateescape")).digest()
    if fingerprint in _WELL_FORMED:
        return document
    error = best_match(_VALIDATOR.iter_errors(document))
    if error is None:
        _remember(fingerprint)
        return document
    where = "/" + "/".join(_escape(t) for t in error.absolute_path)
    problem = " ".join(error.message.split())
    if len(problem) > 160:
        problem = problem[:157] + "..."
    raise InputError(
        f"{label} is not a well-formed OpenAPI document: at {where}: {problem} "
        "(`make lint-spec SPEC=...` names every problem)"
    )


def _operation_ids(spec: Spec) -> dict[str, list[str]]:
    """operationId -> where it is written (``/paths/.../post``), for every operation."""
    found: dict[str, list[str]] = {}
    for path, item in (spec.get("paths") or {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, dict) and "operationId" in operation:
                where = f"/paths/{_escape(path)}/{method}"
                found.setdefault(str(operation["operationId"]), []).append(where)
    return found


def check_successors(base: Spec, head: Spec) -> None:
    """Every ``x-replaces`` of the head names one operation, by its ``operationId``, of the
    base or of the head (the base first), and not the operation itself; else
    :class:`InputError`, in one line. A migration that names nothing would be reported as
    none, which a reviewer would read as "no migration declared". The base is history and
    is not held to it (its declarations are only compared)."""
    in_base, in_head = _operation_ids(base), _operation_ids(head)
    for path, item in (head.get("paths") or {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict) or "x-replaces" not in operation:
                continue
            name = operation["x-replaces"]
            where = f"/paths/{_escape(path)}/{method}/x-replaces"
            if name == operation.get("operationId"):
                raise InputError(f"the head spec's {where} names the operation itself ({name!r})")
            carriers = in_base.get(name) or in_head.get(name) or []
            if not carriers:
                raise InputError(
                    f"the head spec's {where} names operationId {name!r}, which no operation "
                    "of the base or the head spec has"
                )
            if len(carriers) > 1:
                raise InputError(
                    f"the head spec's {where} names operationId {name!r}, which "
                    f"{len(carriers)} operations carry ({', '.join(carriers)})"
                )


# libyaml's safe loader where PyYAML has it (about ten times faster on a spec; the same
# safe subset), else the pure-Python one. (specdiff reads documents only: it does not share
# jobs_metrics_spec's, see ARCHITECTURE.md.)
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str, label: str) -> Spec:
    """A spec's text as a checked document (YAML, which JSON is a subset of)."""
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise InputError(f"{label} is not YAML: {problem}") from None
    return check_document(data, label)


# The largest file specdiff reads (a spec, a waivers file): this API's spec is about 60 KB.
MAX_INPUT_BYTES = 16 * 1024 * 1024


def read_text(path: Path, what: str = "") -> str:
    """A file's text (the CLI keeps the head spec's, to map pointers to its lines): a regular
    file of at most ``MAX_INPUT_BYTES``, opened without blocking and checked on the open
    descriptor - ``--base-file /dev/zero`` read until memory ran out, a FIFO waited for good.
    (specdiff imports nothing of the toolkit's, so it keeps this check of its own.)"""
    label = f"{what} {path}" if what else str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"cannot read {label}: not a regular file")
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"cannot read {label}: larger than {MAX_INPUT_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {label}: {exc}") from None


def read_file(path: Path) -> Spec:
    return parse(read_text(path), str(path))


def spec_at(ref: str, spec: Path, repo: Path) -> Spec:
    """``spec`` (relative to ``repo``) as committed at ``ref``."""
    result = subprocess.run(
        ["git", "show", f"{ref}:./{spec.as_posix()}"],  # ./ : relative to cwd, not the root
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InputError(f"cannot read {spec} at {ref!r}: {' '.join(result.stderr.split())}")
    return parse(result.stdout, f"{spec}@{ref}")


def looks_like_a_path(base: str) -> bool:
    """A spec file's name (``old.yaml``, ``./specs/v1.json``), not a ref (``origin/main``)."""
    return Path(base).suffix.lower() in (".yaml", ".yml", ".json") or base.startswith(
        ("./", "../", "/", "~")
    )


def is_git_ref(ref: str, repo: Path) -> bool:
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=repo, capture_output=True, check=False,
    )  # fmt: skip
    return found.returncode == 0
