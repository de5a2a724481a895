"""A JSON Pointer of a report, as a line of the YAML file it points into.

GitHub annotations (and the waivers file's messages) name a line, the report a pointer. The
file is composed with PyYAML (``yaml.compose``: the node tree, every node with its start
mark) and the pointer walked through it. The report's pointers are written in the operation
with every ``$ref`` resolved (``.../responses/200/content/application~1json/schema/
properties/jobs``), so where a token is not a key of a mapping that holds a local ``$ref``,
the walk follows the reference (to ``#/components/schemas/...``) and goes on there: the line
is where the changed keyword is written, the one a reviewer edits. A pointer that does not
resolve to the end (a removal: the thing is gone from the head) stops at the deepest place
that still exists, the parent the removal was made in, so every change has a line of the
file the pull request shows.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's composer where PyYAML has it, as ``inputs`` parses (the same safe subset)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# a cycle of references (a schema that references itself through a property) must not loop
_MAX_REFS = 32


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _tokens(pointer: str) -> list[str]:
    pointer = pointer.removeprefix("#")
    return [_unescape(t) for t in pointer.split("/")[1:]] if pointer else []


class Lines:
    """One YAML text's node tree, asked for the line of many pointers (composed once)."""

    def __init__(self, text: str) -> None:
        try:
            self._root: yaml.Node | None = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:  # the text was parsed before; a failure here only loses lines
            self._root = None

    def line(self, pointer: str) -> int | None:
        """The 1-based line ``pointer`` is written at (its key's line in a mapping), or the
        line of its deepest existing ancestor; ``None`` when the text has no node tree."""
        if self._root is None:
            return None
        return self._walk(self._root, _tokens(pointer), 0)[1] + 1

    def _walk(self, node: yaml.Node, tokens: list[str], refs: int) -> tuple[yaml.Node, int]:
        """The node reached and its line (0-based), as far as ``tokens`` resolve."""
        line = node.start_mark.line
        for index, token in enumerate(tokens):
            found = self._child(node, token)
            if found is None and refs < _MAX_REFS:
                target = self._ref_target(node)
                if target is not None:
                    reached, reached_line = self._walk(target, tokens[index:], refs + 1)
                    # the reference's own line when nothing past it resolved
                    return (reached, line) if reached is target else (reached, reached_line)
            if found is None:
                return node, line
            node, line = found
        return node, line

    @staticmethod
    def _child(node: yaml.Node, token: str) -> tuple[yaml.Node, int] | None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == token:
                    return value, key.start_mark.line
        elif (
            isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value)
        ):
            item = node.value[int(token)]
            return item, item.start_mark.line
        return None

    def _ref_target(self, node: yaml.Node) -> yaml.Node | None:
        """The node a mapping's local ``$ref`` (``#/...``) names, when it resolves."""
        ref = self._child(node, "$ref")
        if ref is None or not isinstance(ref[0], yaml.ScalarNode):
            return None
        target = str(ref[0].value)
        if not target.startswith("#/") or self._root is None:
            return None
        reached: yaml.Node = self._root
        for token in _tokens(target):
            found = self._child(reached, token)
            if found is None:
                return None
            reached = found[0]
        return reached
