"""How the two versions of a part are matched up: every comparison of operations,
parameters, media types, statuses, headers and x-contract rules walks the same three lists
(only in the base, only in the head, in both), so it is written once here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from specdiff.rules import RuleId

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class Paired(Generic[K, V]):
    """The entries of two mappings by key, each list in key order."""

    removed: list[tuple[K, V]]  # only in the base
    added: list[tuple[K, V]]  # only in the head
    common: list[tuple[K, V, V]]  # in both: (key, base entry, head entry)


def pair(
    base: Mapping[K, V], head: Mapping[K, V], order: Callable[[K], Any] | None = None
) -> Paired[K, V]:
    """``base`` and ``head`` matched by key; ``order`` sorts keys that do not compare with
    each other (x-contract rule ids a document may write as numbers or strings)."""

    def keys(found: set[K]) -> list[K]:
        return sorted(found, key=order or _itself)

    return Paired(
        removed=[(k, base[k]) for k in keys(base.keys() - head.keys())],
        added=[(k, head[k]) for k in keys(head.keys() - base.keys())],
        common=[(k, base[k], head[k]) for k in keys(base.keys() & head.keys())],
    )


def _itself(key: Any) -> Any:
    """Keys in their own order (paths, media types, statuses: strings or tuples of them)."""
    return key


def required(part: Mapping[str, Any]) -> bool:
    """Whether a parameter, request body or header says ``required: true``."""
    return bool(part.get("required"))


def requiredness(part: Mapping[str, Any]) -> str:
    """``required`` or ``optional``: the word the messages use."""
    return "required" if required(part) else "optional"


def by_requiredness(part: Mapping[str, Any], if_required: RuleId, if_optional: RuleId) -> RuleId:
    """One of a pair of rules told apart by the part's requiredness (``...-added-required``
    / ``...-added-optional``): both constants are named where the rule is emitted."""
    return if_required if required(part) else if_optional
