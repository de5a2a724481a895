"""``jobs-metrics stand-in --script FILE``: sandboxes and their scripts, loaded at start.

The file (YAML or JSON; JSON is YAML) holds ``sandboxes:``, a list of sandboxes, each with
the fields of the control API's bodies: credentials (all four, or none for new ones), ``jobs``
or ``generate``, ``script`` (entries), ``throttle``, ``clock``, ``token_expires_at``. It is
validated whole before the server starts: a bad file is one line naming the sandbox and the
field, and the command exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jobs_metrics_spec import YAML_LOADER, InputFileError, read_input_file
from jobs_metrics_stand_in.contract import ScriptError
from jobs_metrics_stand_in.control import ClockIn, Generate
from jobs_metrics_stand_in.limits import (
    MAX_CONTROL_BODY_BYTES,
    MAX_JOBS,
    MAX_PER_SECOND,
    MAX_SANDBOXES,
    MAX_SCRIPT_ENTRIES,
)
from jobs_metrics_stand_in.sandbox import Registry, Sandbox, Throttle, credentials_of
from jobs_metrics_stand_in.script import EntryIn


class SandboxFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str | None = Field(default=None, max_length=100)
    project_id: str | None = None
    token: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    jobs: list[Any] | None = Field(default=None, max_length=MAX_JOBS)
    generate: Generate | None = None
    script: list[EntryIn] = Field(default_factory=list, max_length=MAX_SCRIPT_ENTRIES)
    throttle: int | None = Field(default=None, ge=1, le=MAX_PER_SECOND)
    clock: ClockIn | None = None
    token_expires_at: float | None = Field(default=None, ge=0)


class ScriptFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    sandboxes: list[SandboxFile] = Field(max_length=MAX_SANDBOXES)


def read_script_file(path: Path) -> ScriptFile:
    """The file, validated; a ``ScriptError`` in one line when it cannot be used."""
    try:
        data = read_input_file(path, MAX_CONTROL_BODY_BYTES)
    except InputFileError as exc:  # a FIFO or /dev/zero no longer hangs the start
        raise ScriptError(f"script {path}: cannot be read ({exc})") from None
    try:
        document = yaml.load(data, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0]
        raise ScriptError(f"script {path}: not YAML or JSON ({reason})") from None
    try:
        return ScriptFile.model_validate(document)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise ScriptError(f"script {path}: {where}: {first['msg']}") from None


def load_script_file(path: Path, registry: Registry) -> list[Sandbox]:
    """Create the file's sandboxes in ``registry``; nothing is kept when one is refused."""
    from jobs_metrics_stand_in.control import JobsIn

    created: list[Sandbox] = []
    try:
        for number, item in enumerate(read_script_file(path).sandboxes):
            where = f"script {path}: sandboxes.{number}"
            try:
                jobs = item.jobs or []
                if item.generate is not None:
                    jobs = JobsIn(generate=item.generate).job_list()
                sandbox = registry.create(credentials_of(item.model_dump()), jobs)
                created.append(sandbox)
                for entry in item.script:
                    sandbox.add_entry(entry)
                if item.throttle is not None:
                    sandbox.throttle = Throttle(item.throttle)
                if item.clock is not None:
                    sandbox.clock.frozen_at = item.clock.frozen_at
                    sandbox.clock.offset = item.clock.offset_seconds
                sandbox.token_expires_at = item.token_expires_at
                sandbox.name = item.name
            except ScriptError as exc:
                raise ScriptError(f"{where}: {exc}") from None
    except ScriptError:
        for sandbox in created:
            registry.close(sandbox.id)
        raise
    return created
