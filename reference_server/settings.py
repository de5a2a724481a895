"""The reference server's configuration: one pydantic-settings model, each option once.

A field of :class:`Settings` is all an option is: its name is the command-line flag
(``max_body`` is ``--max-body``, derived by :mod:`reference_server.cli`) and, with the prefix,
the environment variable (``JOBS_METRICS_MAX_BODY``); its type and bounds are checked here and
become the option's click type; its default and description are the option's default and
help. The command line validates the options into a ``Settings``, :meth:`Settings.export`
writes it into the environment, and Granian's worker reads the same model back
(:mod:`reference_server.worker` says why the environment).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from jobs_metrics_spec import (
    InputFileError,
    Limits,
    read_input_file,
    spec_operations,
    spec_project_ids,
)
from reference_server.demo import DEMO_ACCESS_KEYS, DEMO_TOKENS, AccessKey

ENV_PREFIX = "JOBS_METRICS_"
DEFAULT_DB = Path("data") / "reference.sqlite3"


def spec_limits() -> Limits:
    """The spec's x-contract limits (1 MiB of body: a full request of 1,000 twenty-digit IDs
    is about 22 KB; 16 KiB of request headers, names and values), read when a default is
    needed. One option governs both operations, so both x-contracts must name the same
    limits."""
    operations = spec_operations()
    if any(contract.limits != operations[0].limits for contract in operations):
        raise ValueError("the spec's operations name different x-contract limits")
    return operations[0].limits


def default_max_body() -> int:
    return spec_limits().max_body_bytes


def default_max_header_bytes() -> int:
    return spec_limits().max_header_bytes


# Seconds a client may take to send the whole body once its headers have arrived. A 1 MiB
# body at a slow 1 Mbit/s takes 8 s; a client trickling bytes to hold a connection is cut
# off with the error body after this long (Granian itself has no body-read timeout).
DEFAULT_BODY_TIMEOUT = 10.0
# Limits of the HTTP server itself (the app cannot see these phases). Granian's defaults are
# 30 s for headers, 1,024 connections per worker and an unbounded wait on SIGTERM.
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 2048
DEFAULT_SHUTDOWN_TIMEOUT = 5
# Threads of Granian's I/O runtime per worker. One by default: a second costs about a tenth
# of the requests per second under load on two cores, and gains a quarter of the time of a
# request sent alone (what a test suite does); more than a few only compete for the cores.
MAX_RUNTIME_THREADS = 16


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and why."""


# A credentials file is a small JSON document; this bounds what reading one may cost.
MAX_CREDENTIALS_FILE_BYTES = 1024 * 1024


def _entries(text: str) -> Iterator[tuple[int, str]]:
    """The non-empty comma-separated entries of a credentials list, numbered from 1 (errors
    name an entry by its number: its text may hold a secret)."""
    return enumerate(filter(None, (part.strip() for part in text.split(","))), 1)


# White space as ``str.isspace`` has it (``\s`` of a str pattern is the same class): one
# regex search, where a generator over the characters cost ~30 us per sandbox built.
_WHITE_SPACE = re.compile(r"\s")


def _check_entry(what: str, number: int, secrets: Iterable[str], project: str) -> None:
    """Refuse an entry nobody could use: a credential with white space inside (a request
    header never carries it so), or a project ID not of the spec's shape. The message names
    the entry by its position, never its text."""
    if any(not value or _WHITE_SPACE.search(value) for value in secrets):
        raise SettingsError(f"{what} entry {number}: a credential is empty or holds white space")
    # The shape of a project ID, read from the spec: a credential bound to another shape
    # could never be used (no request path holds it), so it is refused when the server starts.
    if not spec_project_ids().fullmatch(project):
        raise SettingsError(
            f"{what} entry {number}: the project ID is not 32 lowercase hexadecimal characters"
        )


def _add_once(found: dict[str, Any], first: dict[str, int], key: str, value: Any, what: str,
              number: int) -> None:  # fmt: skip
    """Add one credential; a second entry for the same one is refused (which of two secrets
    or projects was meant cannot be guessed; the last one silently won before)."""
    if key in found:
        raise SettingsError(f"{what} entry {number} repeats the credential of entry {first[key]}")
    found[key], first[key] = value, number


