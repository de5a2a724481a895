"""The keyword comparison of one message part, checked against what the schemas accept.

``schemas.compare_schema`` names a change by the keywords it touched; it is fast and its
messages are readable, but a keyword-by-keyword reading can be wrong in either direction
(a ``oneOf`` branch removed read as every keyword of the survivor "widened"), and it does
not compare every keyword. So each part whose schema changed (a request or response body,
a parameter, a response header) is also searched for witnesses (``specdiff.witness``), and
the witnesses decide:

* a finding that says narrowed (widened) carries an instance the old (new) version
  accepts and the other refuses; a "changed" finding carries one of each;
* a finding whose direction no witness shows while the search found the other direction,
  or nothing at all, is *overruled*: dropped, and listed on the finding that replaces it
  (``overruled``: a classifier bug, which the tests count);
* a finding of unknown direction (a pattern no automaton compared) that a witness settles
  takes the direction the witness proves;
* a direction a witness proves and no kept finding explains is reported on its own, as
  ``{side}-values-{effect}`` with its witness (the keywords the keyword comparison does not
  read: ``not``, ``if``/``then``/``else``, ``dependent*``, ``contains``, ...);
* "rewritten, the same values" stands only when the search told the versions apart by no
  instance, and says how many it tried.

Findings that are not about the set of values (a default, deprecation, a property's
requiredness or its removal read by what clients rely on) are kept as the keyword
comparison names them; they carry the witness of their direction when one was found.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

from specdiff import witness
from specdiff.catalogue import Change, Witness
from specdiff.pointers import join
from specdiff.rules import VALUE_RULES, Effect, Group, RuleId, Side, UnknownRule, value_rule
from specdiff.schemas import compare_schema

LOG = logging.getLogger("specdiff.evidence")

OLD, NEW = "old", "new"  # the version that accepts a witness: old proves narrowed
_NEEDS: dict[Effect, frozenset[str]] = {
    Effect.WIDENED: frozenset({NEW}),
    Effect.NARROWED: frozenset({OLD}),
    Effect.CHANGED: frozenset({OLD, NEW}),
    Effect.UNKNOWN: frozenset(),
}
# value rule -> (group, effect), read from the rule table
_CLAIMS: dict[RuleId, tuple[Group, Effect]] = {
    rule: (group, effect) for (_, group, effect), rule in VALUE_RULES.items()
}
# Findings about values that have no (side, group, effect) id: the direction they claim.
_OTHER_CLAIMS: dict[RuleId, Effect] = {RuleId.RESPONSE_INTEGER_RANGE_NARROWED: Effect.NARROWED}
# Findings kept as named whatever the witnesses say, and the directions they explain (a
# required property added: old messages lack it, new ones carry what the old refused).
_EXPLAINS: dict[RuleId, frozenset[str]] = {
    RuleId.REQUEST_PROPERTY_ADDED_REQUIRED: frozenset({OLD, NEW}),
    RuleId.REQUEST_PROPERTY_ADDED_OPTIONAL: frozenset({NEW}),
    RuleId.REQUEST_PROPERTY_REMOVED: frozenset({OLD, NEW}),
    RuleId.REQUEST_PROPERTY_REMOVED_OPEN: frozenset({OLD, NEW}),
    RuleId.REQUEST_PROPERTY_BECAME_REQUIRED: frozenset({OLD}),
    RuleId.REQUEST_PROPERTY_BECAME_OPTIONAL: frozenset({NEW}),
    RuleId.RESPONSE_PROPERTY_ADDED_REQUIRED: frozenset({OLD, NEW}),
    RuleId.RESPONSE_PROPERTY_ADDED_OPTIONAL: frozenset({NEW}),
    RuleId.RESPONSE_PROPERTY_REMOVED: frozenset({OLD, NEW}),
    RuleId.RESPONSE_PROPERTY_BECAME_REQUIRED: frozenset({OLD}),
    RuleId.RESPONSE_PROPERTY_BECAME_OPTIONAL: frozenset({NEW}),
    RuleId.REQUEST_PROPERTY_BECAME_READ_ONLY: frozenset({OLD}),
    RuleId.RESPONSE_PROPERTY_BECAME_WRITE_ONLY: frozenset({OLD, NEW}),
    RuleId.PROPERTY_ACCESS_CHANGED: frozenset({OLD, NEW}),
    RuleId.DISCRIMINATOR_PROPERTY_CHANGED: frozenset({OLD, NEW}),
    RuleId.DISCRIMINATOR_SET_OR_UNSET: frozenset({OLD, NEW}),
}


def compare_part(base: Any, head: Any, pointer: str, side: Side, what: str) -> Iterator[Change]:
    """The findings of one part's schema (``compare_schema``'s), decided by witnesses."""
    changes = list(compare_schema(base, head, pointer, side, what))
    if witness.same_meaning_as_written(base, head, side):
        # one JSON Schema once OpenAPI's keywords are read for validation (words aside, a
        # discriminator's mapping by name or by reference): no instance can tell them apart
        found = witness.Search(None, None, 0)
    else:
        found = witness.search(base, head, side)
    if found.failed:
        yield from changes
        return
    unmapped = witness.unmapped_discriminator(base) or witness.unmapped_discriminator(head)
    opaque = frozenset({Group.DISCRIMINATOR_MAPPING}) if unmapped else frozenset()
    yield from decide(changes, found, (base, head), pointer, side, what, opaque)


def _effect_of(directions: set[str]) -> Effect:
    if directions == {OLD, NEW}:
        return Effect.CHANGED
    return Effect.NARROWED if directions == {OLD} else Effect.WIDENED


def _claim(rule: RuleId) -> tuple[Group | None, Effect] | None:
    if rule in _CLAIMS:
        return _CLAIMS[rule]
    if rule in _OTHER_CLAIMS:
        return None, _OTHER_CLAIMS[rule]
    return None


def decide(
    changes: list[Change],
    found: witness.Search,
    schemas: tuple[Any, Any],
    pointer: str,
    side: Side,
    what: str,
    opaque: frozenset[Group] = frozenset(),
) -> Iterator[Change]:
    """``changes`` reconciled with the witnesses ``found`` (the module docstring's rules);
    findings of an ``opaque`` group (one the search cannot read here) are kept as named."""
    proofs: dict[str, Witness | None] = {OLD: found.lost, NEW: found.gained}
    have = {d for d, w in proofs.items() if w is not None}
    kept: list[Change] = []
    overruled: list[Change] = []
    explained: set[str] = set()

    def proving(directions: frozenset[str]) -> tuple[Witness, ...]:
        return tuple(w for d in (OLD, NEW) if d in directions and (w := proofs[d]) is not None)

    for change in changes:
        if change.rule is RuleId.SCHEMA_REWRITTEN:
            if have:
                overruled.append(change)
            else:
                told = f" ({_told(found.tried)})"
                kept.append(dataclasses.replace(change, message=change.message + told,
                                                tried=found.tried))  # fmt: skip
            continue
        claim = _claim(change.rule)
        if claim is None:
            directions = _EXPLAINS.get(change.rule, frozenset())
            explained |= directions & have
            shown = proving(directions)
            kept.append(dataclasses.replace(change, witnesses=shown) if shown else change)
            continue
        group, effect = claim
        needs = _NEEDS[effect]
        if group in opaque:
            explained |= needs & have
            kept.append(dataclasses.replace(change, witnesses=proving(needs)))
            continue
        if effect is Effect.UNKNOWN or (needs - have and needs & have):
            settled = _settled(change, group, effect, have & (needs or {OLD, NEW}), side)
            if settled is not None:
                explained |= _NEEDS[_CLAIMS[settled.rule][1]]
                kept.append(dataclasses.replace(settled, witnesses=proving(frozenset(have))))
                continue
            kept.append(change)
            continue
        if needs <= have:
            explained |= needs
            kept.append(dataclasses.replace(change, witnesses=proving(needs)))
        else:
            overruled.append(change)
    if overruled:
        LOG.debug(
            "specdiff classifier bug at %s: %s contradicted by the witnesses %s",
            pointer,
            [c.rule.value for c in overruled],
            [w.to_dict() for w in proofs.values() if w],
        )
    unexplained = have - explained
    if unexplained:
        decided = _by_witness(unexplained, proofs, found, overruled, schemas, pointer, side, what)
        kept.append(decided)
    elif overruled and not have:
        kept.append(_rewrite(overruled, found.tried, pointer, what))
    elif overruled:  # the kept findings explain the witnesses: note what was dropped
        first = kept[0] if kept else None
        if first is not None:
            kept[0] = dataclasses.replace(first, overruled=_pairs(overruled))
    yield from kept


def _settled(
    change: Change, group: Group | None, effect: Effect, shown: set[str], side: Side
) -> Change | None:
    """A finding of unknown (or both) direction, given the direction its witnesses prove."""
    if group is None or not shown:
        return None
    proven = _effect_of(shown)
    try:
        rule = value_rule(side, group, proven)
    except UnknownRule:
        return None
    message = change.message
    tail = f", {effect.value}"
    at = message.rfind(tail)
    if at >= 0:
        message = message[:at] + f", {proven.value}" + message[at + len(tail) :]
    return dataclasses.replace(change, rule=rule, message=message + " (proven by witness)")


def _pairs(changes: list[Change]) -> tuple[tuple[RuleId, str], ...]:
    return tuple((c.rule, c.pointer) for c in changes)


def _common(pointers: list[str]) -> str:
    """The longest common prefix of JSON Pointers, token by token."""
    split = [p.split("/") for p in pointers]
    common: list[str] = []
    for tokens in zip(*split, strict=False):
        if len(set(tokens)) != 1:
            break
        common.append(tokens[0])
    return "/".join(common)


def _where(
    overruled: list[Change], schemas: tuple[Any, Any], pointer: str
) -> tuple[str, str | None]:
    """Where a finding decided by witness is reported: where the overruled findings were
    (one edit of a shared component stays one entry), else the deepest schema location
    both versions' instances differ at."""
    if overruled:
        at = _common([c.pointer for c in overruled])
        sources = [c.source for c in overruled]
        if all(s is not None for s in sources):
            return at or pointer, _common([s for s in sources if s is not None])
        return at or pointer, None
    tokens, source = witness.locate(*schemas)
    return join(pointer, *tokens), source


def _by_witness(
    directions: set[str],
    proofs: dict[str, Witness | None],
    found: witness.Search,
    overruled: list[Change],
    schemas: tuple[Any, Any],
    pointer: str,
    side: Side,
    what: str,
) -> Change:
    effect = _effect_of(directions)
    at, source = _where(overruled, schemas, pointer)
    said = ""
    if overruled:
        rules = ", ".join(dict.fromkeys(c.rule.value for c in overruled))
        said = f"; the keyword comparison said {rules}, overruled"
    return Change(
        value_rule(side, Group.VALUES, effect),
        at,
        f"{what}: the values allowed {effect.value}, shown by witness{said}",
        source=source,
        witnesses=tuple(w for d in (OLD, NEW) if d in directions and (w := proofs[d])),
        tried=found.tried,
        overruled=_pairs(overruled),
    )


def _told(tried: int) -> str:
    if tried == 0:
        return "the same JSON Schema once read for validation"
    return f"no instance told them apart: {tried} tried"


def _rewrite(overruled: list[Change], tried: int, pointer: str, what: str) -> Change:
    at, source = _where(overruled, (None, None), pointer)
    rules = ", ".join(dict.fromkeys(c.rule.value for c in overruled))
    return Change(
        RuleId.SCHEMA_REWRITTEN,
        at,
        f"{what}: rewritten, the same values allowed ({_told(tried)}; the keyword "
        f"comparison said {rules}, overruled)",
        source=source,
        tried=tried,
        overruled=_pairs(overruled),
    )
