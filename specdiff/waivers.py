"""Waivers: breaking (or possibly breaking) changes a team accepted, each with its reason.

A major bump declares every break of a release at once; a waiver accepts one change and says
why (oasdiff's ``--err-ignore``, with the reason kept in the file rather than in a commit
message). The file (``WAIVERS=FILE``, ``--waivers``) is a YAML list::

    - rule: request-property-added-required        # a rule id (`make diff-rules`)
      pointer: /paths/~1v1.0~1{project_id}~1jobs~1metrics/post/requestBody/content/...
      reason: Only our own batch client sends this request; it ships in the same release.
      expires: 2027-03-31                           # optional: the last day it applies

Decisions, each for a reviewer who must be able to trust a green run:

* The whole file is checked before any comparison: an unknown rule id (a typo would waive
  nothing, silently), a missing or empty reason (a waiver says why), a date that is not
  ``YYYY-MM-DD``, an unknown key (``expire:`` would make a waiver that never expires) or two
  entries for the same change is refused in one line (exit 2), naming the entry and its line.
* A waiver matches a change by rule id and pointer, exactly as the report prints them: the
  change's ``at`` or any of its ``also at`` places (one edit of a shared component is one
  change, and any of its places names it). Matching is exact: no prefixes, no patterns, so
  a waiver never covers a change nobody read.
* A waived change stays in every report, marked waived with the reason; only the verdict
  (the exit code) leaves it out.
* ``expires`` is the last day the waiver applies. After it the change counts again and the
  report says the waiver expired on that date: an accepted break is revisited, not forgotten.
* A waiver that matches no change is reported as an unused waiver, a warning and never a
  failure (the spec moved on, or the pointer has a typo): stale waivers are noticed and
  removed, and a typo does not pass unseen as a silent non-match.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from specdiff.catalogue import Change
from specdiff.inputs import InputError, read_text
from specdiff.locate import Lines
from specdiff.rules import RuleId

_KEYS = ("rule", "pointer", "reason", "expires")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Loader(yaml.SafeLoader):
    """The safe loader without YAML's timestamps: ``expires`` stays the text written, so an
    impossible date (``2027-02-30``) is refused by this module in its words, not by PyYAML's
    constructor with a bare ``ValueError``."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Waiver:
    """One accepted change: its rule and pointer, why, until when, and where it is written
    (``source``: the file, ``line``: the entry's 1-based line, for messages and annotations)."""

    rule: RuleId
    pointer: str
    reason: str
    expires: dt.date | None = None
    source: str = ""
    line: int | None = None

    def expired(self, today: dt.date) -> bool:
        """Past its last day (``expires`` is inclusive)."""
        return self.expires is not None and today > self.expires

    def matches(self, change: Change) -> bool:
        """The change's rule at its pointer, or at one of its ``also at`` places."""
        places = {(change.rule, change.pointer), *change.also}
        places |= {(change.rule, pointer) for _, pointer in change.also}
        return (self.rule, self.pointer) in places

    @property
    def where(self) -> str:
        """``waivers.yaml:7``: the entry, as an editor opens it."""
        return f"{self.source}:{self.line}" if self.line else self.source

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule.value,
            "pointer": self.pointer,
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "at": self.where,
        }


@dataclass(frozen=True)
class Waived:
    """The waivers applied to one diff: which change each covers (the diff's own ``Change``
    objects), which matched but had expired, and which matched nothing."""

    applied: tuple[tuple[Change, Waiver], ...] = ()
    expired: tuple[tuple[Change, Waiver], ...] = ()
    unused: tuple[Waiver, ...] = ()
    today: dt.date | None = None

    def waiver(self, change: Change) -> Waiver | None:
        """The waiver that applies to ``change`` (so it does not count), if any."""
        return next((w for c, w in self.applied if c is change), None)

    def expired_waiver(self, change: Change) -> Waiver | None:
        """The expired waiver that would have covered ``change`` (which counts again)."""
        return next((w for c, w in self.expired if c is change), None)

    def unused_warnings(self) -> list[str]:
        """One sentence per unused waiver: what it names and what to do."""
        return [
            f"unused waiver ({w.where}): no change is {w.rule} at {w.pointer}"
            + (f" (and it expired on {w.expires})" if self.today and w.expired(self.today) else "")
            + "; remove it, or correct its rule or pointer (as the report prints them)"
            for w in self.unused
        ]


def apply(changes: list[Change], waivers: tuple[Waiver, ...], today: dt.date) -> Waived:
    """Each change with the first waiver that matches it, applied or expired on ``today``."""
    applied: list[tuple[Change, Waiver]] = []
    expired: list[tuple[Change, Waiver]] = []
    used: set[int] = set()
    for change in changes:
        for index, waiver in enumerate(waivers):
            if waiver.matches(change):
                used.add(index)
                (expired if waiver.expired(today) else applied).append((change, waiver))
                break
    unused = tuple(w for i, w in enumerate(waivers) if i not in used)
    return Waived(tuple(applied), tuple(expired), unused, today)


def load(path: Path) -> tuple[Waiver, ...]:
    """The waivers of ``path``, every entry checked; :class:`InputError` (one line naming the
    entry and its line) on the first one that is not a valid waiver."""
    text = read_text(path, "the waivers file")
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise InputError(f"waivers file {path} is not YAML: {' '.join(str(exc).split())}") from None
    if data is None:
        return ()  # an empty file: no waivers (a team that removed the last one)
    if not isinstance(data, list):
        raise InputError(
            f"waivers file {path}: expected a YAML list of {{rule, pointer, reason, expires}}, "
            f"got a {type(data).__name__}"
        )
    lines = Lines(text)
    waivers: list[Waiver] = []
    for index, entry in enumerate(data):
        label = f"waivers file {path}, entry {index + 1} (line {lines.line(f'/{index}')})"
        waiver = _entry(entry, label, str(path), lines.line(f"/{index}"))
        twin = next(
            (w for w in waivers if (w.rule, w.pointer) == (waiver.rule, waiver.pointer)), None
        )
        if twin is not None:
            raise InputError(f"{label}: the same change as line {twin.line} ({waiver.rule})")
        waivers.append(waiver)
    return tuple(waivers)


def _entry(entry: Any, label: str, source: str, line: int | None) -> Waiver:
    if not isinstance(entry, dict):
        raise InputError(f"{label}: expected a mapping with rule, pointer, reason (and expires)")
    unknown = sorted(str(k) for k in entry if k not in _KEYS)
    if unknown:
        raise InputError(
            f"{label}: unknown key(s) {', '.join(unknown)} (valid: {', '.join(_KEYS)})"
        )
    rule = entry.get("rule")
    if not isinstance(rule, str) or rule not in {r.value for r in RuleId}:
        close = difflib.get_close_matches(str(rule), [r.value for r in RuleId], n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise InputError(
            f"{label}: unknown rule {rule!r} ({hint}`make diff-rules` lists every rule id)"
        )
    pointer = entry.get("pointer")
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise InputError(
            f"{label}: pointer must be the change's JSON Pointer as the report prints it "
            f"(starting with /), got {pointer!r}"
        )
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError(f"{label}: a waiver needs a reason (why the change is accepted)")
    return Waiver(RuleId(rule), pointer, reason.strip(), _date(entry, label), source, line)


def _date(entry: dict[str, Any], label: str) -> dt.date | None:
    """``expires`` as a date (written ``YYYY-MM-DD``, quoted or not)."""
    value = entry.get("expires")
    if value is None:
        return None
    if isinstance(value, str) and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"{label}: expires must be a date, YYYY-MM-DD, got {value!r}")
