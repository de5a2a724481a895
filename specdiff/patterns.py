"""Whether a changed ``pattern`` accepts more, less or both: regular expressions as automata.

greenery builds the automaton of each pattern; the difference of two automata is empty or
not. Automata grow with counted repetitions (``{1,500}``, nested groups): building them can
take minutes. So comparisons run in a child interpreter (:class:`_Worker`) that is killed
when one takes over ``PATTERN_BUDGET_S`` seconds; the change is then "unknown" (possibly
breaking), never a guess, and the next comparison starts a new child. One child serves
every comparison of the process, one JSON line each way: an interpreter per comparison cost
0.25 s of start-up each (the package, jsonschema, Hypothesis), more than most comparisons.
A child process of our own, not a multiprocessing pool: a pool's "spawn" start re-runs the
caller's main script, which breaks every program that calls ``diff_specs`` without an
``if __name__ == "__main__"`` guard.

A pattern greenery cannot read (a lookahead, a backreference) or cannot compare within the
budget gets a second chance: Hypothesis' ``from_regex`` generates strings the old pattern
matches, looking for one the new pattern refuses (and the reverse), ``SEARCH_EXAMPLES``
tries per direction, derandomized (the same answer every run) and shrunk to the simplest
example. A string found *proves* that direction and the report shows it; none found proves
nothing, and the direction stays unknown. (Python's ``re`` stands in for ECMA-262 regular
expressions; a final ``$`` is read as Python's end-of-string anchor, as ECMA-262 means it.)
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, Any

from greenery import parse as parse_regex

PATTERN_BUDGET_S = 5.0
SEARCH_EXAMPLES = 300  # per direction: about 0.4 s for a 32-character pattern
START_BUDGET_S = 30.0  # the child's imports, on a loaded machine; not counted in a budget
_READY = "ready"


class _Worker:
    """The child interpreter that compares patterns: ``[command, *arguments]`` in, one JSON
    line out. A thread reads its answers into a queue, so waiting for one can time out on
    any platform (``select`` on a pipe is POSIX only)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()  # one comparison at a time: one child, one pipe
        self._owner = os.getpid()
        # The answers so far, by request: a diff compares one pattern pair in many places.
        self.memo: dict[tuple[Any, ...], Any] = {}

    @property
    def forked(self) -> bool:
        """This process is a fork of the one that made the worker."""
        return os.getpid() != self._owner

    def ask(self, request: list[Any], budget: float) -> Any:
        """The child's answer to ``request`` within ``budget`` seconds, else ``None`` (the
        child is stopped; the next request starts another)."""
        with self._lock:
            try:
                process = self._started()
                assert process.stdin is not None
                _write_all(process.stdin.fileno(), (json.dumps(request) + "\n").encode())
                line = self._answers.get(timeout=max(budget, 0.0))
            except (OSError, queue.Empty):
                line = None
            except BaseException:  # Ctrl-C, a timeout's signal: the child would answer late,
                self.stop()  # to the next request, and every answer after would be one behind
                raise
            try:
                if line is not None:
                    return json.loads(line)
            except ValueError:  # not an answer of ours: a child we cannot trust
                pass
            self.stop()  # over the budget, the child died, or it wrote something else
            return None

    def _started(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self.stop()  # a child that died while idle: reap it, close its pipes
        self._answers = queue.Queue()
        self._process = subprocess.Popen(
            # This file as a script, not ``-c "from specdiff.patterns import serve"``: that
            # import runs the package's __init__ (the whole differ, jsonschema), a third of
            # the child's start-up, for nothing it uses. -P: the file's folder (specdiff/)
            # does not go on sys.path, where its modules would shadow top-level ones.
            [sys.executable, "-P", __file__],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8",
        )  # fmt: skip
        assert self._process.stdout is not None
        threading.Thread(
            target=_forward, args=(self._process.stdout, self._answers), daemon=True
        ).start()
        if self._answers.get(timeout=START_BUDGET_S) != _READY:
            raise OSError("the pattern worker did not start")
        return self._process

    def stop(self) -> None:
        """Kill the child (over budget, or at exit) and reap it; in a forked process, only
        forget it (the child, its pipes and their locks are the parent's: closing a pipe
        whose lock the parent's reader thread held at the fork would wait forever)."""
        if self.forked:
            self._process = None
            return
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is not None:
                    pipe.close()
            self._process = None


def _write_all(fd: int, data: bytes) -> None:
    """``data`` written to the pipe with ``os.write``, never through a buffer: a process
    forked while a request sat in a buffer would flush that copy into our child when it
    closes the pipe, and the child would answer the request twice."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _forward(lines: IO[str], answers: queue.Queue[str | None]) -> None:
    """Each line the child writes, then ``None`` when it ends."""
    try:
        for line in lines:
            answers.put(line.strip())
    except (OSError, ValueError):  # the pipe was closed by stop()
        pass
    answers.put(None)


_SESSION: ContextVar[_Worker | None] = ContextVar("specdiff_pattern_worker", default=None)


@contextmanager
def pattern_worker() -> Iterator[None]:
    """One child interpreter (and one memo of answers) for the comparisons inside the block,
    stopped when it ends: :func:`specdiff.diff_specs` holds one per diff, so a library
    caller is left no process, thread or cache behind."""
    worker = _Worker()
    token = _SESSION.set(worker)
    try:
        yield
    finally:
        _SESSION.reset(token)
        worker.stop()


def _ask(request: list[Any], budget: float) -> Any:
    """The answer of the block's child (:func:`pattern_worker`), remembered for the block; a
    comparison outside a block has a child of its own for the call."""
    worker = _SESSION.get()
    if worker is None or worker.forked:
        # Outside a block, or in a process forked inside one: the child, its pipes and its
        # lock are the parent's (two writers on one pipe would mix their requests; the lock
        # may be held by a thread that does not exist here). A child of its own.
        with pattern_worker():
            return _ask(request, budget)
    key = (json.dumps(request), budget)
    if key not in worker.memo:
        worker.memo[key] = worker.ask(request, budget)
    return worker.memo[key]


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


StringRule = tuple[str | None, int, int | None]  # pattern, minLength, maxLength (None: none)


def _strings(rule: StringRule) -> Any:
    """The strings a pattern and length bounds allow together, as one automaton."""
    pattern, low, high = rule
    language = _regex_language(pattern if pattern is not None else "")
    if language is None:
        return None
    length: Any = parse_regex(f".{{{low},{'' if high is None else high}}}").to_fsm()
    return language & length


def same_strings_now(old: StringRule, new: StringRule) -> bool | None:
    """Whether two (pattern, minLength, maxLength) allow the same strings; ``None``: the
    automata cannot tell."""
    old_fsm, new_fsm = _strings(old), _strings(new)
    if old_fsm is None or new_fsm is None:
        return None
    return bool((old_fsm - new_fsm).empty() and (new_fsm - old_fsm).empty())


def same_strings(old: StringRule, new: StringRule, budget: float = PATTERN_BUDGET_S) -> bool:
    """:func:`same_strings_now` in a child interpreter within ``budget`` (``False`` when it
    cannot tell): a length bound a pattern already implies (``maxLength: 32`` beside
    ``^[0-9a-f]{32}$``) added or dropped changes nothing."""
    return _ask(["strings", old, new], budget) is True


def lost_and_gained(old: str, new: str) -> tuple[bool, bool] | None:
    """Whether some string matched ``old`` but not ``new`` (lost), and the reverse (gained);
    ``None`` when either pattern cannot be read as an automaton."""
    old_fsm, new_fsm = _regex_language(old), _regex_language(new)
    if old_fsm is None or new_fsm is None:
        return None
    return not (old_fsm - new_fsm).empty(), not (new_fsm - old_fsm).empty()


def compare_patterns(
    old: str, new: str, budget: float = PATTERN_BUDGET_S
) -> tuple[bool, bool] | None:
    """:func:`lost_and_gained` within ``budget`` seconds, else ``None``. Remembered for the
    diff (:func:`_ask`): a pattern of a shared component is met once per place using it."""
    result = _ask(["automata", old, new], budget)
    return None if result is None else (bool(result[0]), bool(result[1]))


def _python_regex(pattern: str) -> re.Pattern[str]:
    """The ECMA-262 pattern as Python reads it: ECMA's final ``$`` is ``\\Z`` (Python's
    ``$`` also matches before a final newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.compile(pattern)


_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")


def without_lookarounds(pattern: str) -> str:
    """``pattern`` with its lookaround groups left out: it matches every string ``pattern``
    matches (and more). Hypothesis generates from a lookahead by filtering, which fails on
    most tries and can take seconds; generating from this and testing the real pattern in
    the search's condition does not."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif pattern.startswith(_LOOKAROUND, i):
            depth, j, nested_class = 0, i, False
            while j < len(pattern):  # skip to the group's closing parenthesis
                if pattern[j] == "\\":
                    j += 2
                    continue
                if nested_class:
                    nested_class = pattern[j] != "]"
                elif pattern[j] == "[":
                    nested_class = True
                elif pattern[j] == "(":
                    depth += 1
                elif pattern[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            i = j + 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def find_unmatched(source: str, other: str, examples: int = SEARCH_EXAMPLES) -> str | None:
    """A string ``source`` matches and ``other`` refuses, shrunk to the simplest Hypothesis
    finds within ``examples`` tries; ``None`` if none was found (which proves nothing)."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st

    try:
        source_re, other_re = _python_regex(source), _python_regex(other)
        generator = _python_regex(without_lookarounds(source))
    except re.error:
        return None
    budget = settings(
        database=None,  # no .hypothesis/ directory in the user's checkout
        max_examples=examples,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    try:
        found: str = find(
            st.from_regex(generator),
            lambda s: source_re.search(s) is not None and other_re.search(s) is None,
            settings=budget,
        )
    except Exception:  # NoSuchExample, Unsatisfiable (a lookahead filters every try), ...
        return None
    return found


@dataclass(frozen=True)
class PatternDifference:
    """Whether strings were lost (matched by the old pattern only) or gained; ``None``: not
    known. ``lost_example``/``gained_example``: the string that proves it, when searched."""

    lost: bool | None
    gained: bool | None
    lost_example: str | None = None
    gained_example: str | None = None


def pattern_difference(old: str, new: str, budget: float = PATTERN_BUDGET_S) -> PatternDifference:
    """The automata's answer when they have one, else what a search for examples proves."""
    exact = compare_patterns(old, new, budget)
    if exact is not None:
        return PatternDifference(*exact)
    found = _ask(["search", old, new], budget)
    if found is None:
        return PatternDifference(None, None)
    lost, gained = found
    return PatternDifference(
        True if lost is not None else None, True if gained is not None else None, lost, gained
    )


def _answer(command: str, old: Any, new: Any) -> Any:
    """One comparison, in the child."""
    if command == "strings":
        return same_strings_now(tuple(old), tuple(new))
    if command == "search":
        return [find_unmatched(old, new), find_unmatched(new, old)]
    return lost_and_gained(old, new)


def _end_when_orphaned(parent: int) -> None:
    """The child's watch on its parent: a parent killed (``kill -9``) mid-comparison closes
    no pipe the child is reading, and the comparison could run for minutes; a new parent
    process ID says the old one is gone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def serve() -> None:
    """The child's loop: a request per line on stdin, its answer per line on stdout, until
    stdin ends (the parent stopped or exited). Hypothesis is imported before "ready", so
    no search pays for it within its budget."""
    import hypothesis  # noqa: F401

    threading.Thread(target=_end_when_orphaned, args=(os.getppid(),), daemon=True).start()
    print(_READY, flush=True)
    for line in sys.stdin:
        command, old, new = json.loads(line)
        print(json.dumps(_answer(command, old, new)), flush=True)


if __name__ == "__main__":
    serve()
