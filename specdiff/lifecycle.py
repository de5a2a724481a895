"""An operation's lifecycle and names: deprecation, ``x-sunset``, ``operationId``, tags.

Shared by the comparison of one operation's two versions (``operations``) and of a replaced
operation with its successor (``migration``), which is why it is a module of its own.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from specdiff.catalogue import Change
from specdiff.pointers import join
from specdiff.rules import RuleId


def sunset_passed(operation: dict[str, Any]) -> bool:
    """Deprecated with an ``x-sunset`` date (oasdiff's extension) that is today or past."""
    sunset = operation.get("x-sunset")
    if not operation.get("deprecated") or sunset is None:
        return False
    try:
        day = datetime.date.fromisoformat(str(sunset)[:10])
    except ValueError:
        return False
    return day <= datetime.datetime.now(datetime.UTC).date()


def compare_lifecycle(
    base: dict[str, Any], head: dict[str, Any], pointer: str, label: str
) -> Iterator[Change]:
    was, now = bool(base.get("deprecated")), bool(head.get("deprecated"))
    if now and not was:
        yield Change(
            RuleId.OPERATION_DEPRECATED, join(pointer, "deprecated"), f"{label}: deprecated"
        )
    elif was and not now:
        yield Change(
            RuleId.OPERATION_REACTIVATED,
            join(pointer, "deprecated"),
            f"{label}: no longer deprecated",
        )
    if base.get("x-sunset") != head.get("x-sunset"):
        yield Change(
            RuleId.OPERATION_SUNSET_CHANGED,
            join(pointer, "x-sunset"),
            f"{label}: x-sunset {base.get('x-sunset')!r} -> {head.get('x-sunset')!r}",
        )
    if base.get("operationId") != head.get("operationId"):
        yield Change(
            RuleId.OPERATION_ID_CHANGED,
            join(pointer, "operationId"),
            f"{label}: operationId {base.get('operationId')!r} -> {head.get('operationId')!r}",
        )
    if sorted(base.get("tags") or []) != sorted(head.get("tags") or []):
        yield Change(
            RuleId.OPERATION_TAGS_CHANGED,
            join(pointer, "tags"),
            f"{label}: tags {base.get('tags')} -> {head.get('tags')}",
        )
