"""Whether a changed ``pattern`` accepts more, less or both: regular expressions as automata.

greenery builds the automaton of each pattern; the difference of two automata is empty or
not. Automata grow with counted repetitions (``{1,500}``, nested groups): building them can
take minutes. So each comparison runs in a child interpreter (``python -m
specdiff.patterns OLD NEW``) that is killed after ``PATTERN_BUDGET_S`` seconds; the change
is then "unknown" (possibly breaking), never a guess. A child process of its own, not a
multiprocessing pool: a pool's "spawn" start re-runs the caller's main script, which breaks
every program that calls ``diff_specs`` without an ``if __name__ == "__main__"`` guard.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from typing import Any

from greenery import parse as parse_regex

PATTERN_BUDGET_S = 5.0


def _regex_language(pattern: str) -> Any:
    """The pattern as an automaton of the strings it matches *anywhere* (JSON Schema
    patterns are unanchored searches), or ``None`` if greenery cannot read it
    (lookarounds, backreferences, an anchor in the middle)."""
    body = pattern
    anchored_start = body.startswith("^")
    if anchored_start:
        body = body[1:]
    anchored_end = body.endswith("$") and not body.endswith("\\$")
    if anchored_end:
        body = body[:-1]
    body = (body if anchored_start else ".*" + body) if body else ".*"
    if not anchored_end:
        body += ".*"
    try:
        return parse_regex(body).to_fsm()
    except Exception:  # greenery raises several types for syntax it does not support
        return None


def lost_and_gained(old: str, new: str) -> tuple[bool, bool] | None:
    """Whether some string matched ``old`` but not ``new`` (lost), and the reverse (gained);
    ``None`` when either pattern cannot be read as an automaton."""
    old_fsm, new_fsm = _regex_language(old), _regex_language(new)
    if old_fsm is None or new_fsm is None:
        return None
    return not (old_fsm - new_fsm).empty(), not (new_fsm - old_fsm).empty()


@functools.cache
def compare_patterns(
    old: str, new: str, budget: float = PATTERN_BUDGET_S
) -> tuple[bool, bool] | None:
    """:func:`lost_and_gained` within ``budget`` seconds, else ``None``. Cached: a pattern of
    a shared component is met once per place that uses it."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "specdiff.patterns", old, new],
            capture_output=True, text=True, timeout=budget, check=True,
        )  # fmt: skip
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
        return None
    result = json.loads(done.stdout)
    return None if result is None else (bool(result[0]), bool(result[1]))


if __name__ == "__main__":
    print(json.dumps(lost_and_gained(sys.argv[1], sys.argv[2])))
