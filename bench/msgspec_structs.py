"""The answer as msgspec structs: the parsing benchmark's practical limit (decoded in C)."""

from __future__ import annotations

import msgspec


class Stream(msgspec.Struct, omit_defaults=True):
    name: str | None = None
    records: int | None = None
    corrupted_records: int | None = None


class Metrics(msgspec.Struct, omit_defaults=True):
    sources: list[Stream] | None = None
    sinks: list[Stream] | None = None
    total_read_rate: float | None = None
    total_write_rate: float | None = None


class Job(msgspec.Struct, omit_defaults=True):
    job_id: int | None = None
    metrics: Metrics | None = None


class Payload(msgspec.Struct, omit_defaults=True):
    jobs: list[Job] | None = None


class Response(msgspec.Struct, omit_defaults=True):
    message_id: str | None = None
    message: str | None = None
    current_time: int | None = None
    payload: Payload | None = None
