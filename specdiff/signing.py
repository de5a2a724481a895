"""How requests are signed: the ``x-signature`` of each security scheme an operation requires
in both versions, compared field by field (a scheme is paired by its definition, as
``specdiff.security`` pairs them, so renaming its key changes nothing).

``specdiff.security`` compares what a client must send by the schemes' definitions, which
leave extensions out; ``x-signature`` is the one extension that changes what a client
sends (the signature's algorithm, the headers it must sign, how old its date may be), so a
change to it is a change to the request, judged here:

- a header added to ``required_signed_headers``, or ``max_skew_seconds`` or
  ``max_authorization_bytes`` lowered: requests signed as before may be refused (narrowed);
- a required header dropped, or one of those limits raised: widened;
- anything else (the algorithm, the date header or format, the content-hash header, a field
  this module does not know, ``x-signature`` added or removed): changed, breaking both ways.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from specdiff.catalogue import Change
from specdiff.pointers import join
from specdiff.rules import RuleId
from specdiff.security import requirements

Spec = dict[str, Any]

EXTENSION = "x-signature"
# Lowered, they refuse requests accepted before (a date further off, a longer value).
LIMITS = ("max_skew_seconds", "max_authorization_bytes")
REQUIRED = "required_signed_headers"  # header names, compared in lower case


def _signed_schemes(spec: Spec, operation: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """The schemes ``operation`` requires, by definition: (key, its x-signature or None)."""
    return {
        key: (name, scheme.get(EXTENSION))
        for requirement in requirements(spec, operation)
        for name, key, scheme, _ in requirement
    }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _headers(value: Any) -> set[str] | None:
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return {name.lower() for name in value}
    return None


def _field_changes(key: str, old: Any, new: Any) -> Iterator[tuple[RuleId, str]]:
    """How one field of x-signature moved: (rule, what a reviewer reads)."""
    if key in LIMITS and (was := _number(old)) is not None and (now := _number(new)) is not None:
        rule = RuleId.SIGNING_NARROWED if now < was else RuleId.SIGNING_WIDENED
        yield rule, f"{key} {old!r} -> {new!r}"
        return
    if key == REQUIRED and (was_set := _headers(old)) is not None:
        now_set = _headers(new)
        if now_set is not None:
            if added := sorted(now_set - was_set):
                yield RuleId.SIGNING_NARROWED, f"{key}: must also sign {', '.join(added)}"
            if dropped := sorted(was_set - now_set):
                yield RuleId.SIGNING_WIDENED, f"{key}: need no longer sign {', '.join(dropped)}"
            return
    yield RuleId.SIGNING_CHANGED, f"{key} {old!r} -> {new!r}"


def compare_signing(
    base_spec: Spec,
    head_spec: Spec,
    base: dict[str, Any],
    head: dict[str, Any],
    pointer: str,
    label: str,
) -> Iterator[Change]:
    old, new = _signed_schemes(base_spec, base), _signed_schemes(head_spec, head)
    at = join(pointer, "security")
    for key in sorted(old.keys() & new.keys()):
        (_, was), (name, now) = old[key], new[key]
        if was == now:
            continue
        source = join("#", "components", "securitySchemes", name, EXTENSION)
        if not isinstance(was, dict) or not isinstance(now, dict):
            what = "added" if was is None else "removed" if now is None else "not an object"
            yield Change(
                RuleId.SIGNING_CHANGED, at, f"{label}: {name}: {EXTENSION} {what}", source=source
            )
            continue
        for field in sorted(was.keys() | now.keys()):
            if was.get(field) == now.get(field):
                continue
            moves = list(_field_changes(field, was.get(field), now.get(field)))
            if not moves:  # the same header names in another case or order
                continue
            # One field, one entry: headers both added and dropped narrow and widen at once.
            (rule, detail), *more = moves
            yield Change(
                rule,
                at,
                "; ".join([f"{label}: {name}: {detail}", *(d for _, d in more)]),
                source=join(source, field),
                also=tuple((r, at) for r, _ in more),
            )
