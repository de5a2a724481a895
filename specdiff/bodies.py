"""Request bodies and the media types of a body or a response, with each shared media
type's schema (one function serves requests and responses: the side decides the rules)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from specdiff.catalogue import Change
from specdiff.evidence import compare_part
from specdiff.pairing import by_requiredness, pair, required, requiredness
from specdiff.pointers import join
from specdiff.rules import RuleId, Side


def compare_request_body(
    base: dict[str, Any] | None, head: dict[str, Any] | None, pointer: str, label: str
) -> Iterator[Change]:
    if base is None and head is None:
        return
    if head is None:
        yield Change(RuleId.REQUEST_BODY_REMOVED, pointer, f"{label}: request body removed")
        return
    if base is None:
        rule = by_requiredness(
            head, RuleId.REQUEST_BODY_ADDED_REQUIRED, RuleId.REQUEST_BODY_ADDED_OPTIONAL
        )
        yield Change(rule, pointer, f"{label}: {requiredness(head)} body added")
        return
    if required(base) != required(head):
        rule = by_requiredness(
            head, RuleId.REQUEST_BODY_BECAME_REQUIRED, RuleId.REQUEST_BODY_BECAME_OPTIONAL
        )
        yield Change(
            rule, join(pointer, "required"), f"{label}: request body now {requiredness(head)}"
        )
    yield from compare_content(
        base, head, pointer, Side.REQUEST, f"{label}: request", "request body"
    )


# side -> (the rule of a media type removed, of one added)
_MEDIA_TYPE_RULES = {
    Side.REQUEST: (RuleId.REQUEST_MEDIA_TYPE_REMOVED, RuleId.REQUEST_MEDIA_TYPE_ADDED),
    Side.RESPONSE: (RuleId.RESPONSE_MEDIA_TYPE_REMOVED, RuleId.RESPONSE_MEDIA_TYPE_ADDED),
}


def compare_content(
    base: dict[str, Any], head: dict[str, Any], pointer: str, side: Side, whose: str, what: str
) -> Iterator[Change]:
    """The media types of a request body or a response (``whose`` starts their messages),
    and the schema of each media type both have (``what`` names it)."""
    removed_rule, added_rule = _MEDIA_TYPE_RULES[side]
    paired = pair(base.get("content") or {}, head.get("content") or {})
    for media, _ in paired.removed:
        yield Change(
            removed_rule, join(pointer, "content", media), f"{whose} media type {media} removed"
        )
    for media, _ in paired.added:
        yield Change(
            added_rule, join(pointer, "content", media), f"{whose} media type {media} added"
        )
    for media, was, now in paired.common:
        yield from compare_part(
            was.get("schema", True),
            now.get("schema", True),
            join(pointer, "content", media, "schema"),
            side,
            what,
        )
