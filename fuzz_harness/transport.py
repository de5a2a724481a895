"""How a run reaches a server that is not on this machine's loopback: a staging server behind
TLS with a private CA or a client certificate, an outgoing proxy, headers a gateway wants, a
timeout and a rate the server's owners allow (issue 36).

Every request of a run goes through these settings, the harness' own probes (``Sender``) and
schemathesis' generated cases alike (``st_arguments``), so what a user sets holds for the
whole run. The settings hold no secret of the contract's (tokens and keys stay in
``FuzzOptions.secrets``); a header given here may carry one of the user's (a gateway key), so
headers are never printed in a report or a curl line.
"""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from jobs_metrics_spec import InputFileError, read_input_file

DEFAULT_TIMEOUT = 10.0
# A CA bundle holds a few hundred certificates at most (the system's is about 200 KiB).
MAX_PEM_BYTES = 4 * 1024 * 1024


class TransportError(ValueError):
    """A transport setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Transport:
    """The connection settings of a run (defaults: plain, verified, 10 s, no limit)."""

    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    ca_bundle: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    insecure: bool = False
    proxy: str | None = None
    rate_limit: float | None = None  # requests per second, for every request of the run
    _pacer: Pacer | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.rate_limit is not None and self._pacer is None:
            object.__setattr__(self, "_pacer", Pacer(self.rate_limit))

    def http_timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.timeout, connect=min(5.0, self.timeout))

    def verify(self) -> ssl.SSLContext | bool:
        """What httpx verifies TLS with: a context with the private CA and the client
        certificate (when given), or False with ``insecure``."""
        if self.insecure:
            return False
        if self.ca_bundle is not None:
            context = ssl.create_default_context(cafile=str(self.ca_bundle))
        else:
            context = httpx.create_ssl_context()  # the system's CAs, as without settings
        if self.client_cert is not None:
            context.load_cert_chain(
                str(self.client_cert), str(self.client_key) if self.client_key else None
            )
        return context

    def wait_turn(self) -> None:
        """Block until the next request may go out under ``rate_limit``."""
        if self._pacer is not None:
            self._pacer.wait()

    def with_extra_headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """``headers`` and the user's own, each of those added unless the request already
        carries a header of that name (a probe that sets it, or leaves it out, decides)."""
        present = {name.lower() for name, _ in headers}
        return [*headers, *((n, v) for n, v in self.headers if n.lower() not in present)]

    def st_arguments(self) -> list[str]:
        """The same settings as schemathesis' options."""
        args: list[str] = []
        for name, value in self.headers:
            args += ["--header", f"{name}: {value}"]
        args += ["--request-timeout", str(self.timeout)]
        if self.insecure:
            args += ["--tls-verify", "false"]
        elif self.ca_bundle is not None:
            args += ["--tls-verify", str(self.ca_bundle)]
        if self.client_cert is not None:
            args += ["--request-cert", str(self.client_cert)]
        if self.client_key is not None:
            args += ["--request-cert-key", str(self.client_key)]
        if self.proxy:
            args += ["--proxy", self.proxy]
        if self.rate_limit is not None:
            # schemathesis takes whole requests per duration: per minute keeps the fraction
            args += ["--rate-limit", f"{max(1, int(self.rate_limit * 60))}/m"]
        return args


class Pacer:
    """At most ``rate`` requests a second, spaced evenly (a token bucket of one): the simplest
    rule a staging server's owner can state and check."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


def parse_header(text: str) -> tuple[str, str]:
    """``Name: value`` (as curl's ``-H``) -> (name, value); refused with the reason."""
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not name or any(c.isspace() for c in name):
        raise TransportError(f"HEADERS: {name or text!r} is not of the form 'Name: value'")
    return name, value.strip()


def build_transport(
    *,
    headers: tuple[str, ...] = (),
    timeout: float = DEFAULT_TIMEOUT,
    ca_bundle: Path | None = None,
    client_cert: Path | None = None,
    client_key: Path | None = None,
    insecure: bool = False,
    proxy: str = "",
    rate_limit: float | None = None,
) -> Transport:
    """Check the settings together, before a request is sent."""
    if client_key is not None and client_cert is None:
        raise TransportError("CLIENT_KEY needs CLIENT_CERT: the key of which certificate?")
    if insecure and ca_bundle is not None:
        raise TransportError("INSECURE=1 and CA_BUNDLE contradict each other: choose one")
    for name, path in (("CA_BUNDLE", ca_bundle), ("CLIENT_CERT", client_cert),
                       ("CLIENT_KEY", client_key)):  # fmt: skip
        if path is not None:  # a regular file of a PEM's size, or one line saying why not
            try:
                read_input_file(path, MAX_PEM_BYTES)
            except InputFileError as exc:
                raise TransportError(f"{name} {path}: {exc}") from None
    if proxy and not proxy.startswith(("http://", "https://", "socks5://")):
        raise TransportError(f"PROXY {proxy!r} is not an http(s):// or socks5:// URL")
    transport = Transport(
        headers=tuple(parse_header(text) for text in headers if text.strip()),
        timeout=timeout,
        ca_bundle=ca_bundle,
        client_cert=client_cert,
        client_key=client_key,
        insecure=insecure,
        proxy=proxy or None,
        rate_limit=rate_limit,
    )
    try:
        transport.verify()  # a CA bundle or certificate that does not load fails here
    except (ssl.SSLError, OSError) as exc:
        raise TransportError(f"TLS settings cannot be used: {exc}") from None
    return transport


__all__ = ["Transport", "TransportError", "build_transport", "parse_header"]
