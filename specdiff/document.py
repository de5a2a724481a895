"""Changes outside operations: the servers, the top-level tags, and a base path moved
between ``paths`` and ``servers[].url`` (every full URL unchanged)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from specdiff.catalogue import Change
from specdiff.rules import RuleId

Spec = dict[str, Any]


def moved_base_paths(moved: dict[tuple[str, str], list[str]]) -> Iterator[Change]:
    """A path prefix moved between ``paths`` and ``servers[].url``: one informational entry
    that says what a client with a base URL of its own must do. ``moved``: (old prefix, new
    prefix) -> the operations it moved for."""
    for (old, new), operations in sorted(moved.items()):
        if new.startswith(old):
            what = f"{new[len(old) :]} moved from the paths into servers[].url"
            must = f"must now end its own base URL with {new[len(old) :]}"
        elif old.startswith(new):
            what = f"{old[len(new) :]} moved from servers[].url into the paths"
            must = f"must drop {old[len(new) :]} from its own base URL"
        else:
            what = f"base path {old or '/'} -> {new or '/'}"
            must = f"must use the base path {new or '/'}"
        yield Change(
            RuleId.BASE_PATH_MOVED,
            "/servers",
            f"{what} for {len(operations)} operation(s) ({', '.join(operations[:3])}"
            f"{', ...' if len(operations) > 3 else ''}): every full URL is unchanged. A client "
            "regenerated from the new spec takes its base URL from servers[].url and calls "
            f"the same URLs; one that sets its base URL itself (a gateway, a test server) {must}",
        )


def document_changes(
    base: Spec, head: Spec, moved: dict[tuple[str, str], list[str]] | None = None
) -> Iterator[Change]:
    """Informational changes outside operations: servers (beyond a moved base path, which
    has its own entry) and tags."""
    old = [s.get("url") for s in base.get("servers") or []]
    new = [s.get("url") for s in head.get("servers") or []]
    unmoved = [str(u).rstrip("/") for u in new]
    for old_prefix, new_prefix in moved or {}:
        unmoved = [
            u[: len(u) - len(new_prefix)] + old_prefix if u.endswith(new_prefix) else u
            for u in unmoved
        ]
    only_moved = bool(moved) and unmoved == [str(u).rstrip("/") for u in old]
    if base.get("servers") != head.get("servers") and not only_moved:
        yield Change(RuleId.SERVERS_CHANGED, "/servers", f"servers {old} -> {new}")
    if base.get("tags") != head.get("tags"):
        old = [t.get("name") for t in base.get("tags") or []]
        new = [t.get("name") for t in head.get("tags") or []]
        yield Change(RuleId.TAGS_CHANGED, "/tags", f"tags {old} -> {new}")
