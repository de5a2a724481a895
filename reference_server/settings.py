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

from pydantic import PositiveFloat, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from reference_server.demo import DEMO_TOKENS

DEFAULT_DB = Path("data") / "reference.sqlite3"
# 1 MiB: a full request of 1,000 twenty-digit IDs is about 22 KB, so this leaves ample room.
DEFAULT_MAX_BODY = 1024 * 1024
# 16 KiB of request headers (names and values), as the spec's x-contract limits say.
DEFAULT_MAX_HEADER_BYTES = 16 * 1024
# Seconds a client may take to send the whole body once its headers have arrived. A 1 MiB
# body at a slow 1 Mbit/s takes 8 s; a client trickling bytes to hold a connection is cut
# off with the error body after this long (Granian itself has no body-read timeout).
DEFAULT_BODY_TIMEOUT = 10.0

ENV_PREFIX = "JOBS_METRICS_"


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and why."""


class ServerEnvironment(BaseSettings):
    """The ``JOBS_METRICS_*`` variables, parsed and checked by pydantic-settings.

    They exist because Granian imports the app factory in its worker process, where only the
    environment travels: the command line writes its options here (:meth:`export`) and the
    worker reads them back (:meth:`Settings.from_env`). Field ``max_body`` is the variable
    ``JOBS_METRICS_MAX_BODY``, and so on.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    db: Path = DEFAULT_DB
    tokens: str = ""  # "TOKEN=PROJECT_ID,TOKEN2=PROJECT_ID2"
    tokens_file: Path | None = None  # JSON {"TOKEN": "PROJECT_ID"}
    no_demo_tokens: bool = False
    max_body: PositiveInt = DEFAULT_MAX_BODY
    no_cache: bool = False
    max_header_bytes: PositiveInt = DEFAULT_MAX_HEADER_BYTES
    body_timeout: PositiveFloat = DEFAULT_BODY_TIMEOUT

    @classmethod
    def variable(cls, field_name: str) -> str:
        return ENV_PREFIX + field_name.upper()

    @classmethod
    def read(cls, **options: object) -> ServerEnvironment:
        """The environment, with ``options`` (from the command line) over it; or a
        ``SettingsError`` naming the variable and its option."""
        try:
            return cls(**options)  # type: ignore[arg-type]
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            name = str(first["loc"][0])
            option = "--" + name.replace("_", "-")
            raise SettingsError(
                f"{cls.variable(name)} / {option} {first['input']!r}: {first['msg']}"
            ) from None

    def export(self) -> None:
        """Write the fields that were set into ``os.environ`` (for Granian's worker)."""
        for name in sorted(self.model_fields_set):
            value = getattr(self, name)
            os.environ[self.variable(name)] = str(int(value) if isinstance(value, bool) else value)


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
    def from_env(cls) -> Settings:
        """Build settings from the ``JOBS_METRICS_*`` variables (listed by ``--help``)."""
        env = ServerEnvironment.read()
        tokens = {} if env.no_demo_tokens else dict(DEMO_TOKENS)
        if env.tokens_file:
            tokens.update(load_tokens_file(env.tokens_file))
        if env.tokens:
            tokens.update(parse_tokens(env.tokens))
        return cls(
            db_path=env.db,
            tokens=tokens,
            max_body=env.max_body,
            max_header_bytes=env.max_header_bytes,
            body_timeout=env.body_timeout,
            cache=not env.no_cache,
        )


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
