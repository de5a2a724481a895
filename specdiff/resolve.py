"""Inline local ``$ref`` s so that two specs compare by content, not by component names."""

from __future__ import annotations

import copy
from typing import Any

MAX_DEPTH = 64


def pointer_get(document: Any, pointer: str) -> Any:
    node = document
    for raw in pointer.lstrip("#/").split("/") if pointer not in ("#", "#/") else []:
        node = node[raw.replace("~1", "/").replace("~0", "~")]
    return node


def resolve_refs(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with every local ``$ref`` replaced by what it points to.

    Siblings of a ``$ref`` (OpenAPI 3.1 allows ``description``) are kept over the target's.
    A reference cycle is cut at ``MAX_DEPTH`` with the bare ``$ref`` left in place.
    """

    def walk(node: Any, depth: int) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#") and depth < MAX_DEPTH:
                target = walk(copy.deepcopy(pointer_get(document, ref)), depth + 1)
                siblings = {k: walk(v, depth) for k, v in node.items() if k != "$ref"}
                return {**target, **siblings} if isinstance(target, dict) else target
            return {k: walk(v, depth) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item, depth) for item in node]
        return node

    resolved: dict[str, Any] = walk(document, 0)
    return resolved


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def join(pointer: str, *tokens: str | int) -> str:
    return pointer + "".join("/" + escape(str(token)) for token in tokens)
