"""Settings of the reference server, read from arguments or the environment.

One frozen object carries everything ``create_app()`` needs, so the tests, ``make serve`` and
the benchmarks build the same server the same way. The environment variables exist because
Granian imports the app factory in its worker process, where only the environment travels.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from reference_server.demo import DEMO_TOKENS

Number = TypeVar("Number", int, float)

DEFAULT_DB = Path("data") / "reference.sqlite3"
# 1 MiB: a full request of 1,000 twenty-digit IDs is about 22 KB, so this leaves ample room.
DEFAULT_MAX_BODY = 1024 * 1024
# 16 KiB of request headers (names and values), as the spec's x-contract limits say.
DEFAULT_MAX_HEADER_BYTES = 16 * 1024
# Seconds a client may take to send the whole body once its headers have arrived. A 1 MiB
# body at a slow 1 Mbit/s takes 8 s; a client trickling bytes to hold a connection is cut
# off with the error body after this long (Granian itself has no body-read timeout).
DEFAULT_BODY_TIMEOUT = 10.0

ENV_DB = "JOBS_METRICS_DB"
ENV_TOKENS = "JOBS_METRICS_TOKENS"
ENV_TOKENS_FILE = "JOBS_METRICS_TOKENS_FILE"
ENV_NO_DEMO = "JOBS_METRICS_NO_DEMO_TOKENS"
ENV_MAX_BODY = "JOBS_METRICS_MAX_BODY"
ENV_NO_CACHE = "JOBS_METRICS_NO_CACHE"
ENV_MAX_HEADER_BYTES = "JOBS_METRICS_MAX_HEADER_BYTES"
ENV_BODY_TIMEOUT = "JOBS_METRICS_BODY_TIMEOUT"


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs: store path, tokens, limits."""

    db_path: Path = DEFAULT_DB
    tokens: dict[str, str] = field(default_factory=lambda: dict(DEMO_TOKENS))
    max_body: int = DEFAULT_MAX_BODY
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    seed_demo: bool = True
    cache: bool = True

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from the ``JOBS_METRICS_*`` variables (listed by ``--help``)."""
        env = dict(os.environ if environ is None else environ)
        tokens = {} if env.get(ENV_NO_DEMO) == "1" else dict(DEMO_TOKENS)
        if env.get(ENV_TOKENS_FILE):
            tokens.update(load_tokens_file(Path(env[ENV_TOKENS_FILE])))
        if env.get(ENV_TOKENS):
            tokens.update(parse_tokens(env[ENV_TOKENS]))
        return cls(
            db_path=Path(env.get(ENV_DB, str(DEFAULT_DB))),
            tokens=tokens,
            max_body=_number(env, ENV_MAX_BODY, DEFAULT_MAX_BODY, int),
            max_header_bytes=_number(env, ENV_MAX_HEADER_BYTES, DEFAULT_MAX_HEADER_BYTES, int),
            body_timeout=_number(env, ENV_BODY_TIMEOUT, DEFAULT_BODY_TIMEOUT, float),
            cache=env.get(ENV_NO_CACHE) != "1",
        )


def _number(env: dict[str, str], name: str, default: Number, kind: type[Number]) -> Number:
    """A positive number from ``env[name]``, or ``default``; a clear error otherwise."""
    text = env.get(name)
    if text is None or text == "":
        return default
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(f"{name}={text!r}: not a number") from None
    if not value > 0:
        raise SettingsError(f"{name}={text!r}: must be greater than 0")
    return value


def parse_tokens(text: str) -> dict[str, str]:
    """Parse ``token=project_id,token2=project_id2``."""
    tokens: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        token, sep, project = item.partition("=")
        if not sep or not token or not project:
            raise SettingsError(f"token entry {item!r} is not of the form TOKEN=PROJECT_ID")
        tokens[token] = project
    return tokens


def load_tokens_file(path: Path) -> dict[str, str]:
    """Read a JSON object mapping tokens to project IDs."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read token file {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise SettingsError(
            f"token file {path} must hold a JSON object of token -> project ID strings"
        )
    return data
