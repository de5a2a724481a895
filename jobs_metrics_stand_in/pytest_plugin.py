"""The stand-in as pytest fixtures: installing the toolkit wheel is all a client team does.

Registered by the ``pytest11`` entry point ``jobs_metrics_stand_in``, so it loads in every
pytest run of a venv that has the toolkit: at load it only declares (an option, an ini key, a
marker, two fixtures, one report hook); the stand-in starts when a test first asks for a
fixture, and the hook does nothing for a test without one. docs/testing-clients.md has the
recipes.

- ``jobs_metrics_stand_in`` (session): one stand-in per pytest process, hence one per
  pytest-xdist worker; or, when ``JOBS_METRICS_STAND_IN_URL`` is set (a stand-in run as a
  CI service), that one, with ``JOBS_METRICS_STAND_IN_TOKEN`` as its control token.
- ``jobs_metrics_sandbox`` (function): a fresh sandbox (no jobs, its own credentials, script,
  clock and journal), closed at teardown. The teardown sends the close and the next test's
  create without waiting; the next setup reads both answers (``SandboxSupply`` says why).
  Its script calls (``fail_next``, ``respond``, ``fault``, ``delay``) do not wait for their
  answers either (``Sandbox.confirm_script_later``): a request the test sends afterwards
  meets them all the same, and a refused one fails the test at its sandbox's next call, or
  at teardown, naming the call.
- A failed test's report gets a section with its sandbox's journal: each request, the rule it
  met, the script entry that answered it, and the near miss of each refusal.
- Strictness, opt-in (``@pytest.mark.stand_in_strict``, ``--stand-in-strict`` or the ini key
  ``stand_in_strict = true``): a passing test fails at teardown if its code broke the
  contract, used the deprecated operation, or left a scripted outcome unused. The marker's
  keywords ``contract``, ``deprecated``, ``unused`` (each default True) turn one check off.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the client is imported by the fixtures, not when pytest loads the plugin
    from jobs_metrics_stand_in.client import Pending, Sandbox, StandIn

ENV_URL = "JOBS_METRICS_STAND_IN_URL"
ENV_TOKEN = "JOBS_METRICS_STAND_IN_TOKEN"
STRICT_MARKER = "stand_in_strict"
STRICT_OPTION = "--stand-in-strict"
STRICT_INI = "stand_in_strict"
SECTION = "jobs-metrics sandbox journal"
CHECKS = ("contract", "deprecated", "unused")

_SANDBOX = pytest.StashKey["Sandbox"]()
_CALL_FAILED = pytest.StashKey[bool]()
_TEARDOWN_JOURNAL = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Strictness for every test that uses ``jobs_metrics_sandbox`` (the marker: one test)."""
    group = parser.getgroup("jobs-metrics-stand-in", "jobs-metrics stand-in")
    group.addoption(
        STRICT_OPTION,
        action="store_true",
        default=False,
        help="fail a test at teardown if its sandbox saw a request that broke the contract,"
        " a deprecated operation, or a scripted outcome left unused",
    )
    parser.addini(STRICT_INI, type="bool", default=False, help=f"as {STRICT_OPTION}")


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker, so that ``--strict-markers`` runs accept it."""
    config.addinivalue_line(
        "markers",
        f"{STRICT_MARKER}(contract=True, deprecated=True, unused=True): fail the test at"
        " teardown if its jobs_metrics_sandbox saw a request that broke the contract, a call"
        " of the deprecated operation, or a scripted outcome left unused",
    )


@pytest.fixture(scope="session")
def jobs_metrics_stand_in() -> Iterator[StandIn]:
    """One stand-in for the session (an xdist worker is a session of its own): started on a
    free 127.0.0.1 port and stopped by its PID, or the one at ``JOBS_METRICS_STAND_IN_URL``
    (whose sandboxes made here are closed, the stand-in left running)."""
    from jobs_metrics_stand_in.client import StandIn

    url = os.environ.get(ENV_URL)
    stand_in = StandIn.attach(url, os.environ.get(ENV_TOKEN) or None) if url else StandIn.start()
    with stand_in:
        yield stand_in


class SandboxSupply:
    """Where ``jobs_metrics_sandbox`` gets its sandboxes from one stand-in and returns them:
    a test's teardown sends the close of its sandbox and the create of the next test's, and
    waits for neither; the next setup reads both answers, long arrived.

    Why: each call is a round trip to the stand-in (its work takes microseconds; the trip,
    with the wake-up of an idle server, ~0.1 ms on its control socket, ~0.3 ms over HTTP),
    and waiting for them was most of what a test paid over pytest-httpserver, whose server
    lives in the test's process. The stand-in does the same work at the same moment; only
    the wait is gone.

    Why isolation holds:
    - the sandbox a test gets is made by the same create as at setup (a fresh project,
      token and AK/SK, no jobs, empty script and journal, the real clock), and nothing can
      change it in between: its credentials are known only to this object, and the
      stand-in routes a request to a sandbox by them;
    - the previous test's sandbox is closed before the next test starts: the setup reads the
      close's answer first. A close that failed fails that setup, naming the sandbox (one
      its test closed itself is no failure).
    At most one sandbox waits per stand-in (so per xdist worker); ``StandIn.close`` reads
    the answers left and closes it (an attached stand-in), or stops the stand-in."""

    def __init__(self, stand_in: StandIn) -> None:
        # Weak: the supply is kept in the stand-in's ``plugin_state``; no cycle to collect.
        self._stand_in = weakref.ref(stand_in)
        self._next: Pending[Sandbox] | None = None
        self._closing: list[tuple[str, Pending[None]]] = []

    def take(self) -> Sandbox:
        """The sandbox created at the last teardown (or a new one), once the last close is
        known to have succeeded."""
        self._settle()
        pending, self._next = self._next, None
        sandbox = pending.result() if pending is not None else self.stand_in().sandbox()
        sandbox.confirm_script_later = True  # confirmed at teardown, at the latest
        return sandbox

    def give_back(self, sandbox: Sandbox) -> None:
        """Send the next test's create and this test's close; wait for neither."""
        from jobs_metrics_stand_in.client import StandInError

        if self._next is None:
            try:
                self._next = self.stand_in().sandbox_soon()
            except StandInError:  # not sent: the next setup creates its own, and says why
                self._next = None
        self._closing.append((sandbox.id, sandbox.close_soon()))

    def stand_in(self) -> StandIn:
        stand_in = self._stand_in()
        if stand_in is None:
            raise RuntimeError("the stand-in of this supply is gone")
        return stand_in

    def _settle(self) -> None:
        """Read the answers of the closes sent: a refusal other than "no such sandbox" (its
        test closed it) is raised, naming the sandbox."""
        from jobs_metrics_stand_in.client import StandInError

        closing, self._closing = self._closing, []
        failed = []
        for sandbox_id, pending in closing:
            try:
                pending.result()
            except StandInError as error:
                if error.status != 404:
                    failed.append(
                        f"the previous test's sandbox {sandbox_id} was not closed: {error}"
                    )
        if failed:
            raise StandInError("; ".join(failed))


def supply_of(stand_in: StandIn) -> SandboxSupply:
    """The ``SandboxSupply`` of ``stand_in``, made on first use and kept with it (one per
    stand-in: the stand-in fixture may be overridden with any scope, a module's stand-in
    started with its own script, and each stand-in's sandboxes come from its own)."""
    supply = stand_in.plugin_state.get(SUPPLY)
    if not isinstance(supply, SandboxSupply):
        supply = stand_in.plugin_state[SUPPLY] = SandboxSupply(stand_in)
    return supply


SUPPLY = "jobs_metrics_sandbox supply"


@pytest.fixture
def jobs_metrics_sandbox(
    jobs_metrics_stand_in: StandIn, request: pytest.FixtureRequest
) -> Iterator[Sandbox]:
    """A fresh sandbox per test, closed at teardown (after the strict checks, if asked)."""
    checks = strict_checks(request.node)  # a misspelt marker fails before the test runs
    supply = supply_of(jobs_metrics_stand_in)
    sandbox = supply.take()
    request.node.stash[_SANDBOX] = sandbox
    try:
        yield sandbox
        if checks and not request.node.stash.get(_CALL_FAILED, False):
            problems = strict_problems(sandbox, checks)
            if problems:
                request.node.stash[_TEARDOWN_JOURNAL] = sandbox.journal_text()
                pytest.fail(f"{STRICT_MARKER}: " + "\n".join(problems), pytrace=False)
    finally:
        from jobs_metrics_stand_in.client import ScriptCallRefused

        del request.node.stash[_SANDBOX]
        try:
            sandbox.confirm()  # a script call refused after the test went on fails it here
        except ScriptCallRefused:
            request.node.stash[_TEARDOWN_JOURNAL] = sandbox.journal_text()
            raise
        finally:
            supply.give_back(sandbox)


def strict_checks(item: pytest.Item) -> set[str]:
    """The checks asked for ``item``: its marker's (each keyword may turn one off), else all
    of them when the option or the ini key is on, else none."""
    marker = item.get_closest_marker(STRICT_MARKER)
    if marker is not None:
        unknown = set(marker.kwargs) - set(CHECKS)
        if unknown or marker.args:
            pytest.fail(
                f"{STRICT_MARKER} takes only the keywords {', '.join(CHECKS)};"
                f" got {', '.join(sorted(unknown)) or repr(marker.args)}",
                pytrace=False,
            )
        return {name for name in CHECKS if marker.kwargs.get(name, True)}
    if item.config.getoption(STRICT_OPTION) or item.config.getini(STRICT_INI):
        return set(CHECKS)
    return set()


def strict_problems(sandbox: Sandbox, checks: set[str]) -> list[str]:
    """What the sandbox's journal and script show against ``checks``, one message each."""
    problems = []
    for check, assertion in (
        ("contract", sandbox.assert_contract_kept),
        ("deprecated", sandbox.assert_no_deprecated_calls),
        ("unused", sandbox.assert_all_called),
    ):
        if check in checks:
            try:
                assertion()
            except AssertionError as failed:
                problems.append(str(failed))
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed phase of a test with a sandbox gets the sandbox's journal as a report section
    (shown with the failure, as captured output is; it travels back from xdist workers)."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    if not report.failed:
        return report
    journal = item.stash.get(_TEARDOWN_JOURNAL, None) if report.when == "teardown" else None
    sandbox = item.stash.get(_SANDBOX, None)
    if journal is None and sandbox is not None:
        try:
            journal = sandbox.journal_text()
        except Exception as error:  # the stand-in may be what failed: say so, keep the report
            journal = f"the journal could not be read: {error!r}"
    if journal is not None:
        report.sections.append((f"{SECTION} ({report.when})", journal))
    return report
