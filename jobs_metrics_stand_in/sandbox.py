"""Sandboxes: each a fresh project with its own credentials, jobs, script, clock, throttle
and journal, answered by its own reference app on its own in-memory store.

Why an app and a store per sandbox: the reference server's isolation is by project, but its
job IDs are global (one ID, one project); two tests both wanting job 1 need two stores. A
sandbox is built in about 65 us: its settings are the server's copied with its credentials
(``Settings.with_only_credentials``), its store a copy of an empty database image, and the
app's parts that cost (the body helper process) are shared by every app of the process.

Why a few sandboxes are kept ready: a test suite creates one per test, and building one is
still most of what a create costs. The registry keeps up to
``READY_SANDBOXES`` built in advance, each with fresh credentials, unregistered (no request is
routed to it, no control call shows it) until a create takes it: then it is exactly what
building it at that moment would have made. The server builds them off a create's path: the
next one as soon as a create took the last, the others when it is idle.
"""

from __future__ import annotations

import base64
import os
import random
import re
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from jobs_metrics_spec import spec_project_ids
from jobs_metrics_stand_in.contract import ScriptError
from jobs_metrics_stand_in.limits import (
    MAX_GENERATED_JOBS,
    MAX_JOBS,
    MAX_JOURNAL_ENTRIES,
    MAX_SANDBOXES,
    MAX_SCRIPT_ENTRIES,
)
from jobs_metrics_stand_in.script import Entry, EntryIn, make_entry
from reference_server import ASGIApp, LoadError, Settings, Store, create_app, validate_jobs

# Sandboxes the registry keeps built in advance (see the module's docstring): a suite takes one
# per test and the server builds one in each idle moment, so a few absorb a burst of creates
# (an attached stand-in serves several workers) at a few in-memory stores of memory.
READY_SANDBOXES = 4
# What a caller's credential may not hold: white space (``\s``, as ``str.isspace``), and the
# separators of the credentials' text form (``,``, ``=``, ``:``).
_NOT_IN_CREDENTIAL = re.compile(r"[\s,=:]")


class LimitReached(ScriptError):
    """A limit of the stand-in (``limits.py``) would be passed; the message names it."""


class UnknownSandbox(ScriptError):
    """No sandbox of that id (closed, or never created)."""


@dataclass(frozen=True)
class Credentials:
    project_id: str
    token: str
    access_key: str
    secret_key: str

    @classmethod
    def new(cls) -> Credentials:
        """Fresh random credentials in the provider's shapes (a 32-hex project ID, a
        20-character access key, a 40-character secret key)."""
        return cls(
            project_id=os.urandom(16).hex(),
            token="stand-in-" + os.urandom(24).hex(),
            access_key=base64.b32encode(os.urandom(15)).decode()[:20],
            secret_key=os.urandom(20).hex(),
        )


class Clock:
    """A sandbox's clock: the real time, frozen at a moment, or offset from the real time."""

    def __init__(self) -> None:
        self.frozen_at: float | None = None
        self.offset = 0.0

    def __call__(self) -> float:
        return self.frozen_at if self.frozen_at is not None else time.time() + self.offset

    def describe(self) -> dict[str, Any]:
        return {"now": self(), "frozen_at": self.frozen_at, "offset_seconds": self.offset}


class Throttle:
    """A deterministic limit per credential: at most ``per_second`` requests in each window of
    one second, the window starting with its first request (real, monotonic time: the
    sandbox's clock may be frozen). A throttled request counts too, as at the gateway."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self._windows: dict[str, tuple[float, int]] = {}

    def exceeded(self, credential: str) -> bool:
        now = time.monotonic()
        start, count = self._windows.get(credential, (now, 0))
        if now - start >= 1.0:
            start, count = now, 0
        self._windows[credential] = (start, count + 1)
        return count + 1 > self.per_second


@dataclass
class Journal:
    """The requests a sandbox received, newest last, at most ``MAX_JOURNAL_ENTRIES``."""

    entries: deque[dict[str, Any]] = field(
        default_factory=lambda: deque(maxlen=MAX_JOURNAL_ENTRIES)
    )
    received: int = 0  # requests journaled since the last clear (dropped ones included)

    def add(self, entry: dict[str, Any]) -> None:
        self.received += 1
        entry["seq"] = self.received
        self.entries.append(entry)

    def clear(self) -> None:
        self.entries.clear()
        self.received = 0

    @property
    def dropped(self) -> int:
        return self.received - len(self.entries)

    def select(self, filters: Mapping[str, str]) -> list[dict[str, Any]]:
        """Entries whose fields equal the filters' values (as text)."""
        found = []
        for entry in self.entries:
            if all(str(entry.get(key)) == value for key, value in filters.items()):
                found.append(entry)
        return found


