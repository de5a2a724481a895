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


def _values(values: Any) -> str:
    return ", ".join(str(v) for v in values)


def _variable_difference(name: str, old: Any, new: Any) -> list[str]:
    """One server variable's change in words: enum values removed and added, the default."""
    old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
    words = []
    # (the shape check does not read enum: anything that is not a list is compared as a whole)
    old_enum, new_enum = (
        v if isinstance(v, list) else [] for v in (old.get("enum"), new.get("enum"))
    )
    removed = [v for v in old_enum if v not in new_enum]
    added = [v for v in new_enum if v not in old_enum]
    if removed:
        words.append(f"variable {name}: enum value(s) removed: {_values(removed)}")
    if added:
        words.append(f"variable {name}: enum value(s) added: {_values(added)}")
    if old.get("default") != new.get("default"):
        words.append(f"variable {name}: default {old.get('default')} -> {new.get('default')}")
    if not words and old != new:
        words.append(f"variable {name}: {', '.join(sorted(_keys_changed(old, new)))} changed")
    return words


def _keys_changed(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


def servers_difference(old: list[Any], new: list[Any]) -> list[str]:
    """What changed in ``servers``, in words a reader can act on: a server added or removed
    (by URL), and for a URL both have, each variable's enum values removed and added and its
    default, or the other fields that changed. The URL alone reads the same on both sides
    when only a variable changed (``https://cs.{region}...``), so it is never the message."""
    old_by_url = {str(s.get("url")): s for s in old if isinstance(s, dict)}
    new_by_url = {str(s.get("url")): s for s in new if isinstance(s, dict)}
    words = [f"server {url} removed" for url in old_by_url if url not in new_by_url]
    words += [f"server {url} added" for url in new_by_url if url not in old_by_url]
    for url, was in old_by_url.items():
        now = new_by_url.get(url)
        if now is None or now == was:
            continue
        old_vars, new_vars = was.get("variables") or {}, now.get("variables") or {}
        found = [f"variable {n} removed" for n in old_vars if n not in new_vars]
        found += [f"variable {n} added" for n in new_vars if n not in old_vars]
        for name in old_vars:
            if name in new_vars:
                found += _variable_difference(name, old_vars[name], new_vars[name])
        others = _keys_changed(was, now) - {"variables"}
        if others:
            found.append(f"{', '.join(sorted(others))} changed")
        words += [f"server {url}: {w}" for w in found]
    if not words:  # the same servers and fields: their order moved, or one is written twice
        words.append(
            f"order {[s.get('url') for s in old if isinstance(s, dict)]} -> "
            f"{[s.get('url') for s in new if isinstance(s, dict)]}"
        )
    return words


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
        what = "; ".join(servers_difference(base.get("servers") or [], head.get("servers") or []))
        yield Change(RuleId.SERVERS_CHANGED, "/servers", f"servers: {what}")
    if base.get("tags") != head.get("tags"):
        old = [t.get("name") for t in base.get("tags") or []]
        new = [t.get("name") for t in head.get("tags") or []]
        yield Change(RuleId.TAGS_CHANGED, "/tags", f"tags {old} -> {new}")
