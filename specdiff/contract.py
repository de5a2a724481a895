"""Our ``x-contract`` extension: each rule's answer and level, and the request limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from specdiff.catalogue import Change
from specdiff.pairing import pair
from specdiff.pointers import join
from specdiff.rules import RuleId


def compare_contract(
    base: dict[str, Any] | None, head: dict[str, Any] | None, pointer: str, label: str
) -> Iterator[Change]:
    """Each rule (by its id): added, removed, its answer or its level changed; each request
    limit raised or lowered (a limit not written is no limit)."""
    base, head = base or {}, head or {}
    at = join(pointer, "x-contract")
    new_index = {id(r): i for i, r in enumerate(head.get("rules") or [])}
    rules = pair(
        {r.get("id"): r for r in base.get("rules") or []},
        {r.get("id"): r for r in head.get("rules") or []},
        order=str,  # a document may write ids as numbers or strings
    )
    for rule_id, _ in rules.removed:
        yield Change(
            RuleId.CONTRACT_RULE_REMOVED, join(at, "rules"), f"{label}: rule {rule_id} removed"
        )
    for rule_id, _ in rules.added:
        yield Change(
            RuleId.CONTRACT_RULE_ADDED, join(at, "rules"), f"{label}: rule {rule_id} added"
        )
    for rule_id, old, new in sorted(rules.common, key=lambda c: new_index[id(c[2])]):
        here = join(at, "rules", new_index[id(new)])
        changed = [k for k in _ANSWER if old.get(k) != new.get(k)]
        if changed:
            detail = ", ".join(
                f"{k} {_answer_text(k, old.get(k))} -> {_answer_text(k, new.get(k))}"
                for k in changed
            )
            yield Change(
                RuleId.CONTRACT_ANSWER_CHANGED,
                join(here, changed[0]),
                f"{label}: rule {rule_id}: {detail}",
            )
        was, now = _level(old), _level(new)
        if was != now:
            why = f" ({new['level_reason']})" if new.get("level_reason") else ""
            yield Change(
                RuleId.CONTRACT_RULE_BECAME_MUST
                if now == MUST
                else RuleId.CONTRACT_RULE_BECAME_SHOULD,
                join(here, "level"),
                f"{label}: rule {rule_id}: level {was} -> {now}{why}",
            )
    limits = pair(base.get("limits") or {}, head.get("limits") or {})
    moved = [(name, old, None) for name, old in limits.removed]
    moved += [(name, None, new) for name, new in limits.added]
    moved += limits.common
    for name, old_value, new_value in sorted(moved, key=lambda m: str(m[0])):
        if old_value == new_value:
            continue
        lower = _limit(new_value) < _limit(old_value)
        yield Change(
            RuleId.CONTRACT_LIMIT_NARROWED if lower else RuleId.CONTRACT_LIMIT_WIDENED,
            join(at, "limits", name),
            f"{label}: {name} {old_value!r} -> {new_value!r}",
        )


MUST = "must"


def _answer_text(key: str, value: Any) -> str:
    """A rule's answer part as a reviewer reads it: a rule without a status is about every
    answer (``jobs_metrics_spec.Rule``), not about a status called None."""
    if value is None:
        return "(any status)" if key == "status" else "(none)"
    return repr(value)


def _level(rule: dict[str, Any]) -> str:
    """A rule's RFC 2119 level; ``must`` when not written (every rule was a must before the
    spec wrote levels, and ``jobs_metrics_spec`` reads a missing level so)."""
    return str(rule.get("level", MUST))


# What a rule promises a client: the answer it gets.
_ANSWER = ("status", "error_id", "headers")


def _limit(value: Any) -> float:
    """A limit not written is no limit."""
    return float("inf") if value is None else float(value)