def generate_jobs(count: int, seed: int, first_id: int = 1) -> list[dict[str, Any]]:
    """``count`` jobs in the 200 answer's shape, IDs from ``first_id``, values drawn from
    ``seed`` within the schema's bounds (the same seed, the same jobs); they are validated
    like any other jobs before they are stored."""
    if not 1 <= count <= MAX_GENERATED_JOBS:
        raise LimitReached(f"generate.count: 1 to {MAX_GENERATED_JOBS} jobs")
    rng = random.Random(seed)

    def streams(kind: str, job_id: int) -> list[dict[str, Any]]:
        found = []
        for index in range(rng.randint(1, 3)):
            records = rng.randint(0, 5_000_000_000)
            found.append(
                {
                    "name": f"{kind}: stream_{job_id}_{index}",
                    "records": records,
                    "corrupted_records": rng.randint(0, records // 1000),
                }
            )
        return found

    jobs = []
    for job_id in range(first_id, first_id + count):
        read = round(rng.uniform(0, 20_000), 2)
        jobs.append(
            {
                "job_id": job_id,
                "metrics": {
                    "sources": streams("Source", job_id),
                    "sinks": streams("Sink", job_id),
                    "total_read_rate": read,
                    "total_write_rate": round(read * rng.uniform(0.5, 1.0), 2),
                },
            }
        )
    return jobs


def parse_jobs(jobs: Sequence[Any]) -> list[Any]:
    """Validate jobs given in the 200 answer's shape as ``load`` does (the spec's schema,
    finite rates, no job twice); a refusal names the offending field (``jobs[3].metrics...``)."""
    try:
        return validate_jobs(jobs)
    except LoadError as exc:
        raise ScriptError(str(exc).replace("payload.jobs", "jobs")) from None
    except orjson.JSONEncodeError as exc:
        raise ScriptError(f"jobs: not JSON ({exc})") from None


def _client_number(entry_id: str) -> int:
    """The number of an id a client chose (``c7``: 7); -1 for the stand-in's own ids."""
    return int(entry_id[1:]) if entry_id.startswith("c") else -1


class Sandbox:
    """One sandbox: a project with its credentials and everything scripted for it."""

    def __init__(self, sandbox_id: str, credentials: Credentials, server: Settings) -> None:
        self.id = sandbox_id
        self.name: str | None = None  # a script file's label, shown by the control API
        self.credentials = credentials
        self.clock = Clock()
        self.settings = server.with_only_credentials(
            tokens=f"{credentials.token}={credentials.project_id}",
            aksk=f"{credentials.access_key}:{credentials.secret_key}={credentials.project_id}",
        )
        self.initial_jobs: list[Any] = []
        self.store = Store(Path(":memory:"))
        self.app: ASGIApp = create_app(self.settings, store=self.store, clock=self.clock)
        self.job_count = 0
        self.entries: list[Entry] = []
        self.entry_counter = 0
        self.throttle: Throttle | None = None
        self.token_expires_at: float | None = None
        self.journal = Journal()

    def add_jobs(self, jobs: Sequence[Any]) -> list[int]:
        """Validate and store jobs (replacing jobs of the same ID); the IDs stored."""
        parsed = parse_jobs(jobs)
        ids = [job.job_id for job in parsed]
        if self.job_count + len(ids) > MAX_JOBS:  # replaced jobs do not add: count them
            replaced = self.store.job_json(self.credentials.project_id, ids)
            if self.job_count + len(ids) - len(replaced) > MAX_JOBS:
                raise LimitReached(f"jobs: a sandbox holds at most {MAX_JOBS} jobs")
        self.store.load(self.credentials.project_id, parsed)
        self.job_count = self.store.count_jobs()
        return ids

    def add_entry(self, spec: EntryIn, entry_id: str | None = None) -> Entry:
        """Add an entry after the others, with the next of the stand-in's ids (``e1``,
        ``e2``...); or with the id the client chose (``entry_id``, ``c`` and a number, which
        no entry of the sandbox may have), then before any entry of a higher number: a
        client sending entries on several connections without waiting for their answers
        keeps its order, whichever arrives first."""
        if len(self.entries) >= MAX_SCRIPT_ENTRIES:
            raise LimitReached(
                f"script: a sandbox holds at most {MAX_SCRIPT_ENTRIES} entries; clear it first"
            )
        if entry_id is not None and any(entry.id == entry_id for entry in self.entries):
            raise LimitReached(f"script: the sandbox has an entry {entry_id} already")
        place, own = len(self.entries), entry_id is None
        if entry_id is None:
            entry_id = f"e{self.entry_counter + 1}"  # taken once the entry is accepted
        else:
            number = int(entry_id[1:])
            later = [i for i, e in enumerate(self.entries) if _client_number(e.id) > number]
            place = later[0] if later else place
        entry = make_entry(entry_id, spec)
        if own:
            self.entry_counter += 1
        self.entries.insert(place, entry)
        return entry

    def reset(self) -> None:
        """Back to just created: the same credentials and creation jobs; no other jobs,
        script, throttle, token expiry or journal, and the real clock."""
        self.store.close()
        self.store = Store(Path(":memory:"))
        self.app = create_app(self.settings, store=self.store, clock=self.clock)
        self.job_count = 0
        if self.initial_jobs:
            self.store.load(self.credentials.project_id, self.initial_jobs)
            self.job_count = len(self.initial_jobs)
        self.entries.clear()
        self.entry_counter = 0
        self.throttle = None
        self.token_expires_at = None
        self.clock.frozen_at, self.clock.offset = None, 0.0
        self.journal.clear()

    def close(self) -> None:
        self.store.close()

    def describe(self, *, secrets: bool = True) -> dict[str, Any]:
        """The sandbox as the control API shows it (its secret key only where asked)."""
        found: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "project_id": self.credentials.project_id,
            "token": self.credentials.token,
            "access_key": self.credentials.access_key,
            "jobs": self.job_count,
            "script_entries": len(self.entries),
            "journal_entries": len(self.journal.entries),
            "throttle_per_second": self.throttle.per_second if self.throttle else None,
            "token_expires_at": self.token_expires_at,
            "clock": self.clock.describe(),
        }
        if secrets:
            found["secret_key"] = self.credentials.secret_key
        else:
            found.pop("token")
        return found