def parse_tokens(text: str) -> dict[str, str]:
    """Parse ``token=project_id,token2=project_id2``."""
    tokens: dict[str, str] = {}
    first: dict[str, int] = {}
    for number, item in _entries(text):
        token, sep, project = item.partition("=")
        if not sep or not token or not project:
            raise SettingsError(  # the entry is not shown: it may be a token
                f"token entry {number} is not of the form TOKEN=PROJECT_ID"
            )
        _check_entry("token", number, [token], project)
        _add_once(tokens, first, token, project, "token", number)
    return tokens


def _checked_tokens(text: str) -> str:
    parse_tokens(text)  # refused here, before a server starts
    return text


class _Members(list[tuple[str, Any]]):
    """A JSON object's members in order, repeats kept (a list is how a repeat stays seen)."""


def _read_json_file(path: Path, what: str, shape: str) -> _Members:
    """The members of the JSON object in ``path``, in order, repeats kept (the caller refuses
    them); one line naming the file on any failure.

    Only a regular file of at most ``MAX_CREDENTIALS_FILE_BYTES`` (``read_input_file``): a
    FIFO hung the start for good, ``/dev/zero`` was read until memory ran out."""
    try:
        data = read_input_file(path, MAX_CREDENTIALS_FILE_BYTES)
    except InputFileError as exc:
        raise SettingsError(f"cannot read {what} {path}: {exc}") from None
    try:
        members = json.loads(data.decode("utf-8"), object_pairs_hook=_Members)
    except ValueError as exc:
        reason = str(exc).splitlines()[0]
        raise SettingsError(f"cannot read {what} {path}: not JSON ({reason})") from None
    if not isinstance(members, _Members):
        raise SettingsError(shape)
    return members


def load_tokens_file(path: Path) -> dict[str, str]:
    """Read a JSON object mapping tokens to project IDs."""
    shape = f"token file {path} must hold a JSON object of token -> project ID strings"
    members = _read_json_file(path, "token file", shape)
    tokens: dict[str, str] = {}
    first: dict[str, int] = {}
    for number, (token, project) in enumerate(members, 1):
        if not isinstance(project, str):
            raise SettingsError(f"{shape}; entry {number} is not")
        _check_entry(f"token file {path}:", number, [token], project)
        _add_once(tokens, first, token, project, f"token file {path}:", number)
    return tokens


def parse_access_keys(text: str) -> dict[str, AccessKey]:
    """Parse ``AK:SK=PROJECT_ID,AK2:SK2=PROJECT_ID2`` (a secret key may hold ``:``)."""
    keys: dict[str, AccessKey] = {}
    first: dict[str, int] = {}
    for number, item in _entries(text):
        pair, sep, project = item.rpartition("=")
        access_key, colon, secret_key = pair.partition(":")
        if not sep or not colon or not access_key or not secret_key or not project:
            raise SettingsError(  # the entry is not shown: it holds a secret key
                f"access key entry {number} is not of the form AK:SK=PROJECT_ID"
            )
        _check_entry("access key", number, [access_key, secret_key], project)
        _add_once(keys, first, access_key, AccessKey(secret_key, project), "access key", number)
    return keys


def _checked_access_keys(text: str) -> str:
    parse_access_keys(text)  # refused here, before a server starts
    return text


def load_access_keys_file(path: Path) -> dict[str, AccessKey]:
    """Read a JSON object ``{"AK": {"sk": "SK", "project_id": "PROJECT_ID"}}``; an error names
    the file and the entry's position, never a key or a secret."""
    shape = (
        f"access key file {path} must hold a JSON object"
        ' {"AK": {"sk": "SK", "project_id": "..."}}'
    )
    members = _read_json_file(path, "access key file", shape)
    keys: dict[str, AccessKey] = {}
    first: dict[str, int] = {}
    for number, (access_key, members_of_entry) in enumerate(members, 1):
        is_object = isinstance(members_of_entry, _Members)
        names = [name for name, _ in members_of_entry] if is_object else []
        entry = dict(members_of_entry) if is_object else None
        if (
            entry is None
            or sorted(names) != ["project_id", "sk"]
            or not all(isinstance(value, str) and value for value in entry.values())
        ):
            raise SettingsError(f"{shape}; entry {number} is not")
        where = f"access key file {path}:"
        _check_entry(where, number, [access_key, entry["sk"]], entry["project_id"])
        _add_once(keys, first, access_key, AccessKey(entry["sk"], entry["project_id"]), where,
                  number)  # fmt: skip
    return keys


