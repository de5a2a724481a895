"""The versioning policy: ``info.version`` is semver, and a breaking change needs a major
bump (SPEC_CHANGELOG.md). It decides the exit code; the reports only render its verdict.

Two knobs move the gate, never the classification (a change keeps its impact in every
report): ``fail_on`` (``FAIL_ON=possibly-breaking``: possibly breaking changes fail too,
for a release that must not surprise even one server) and waivers (``WAIVERS=FILE``: one
accepted change, with its reason, left out of the verdict; see ``specdiff.waivers``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from specdiff.catalogue import Change, Impact
from specdiff.waivers import Waived

SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$")


class FailOn(enum.StrEnum):
    """The least impact that fails the gate without a major bump (``--fail-on``).

    ``breaking`` (the default): SPEC_CHANGELOG.md's policy, possibly breaking changes are a
    minor or patch release and only listed. ``possibly-breaking``: they fail too unless
    waived (each with its reason) or declared by a major bump: the major bump declares every
    break, and a gate that passed a declared breaking change but failed a milder one in the
    same release would be absurd.
    """

    BREAKING = "breaking"
    POSSIBLY_BREAKING = "possibly-breaking"

    @property
    def impact(self) -> Impact:
        return Impact.BREAKING if self is FailOn.BREAKING else Impact.POSSIBLY_BREAKING


@dataclass(frozen=True)
class Verdict:
    """The outcome: exit code and the policy's words. ``major_bump``: the head's major
    version is higher, which is why a breaking verdict may exit 0 (the break is declared).
    ``waived``: the waivers applied (the reports mark those changes, and list unused
    waivers); ``fail_on``, the versions: what the reports need to say why."""

    exit_code: int
    notes: tuple[str, ...]
    major_bump: bool = False
    fail_on: FailOn = FailOn.BREAKING
    waived: Waived = field(default_factory=Waived)
    base_version: str = ""
    head_version: str = ""

    def fails(self, change: Change) -> bool:
        """``change`` is one the gate fails on (not waived, not declared by a major bump)."""
        return (
            bool(self.exit_code)
            and not self.major_bump
            and change.impact >= self.fail_on.impact
            and self.waived.waiver(change) is None
        )


def semver(version: str) -> tuple[int, int, int] | None:
    match = SEMVER.match(version or "")
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def judge(
    changes: list[Change],
    base_version: str,
    head_version: str,
    *,
    fail_on: FailOn = FailOn.BREAKING,
    waived: Waived | None = None,
) -> Verdict:
    """Versioning policy: ``info.version`` is semver; a breaking change needs a major bump.

    Exit 1 on a breaking change (with ``fail_on`` possibly-breaking: on a possibly breaking
    one too), unless the head version bumps the major number (the break is then declared)
    or a waiver accepts that change. Other changes without any version bump only get a note.
    """
    waived = waived or Waived()
    old, new = semver(base_version), semver(head_version)
    notes: list[str] = []

    def verdict(exit_code: int, major_bump: bool = False) -> Verdict:
        """The policy's notes first, then what the waivers did."""
        every = (*notes, *_waiver_notes(waived))
        return Verdict(exit_code, every, major_bump, fail_on, waived, base_version, head_version)

    if new is None:
        notes.append(f"info.version {head_version!r} is not semver (MAJOR.MINOR.PATCH)")
        return verdict(1)
    counted = [c for c in changes if waived.waiver(c) is None]
    breaking = [c for c in counted if c.impact is Impact.BREAKING]
    possibly = [c for c in counted if c.impact is Impact.POSSIBLY_BREAKING]
    gated = [c for c in counted if c.impact >= fail_on.impact]
    major_bumped = old is not None and new[0] > old[0]
    if gated and not major_bumped:
        if breaking:
            notes.append(
                f"{len(breaking)} breaking change(s) without a major version bump "
                f"({base_version} -> {head_version}): bump info.version to "
                f"{(old or new)[0] + 1}.0.0 and record it in SPEC_CHANGELOG.md, make the "
                "change compatible, or waive it with its reason (WAIVERS=FILE)"
            )
        if fail_on is FailOn.POSSIBLY_BREAKING and possibly:
            notes.append(
                f"{len(possibly)} possibly breaking change(s) fail with FAIL_ON=possibly-breaking "
                f"({base_version} -> {head_version}): waive each with its reason "
                "(WAIVERS=FILE), or bump the major version"
            )
        return verdict(1)
    if gated:
        declared = "breaking" if breaking else "possibly breaking"
        notes.append(
            f"{declared} changes declared by the major bump {base_version} -> {head_version}"
        )
    elif changes and old is not None and new <= old:
        notes.append(
            f"spec changed but info.version did not move ({base_version}); bump minor or patch"
        )
    return verdict(0, major_bumped)


def _waiver_notes(waived: Waived) -> list[str]:
    """What the waivers did to the verdict: the changes they left out, the ones that count
    again because their waiver expired."""
    notes = []
    if waived.applied:
        notes.append(
            f"{len(waived.applied)} change(s) waived, listed and not counted: "
            + "; ".join(f"{c.rule} ({w.where}: {w.reason})" for c, w in waived.applied)
        )
    notes += [
        f"waiver {w.where} expired on {w.expires}: {c.rule} at {c.pointer} counts again"
        for c, w in waived.expired
    ]
    return notes