class Registry:
    """Every sandbox of the process, found by id, token, access key or project ID."""

    def __init__(self, server: Settings) -> None:
        self.server = server  # the server's settings: every sandbox's app has its limits
        self.sandboxes: dict[str, Sandbox] = {}
        self.by_token: dict[str, Sandbox] = {}
        self.by_access_key: dict[str, Sandbox] = {}
        self.by_project: dict[str, Sandbox] = {}
        # Built in advance, never registered: unreachable until a create takes one.
        self.ready: deque[Sandbox] = deque()
        # Set by the control API's first create of a sandbox with fresh credentials: from
        # then on the server keeps some ready (a stand-in driven by its script file only, or
        # by creates that give credentials, never takes one).
        self.hands_out_fresh = False

    def create(self, credentials: Credentials | None = None, jobs: Sequence[Any] = ()) -> Sandbox:
        """A new registered sandbox: with ``credentials`` (a script file's), or fresh ones
        (a ready sandbox when there is one), holding ``jobs``."""
        if len(self.sandboxes) >= MAX_SANDBOXES:
            raise LimitReached(
                f"sandboxes: at most {MAX_SANDBOXES} at once; close the ones no longer used"
            )
        if credentials is not None:
            self._check_free(credentials)
        if len(jobs) > MAX_JOBS:
            raise LimitReached(f"jobs: a sandbox holds at most {MAX_JOBS} jobs")
        initial_jobs = parse_jobs(jobs) if jobs else []  # refused before a sandbox is taken
        sandbox = self._take_ready() if credentials is None else self._build(credentials)
        if initial_jobs:
            sandbox.initial_jobs = initial_jobs
            sandbox.store.load(sandbox.credentials.project_id, initial_jobs)
            sandbox.job_count = len(initial_jobs)
        credentials = sandbox.credentials
        self.sandboxes[sandbox.id] = sandbox
        self.by_token[credentials.token] = sandbox
        self.by_access_key[credentials.access_key] = sandbox
        self.by_project[credentials.project_id] = sandbox
        return sandbox

    def _build(self, credentials: Credentials) -> Sandbox:
        return Sandbox(os.urandom(8).hex(), credentials, self.server)

    def _take_ready(self) -> Sandbox:
        """A ready sandbox (the oldest), else one built now; either with fresh credentials.
        A ready one is checked as a caller's credentials are: one a script file's sandbox
        took in the meantime (128 random bits: never in practice) is dropped, not reused."""
        while self.ready:
            sandbox = self.ready.popleft()
            if self._is_free(sandbox.credentials) and sandbox.id not in self.sandboxes:
                return sandbox
            sandbox.close()
        credentials = Credentials.new()
        self._check_free(credentials)
        return self._build(credentials)

    def wants_ready(self) -> bool:
        """Whether to build a ready sandbox: once creates ask for fresh credentials, up to
        ``READY_SANDBOXES``."""
        return self.hands_out_fresh and len(self.ready) < READY_SANDBOXES

    def make_ready(self) -> None:
        """Build one sandbox for a later create (the server calls this when no sandbox is
        ready, and when idle), its store's first reads already made (``Store.warm_reads``:
        ~100 us its first request would otherwise wait for)."""
        sandbox = self._build(Credentials.new())
        sandbox.store.warm_reads(sandbox.credentials.project_id)
        self.ready.append(sandbox)

    def _is_free(self, credentials: Credentials) -> bool:
        return not (
            credentials.token in self.by_token
            or credentials.access_key in self.by_access_key
            or credentials.project_id in self.by_project
        )

    def _check_free(self, credentials: Credentials) -> None:
        """Credentials given by a caller (a script file) must be of the spec's shapes and
        unused: a request is routed to its sandbox by them."""
        if not spec_project_ids().fullmatch(credentials.project_id):
            raise ScriptError("project_id: must be 32 lowercase hexadecimal characters")
        for name in ("token", "access_key", "secret_key"):
            value = getattr(credentials, name)
            if not value or _NOT_IN_CREDENTIAL.search(value) or len(value) > 256:
                raise ScriptError(f"{name}: 1 to 256 characters, no white space, , = or :")
        if not self._is_free(credentials):
            raise ScriptError("credentials: another sandbox uses this project, token or key")

    def get(self, sandbox_id: str) -> Sandbox:
        sandbox = self.sandboxes.get(sandbox_id)
        if sandbox is None:
            raise UnknownSandbox(f"no sandbox {sandbox_id!r}")
        return sandbox

    def close(self, sandbox_id: str) -> None:
        sandbox = self.get(sandbox_id)
        del self.sandboxes[sandbox_id]
        credentials = sandbox.credentials
        del self.by_token[credentials.token]
        del self.by_access_key[credentials.access_key]
        del self.by_project[credentials.project_id]
        sandbox.close()

    def close_all(self) -> None:
        for sandbox_id in list(self.sandboxes):
            self.close(sandbox_id)
        while self.ready:
            self.ready.popleft().close()


def credentials_of(data: Mapping[str, Any]) -> Credentials | None:
    """Credentials a caller gave (all four), or None to make new ones."""
    names = ("project_id", "token", "access_key", "secret_key")
    given = [data.get(name) for name in names]
    if all(value is None for value in given):
        return None
    if any(value is None for value in given):
        raise ScriptError(f"credentials: give all of {', '.join(names)}, or none")
    return Credentials(*(str(value) for value in given))