Port = Annotated[int, Field(ge=1, le=65535)]


class Settings(BaseSettings):
    """Everything ``serve`` is told: the app's store, tokens and limits, and the HTTP server's.

    Adding an option is adding a field here (with a description: its help); ``serve`` gets
    the flag, the variable, the type and the default from it, and the worker reads it back.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, validate_default=True
    )

    # The app (read in Granian's worker).
    db: Path = Field(default=DEFAULT_DB, description="SQLite database path.")
    tokens: Annotated[str, AfterValidator(_checked_tokens)] = Field(
        default="",
        repr=False,  # secrets: never in a repr, a log line or an error message
        description="Extra tokens, TOKEN=PROJECT_ID,TOKEN2=PROJECT_ID2 (prefer the variable:"
        " a command line is visible to every user of the machine).",
    )
    tokens_file: Path | None = Field(
        default=None, description='JSON file of extra tokens, {"TOKEN": "PROJECT_ID"}.'
    )
    aksk: Annotated[str, AfterValidator(_checked_access_keys)] = Field(
        default="",
        repr=False,  # secrets: never in a repr, a log line or an error message
        description="Extra AK/SK pairs of the successor operation, AK:SK=PROJECT_ID,..."
        " (prefer the variable: a command line is visible to every user of the machine).",
    )
    aksk_file: Path | None = Field(
        default=None,
        description='JSON file of extra AK/SK pairs, {"AK": {"sk": "SK", "project_id": "..."}}.',
    )
    no_demo_tokens: bool = Field(
        default=False,
        description="Refuse the demo credentials: the demo tokens and the demo AK/SK pairs.",
    )
    max_body: PositiveInt = Field(
        default_factory=default_max_body,
        description="Request body limit in bytes (default: the spec's"
        " x-contract.limits.max_body_bytes).",
    )
    no_cache: bool = Field(
        default=False, description="Validate every job on every request (no validated-job cache)."
    )
    max_header_bytes: PositiveInt = Field(
        default_factory=default_max_header_bytes,
        description="Request header limit in bytes (default: the spec's"
        " x-contract.limits.max_header_bytes); HTTP/2 header lists over twice this are"
        " reset by the HTTP server before the app.",
    )
    body_timeout: PositiveFloat = Field(
        default=DEFAULT_BODY_TIMEOUT, description="Seconds allowed for the whole request body."
    )
    # The HTTP server (Granian, in the main process).
    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: Port = Field(default=8080, description="Port to listen on.")
    workers: PositiveInt = Field(default=1, description="Worker processes.")
    runtime_threads: int = Field(
        default=1,
        ge=1,
        le=MAX_RUNTIME_THREADS,
        description="Threads of the HTTP server's I/O runtime in each worker: 1 answers the"
        " most requests per second under load, 2 answers one request at a time sooner (the"
        " stand-in command uses 2).",
    )
    header_timeout: PositiveFloat = Field(
        default=DEFAULT_HEADER_TIMEOUT,
        description="Seconds allowed for request headers, and for an idle keep-alive connection.",
    )
    max_connections: PositiveInt = Field(
        default=DEFAULT_MAX_CONNECTIONS, description="Connections one worker holds."
    )
    http: Literal["http1", "auto", "http2"] = Field(
        default="http1",
        description="Protocols: http1 answers HTTP/1.1 only; auto adds cleartext HTTP/2"
        " (prior knowledge), at the cost that a connection which never sends a byte is held"
        " until the client closes it (the HTTP server waits to learn the protocol before its"
        " header timeout starts).",
    )
    shutdown_timeout: PositiveInt = Field(
        default=DEFAULT_SHUTDOWN_TIMEOUT,
        description="Seconds SIGTERM waits for requests in flight before stopping the workers.",
    )
    access_log: Path | None = Field(
        default=None,
        description="Append one JSON line per request to this file (time, operation, method,"
        " path, status, error code, body bytes, duration; never a header, so no secret).",
    )

    _accepted_tokens: dict[str, str] = PrivateAttr(default_factory=dict)
    _accepted_access_keys: dict[str, AccessKey] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _resolve_tokens(self) -> Settings:
        """The credentials the app accepts: the demo ones (unless refused), the file's, then
        the listed ones; a file that cannot be read fails here, before a server starts.

        ``no_demo_tokens`` refuses the demo AK/SK pairs too: a server started with it before
        the successor existed must not start accepting the (public) demo keys after an
        upgrade."""
        return self._resolved()

    def _resolved(self) -> Settings:
        accepted = {} if self.no_demo_tokens else dict(DEMO_TOKENS)
        if self.tokens_file is not None:
            accepted.update(load_tokens_file(self.tokens_file))
        accepted.update(parse_tokens(self.tokens))
        self._accepted_tokens = accepted
        keys = {} if self.no_demo_tokens else dict(DEMO_ACCESS_KEYS)
        if self.aksk_file is not None:
            keys.update(load_access_keys_file(self.aksk_file))
        keys.update(parse_access_keys(self.aksk))
        self._accepted_access_keys = keys
        return self

    def with_only_credentials(self, *, tokens: str, aksk: str) -> Settings:
        """These settings with only ``tokens`` and ``aksk`` accepted (no demo credentials,
        no credential files) and an in-memory database: a stand-in sandbox's.

        Checked as a construction checks them, without constructing: pydantic-settings looks
        every field up in the environment again on each construction (about 0.15 ms, once
        per sandbox, so once per test of a suite), and the server's own settings, read once,
        are already valid."""
        copy = self.model_copy(
            update={
                "db": Path(":memory:"),
                "tokens": _checked_tokens(tokens),
                "aksk": _checked_access_keys(aksk),
                "tokens_file": None,
                "aksk_file": None,
                "no_demo_tokens": True,
            }
        )
        return copy._resolved()

    @property
    def accepted_tokens(self) -> Mapping[str, str]:
        """Token -> the project it was issued for."""
        return MappingProxyType(self._accepted_tokens)

    @property
    def accepted_access_keys(self) -> Mapping[str, AccessKey]:
        """Access key -> its secret key and the project it is bound to."""
        return MappingProxyType(self._accepted_access_keys)

    @classmethod
    def variable(cls, field_name: str) -> str:
        """The environment variable of a field: ``max_body`` -> ``JOBS_METRICS_MAX_BODY``."""
        return ENV_PREFIX + field_name.upper()

    @classmethod
    def option(cls, field_name: str) -> str:
        """The command-line flag of a field: ``max_body`` -> ``--max-body``."""
        return "--" + field_name.replace("_", "-")

    @classmethod
    def read(cls, **options: Any) -> Settings:
        """The environment, with ``options`` (from the command line) over it; or a
        ``SettingsError`` naming the variable and its option."""
        try:
            return cls(**options)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            if not first["loc"]:  # the model's own check (the tokens): its message says it
                raise SettingsError(str(first["ctx"]["error"])) from None
            name = str(first["loc"][0])
            shown = f" {first['input']!r}" if cls.model_fields[name].repr else ""
            raise SettingsError(
                f"{cls.variable(name)} / {cls.option(name)}{shown}: {first['msg']}"
            ) from None

    def to_env(self) -> dict[str, str]:
        """Every field as its variable's text, which :meth:`read` turns back into this value
        (a field that is None has no variable)."""
        env: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            env[self.variable(name)] = str(int(value) if isinstance(value, bool) else value)
        return env

    def export(self, environ: MutableMapping[str, str] = os.environ) -> None:
        """Write every field into the environment (for Granian's worker), removing the
        variable of a field that is None so that a stale one cannot reach the worker."""
        for name in type(self).model_fields:
            environ.pop(self.variable(name), None)
        environ.update(self.to_env())
