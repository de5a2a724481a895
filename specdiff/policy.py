"""The versioning policy: ``info.version`` is semver, and a breaking change needs a major
bump (SPEC_CHANGELOG.md). It decides the exit code; the reports only render its verdict."""

from __future__ import annotations

import re
from dataclasses import dataclass

from specdiff.catalogue import Change, Impact

SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$")


@dataclass(frozen=True)
class Verdict:
    """The outcome: exit code and the policy's words. ``major_bump``: the head's major
    version is higher, which is why a breaking verdict may exit 0 (the break is declared)."""

    exit_code: int
    notes: tuple[str, ...]
    major_bump: bool = False


def semver(version: str) -> tuple[int, int, int] | None:
    match = SEMVER.match(version or "")
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def judge(changes: list[Change], base_version: str, head_version: str) -> Verdict:
    """Versioning policy: ``info.version`` is semver; a breaking change needs a major bump.

    Exit 1 on a breaking change, unless the head version bumps the major number (the
    break is then declared). Other changes without any version bump only get a note.
    """
    old, new = semver(base_version), semver(head_version)
    notes: list[str] = []
    if new is None:
        return Verdict(1, (f"info.version {head_version!r} is not semver (MAJOR.MINOR.PATCH)",))
    breaking = [c for c in changes if c.impact is Impact.BREAKING]
    major_bumped = old is not None and new[0] > old[0]
    if breaking and not major_bumped:
        notes.append(
            f"{len(breaking)} breaking change(s) without a major version bump "
            f"({base_version} -> {head_version}): bump info.version to {(old or new)[0] + 1}.0.0 "
            "and record it in SPEC_CHANGELOG.md, or make the change compatible"
        )
        return Verdict(1, tuple(notes))
    if breaking:
        notes.append(
            f"breaking changes declared by the major bump {base_version} -> {head_version}"
        )
    elif changes and old is not None and new <= old:
        notes.append(
            f"spec changed but info.version did not move ({base_version}); bump minor or patch"
        )
    return Verdict(0, tuple(notes), major_bumped)
