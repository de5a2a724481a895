"""One HTTP request and its answer, as the probes send them and the reports print them.

Requests are kept as exact bytes and header pairs (a probe may send a body that is not
JSON, no Content-Type, or 17 KiB of headers), and rendered as a curl line that reproduces
them as printed: the token is written as ``"$AUTH_TOKEN"`` (never its value), and bodies or
header blocks too long for a command line go to files beside the report.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from fuzz_harness.transport import Transport
from jobs_metrics_spec import SignatureRules, aksk, signature_rules, spec_document

# Header values that are secrets, by the environment variable a user sets to reproduce.
TOKEN_VARIABLES = ("AUTH_TOKEN", "OTHER_AUTH_TOKEN", "AK", "OTHER_AK", "SK", "OTHER_SK")
# ``$AUTH_TOKEN`` (``${AUTH_TOKEN}`` before other characters), or a near miss of it written as a
# bash expansion, so that a curl line shows the near miss without the secret:
# ``${AUTH_TOKEN%?}`` (the last character dropped), ``${AUTH_TOKEN~~}`` (letter case swapped).
_NAMES = "|".join(TOKEN_VARIABLES)
PLACEHOLDER = re.compile(rf"\$(?:\{{(?:{_NAMES})(?:%\?|~~)?\}}|(?:{_NAMES})\b)")
INLINE_LIMIT = 400  # longer bodies and headers go to a file beside the report
CHUNK = 64 * 1024  # chunk size of a chunked request body


@dataclass(frozen=True)
class Signing:
    """How a request to the successor operation is signed when it is sent (AK/SK).

    A signature holds the time it is sent (``X-Sdk-Date``) and the Host the client connects
    to, so it is made by the :class:`Sender`, never stored. The defaults sign as the
    provider's SDK does; each other field makes one signing fault a probe sends:
    ``access``/``secret`` are placeholders (``$AK``, a near miss ``${AK}x``, or a literal),
    ``skew_seconds`` moves the date, ``date`` writes it literally (``None``: now; ``""``: no
    date header), ``unsigned`` headers left out of ``SignedHeaders``, ``phantom`` a header
    signed but not sent, ``payload_hash`` a body hash other than the body's (and sent as
    ``X-Sdk-Content-Sha256``), ``signed_body``/``signed_path``/``signed_method`` what was
    signed when the request sent differs, ``flip`` a signature with its last digit changed,
    ``authorization_edit`` a regular expression and its replacement applied once to the
    ``Authorization`` value made (one element of its grammar altered: the algorithm token, a
    parameter, the ``SignedHeaders`` list), ``appended`` headers sent after it unsigned,
    ``repeat`` headers (by name) sent a second time with the same value, ``date_format`` the
    date of now written in another format than the SDK's.
    """

    access: str = "$AK"
    secret: str = "$SK"
    skew_seconds: int = 0
    date: str | None = None
    unsigned: tuple[str, ...] = ()
    phantom: tuple[str, str] | None = None
    payload_hash: str | None = None
    signed_body: bytes | None = None
    signed_path: str | None = None
    signed_method: str | None = None
    flip: bool = False
    appended: tuple[tuple[str, str], ...] = ()
    authorization_edit: tuple[str, str] | None = None
    repeat: tuple[str, ...] = ()
    date_format: str | None = None
    # The scheme signed with (``x-signature`` of the operation's spec: its date header, date
    # format and content-hash header); None: the toolkit's own spec's.
    scheme: tuple[str, str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["signed_body"] = (
            None if self.signed_body is None else self.signed_body.decode("latin-1")
        )
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signing:
        fields = {**data}
        body = fields.get("signed_body")
        fields["signed_body"] = None if body is None else str(body).encode("latin-1")
        fields["unsigned"] = tuple(fields.get("unsigned") or ())
        fields["phantom"] = tuple(fields["phantom"]) if fields.get("phantom") else None
        fields["appended"] = tuple(tuple(pair) for pair in fields.get("appended") or ())
        edit = fields.get("authorization_edit")
        fields["authorization_edit"] = tuple(edit) if edit else None
        fields["repeat"] = tuple(fields.get("repeat") or ())
        scheme = fields.get("scheme")
        fields["scheme"] = (str(scheme[0]), str(scheme[1]), str(scheme[2])) if scheme else None
        return cls(**fields)


def scheme_of(rules: SignatureRules) -> tuple[str, str, str]:
    """What :class:`Signing` needs of a spec's ``x-signature``."""
    return rules.date_header, rules.date_format, rules.content_hash_header


@cache
def spec_scheme() -> tuple[str, str, str]:
    """The toolkit's own spec's signing scheme (a Signing made without one signs so)."""
    return scheme_of(signature_rules(spec_document()))


@dataclass(frozen=True)
class Request:
    """An HTTP request: ``headers`` may name ``$AUTH_TOKEN`` placeholders for secrets;
    ``signing`` says how the sender signs it (the successor operation's AK/SK)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    # Sent with ``Transfer-Encoding: chunked`` instead of ``Content-Length`` (in chunks of
    # CHUNK bytes), as streaming clients and proxies send bodies.
    chunked: bool = False
    signing: Signing | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "headers": [list(pair) for pair in self.headers],
            "body": None if self.body is None else self.body.decode("latin-1"),
            "chunked": self.chunked,
            "signing": None if self.signing is None else self.signing.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Request:
        body = data.get("body")
        return cls(
            method=data["method"],
            path=data["path"],
            headers=tuple((str(k), str(v)) for k, v in data.get("headers", [])),
            body=None if body is None else str(body).encode("latin-1"),
            chunked=bool(data.get("chunked", False)),
            signing=Signing.from_json(data["signing"]) if data.get("signing") else None,
        )


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    error: str | None = None  # set when no HTTP answer came (connection refused, reset, ...)
    closed_unanswered: bool = False  # the connection closed (or was reset) before any answer
    new_connection: bool = True  # sent on a connection opened for it (False: one kept alive)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body as strict JSON (RFC 8259: no NaN or Infinity); None if it is not."""
        return parse_json(self.body)


class NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise NotJson(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """Strict JSON: ``NaN``, ``Infinity`` and numbers past a double are refused (None)."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if _finite(value) else None


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


_THREAD = threading.local()


def _tls() -> ssl.SSLContext:
    """One TLS context per thread for the harness' clients (an https BASE_URL). httpx would
    build one per client, loading the CA bundle each time (30 ms of CPU), and a failure's
    recheck opens a client per send. Not one for all threads: httpcore sets the context's
    ALPN protocols on each connection, and the self-test runs its fuzz runs in threads."""
    context: ssl.SSLContext | None = getattr(_THREAD, "tls", None)
    if context is None:
        context = _THREAD.tls = httpx.create_ssl_context()
    return context


def _closed(error: httpx.HTTPError) -> bool:
    """The connection closed or was reset before an answer began: not a refused connection,
    a timeout, or an answer that is not HTTP."""
    if isinstance(error, httpx.RemoteProtocolError):
        return str(error).startswith("Server disconnected without sending a response")
    return isinstance(error, httpx.ReadError | httpx.WriteError)


def _chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


@dataclass
class Sender:
    """Sends requests to one server, substituting the secrets for their placeholders.

    ``send`` keeps one keep-alive connection, as clients do; ``send_fresh`` opens a new one
    per call, so a failure can be told apart from the connection it was sent on. ``previous``
    is the request sent before the last one on the kept connection.
    """

    base_url: str
    secrets: dict[str, str] = field(default_factory=dict)  # variable name -> value
    transport: Transport = field(default_factory=Transport)  # TLS, proxy, headers, rate
    sent: int = 0
    previous: Request | None = None
    _last: Request | None = None
    # 429s met (each sent again after a pause): (path, answer), the first ones kept; and the
    # requests still throttled after every try.
    throttled: list[tuple[str, Answer]] = field(default_factory=list)
    gave_up: int = 0

    _client: httpx.Client | None = field(default=None, init=False, repr=False, compare=False)
    _verify: ssl.SSLContext | bool | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def _new_client(self) -> httpx.Client:
        if self.transport == Transport():
            verify: ssl.SSLContext | bool = _tls()
        else:  # the user's TLS settings, loaded once for this sender (its thread's)
            if self._verify is None:
                self._verify = self.transport.verify()
            verify = self._verify
        return httpx.Client(
            timeout=self.transport.http_timeout(),
            follow_redirects=False,
            verify=verify,
            proxy=self.transport.proxy,
        )

    def _kept(self) -> httpx.Client:
        """The keep-alive client, opened when the first request is sent (a Sender that only
        signs requests, to print or check them, opens none)."""
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def resolve(self, value: str) -> str:
        for name, secret in self.secrets.items():
            value = value.replace(f"${{{name}%?}}", secret[:-1])
            value = value.replace(f"${{{name}~~}}", secret.swapcase())
            value = value.replace(f"${{{name}}}", secret)
            value = value.replace(f"${name}", secret)
        return value

    def send(self, request: Request) -> Answer:
        """``request`` on the kept connection. Sent again, once, on a new one if the kept
        connection closed before any answer: a server may close a persistent connection
        between requests at any time, and a client must be prepared to retry (RFC 9112,
        9.3.1.1; schemathesis, browsers and curl do). A request can cross the close: Granian
        closed some connections after a refusal that left the body unread, without saying
        so, and the next probe, judged as is, was a false ``connection-stable`` failure in a
        few of a hundred runs. A new connection closed unanswered is the answer."""
        self.previous, self._last = self._last, request
        answer = self._patient(self._kept, request)
        if answer.closed_unanswered and not answer.new_connection:
            answer = self._patient(self._kept, request)
        return answer

    def send_fresh(self, *requests: Request) -> list[Answer]:
        """Send ``requests`` in turn on one new connection, closed after."""
        with self._new_client() as client:
            return [self._patient(lambda: client, request) for request in requests]

    def _patient(self, client: Callable[[], httpx.Client], request: Request) -> Answer:
        """``request``, sent again after a pause while the answer is the gateway's throttling
        (429), as client code does (``Retry-After`` when it says, else a doubling backoff):
        a throttled request says nothing about the rule it probes. Each 429 is kept to be
        judged by the ``throttled`` rule; one still throttled after every try is counted."""
        answer = self._send(client(), request)
        for attempt in range(THROTTLE_TRIES):
            if answer.status != 429:
                return answer
            if len(self.throttled) < KEEP_THROTTLED:
                self.throttled.append((request.path, answer))
            time.sleep(_pause(answer.header("retry-after"), attempt))
            answer = self._send(client(), request)
        if answer.status == 429:
            self.gave_up += 1
        return answer

    def signed(self, request: Request) -> list[tuple[str, str]]:
        """The request's headers with the secrets resolved, signed as ``request.signing`` says."""
        headers = [(name, self.resolve(value)) for name, value in request.headers]
        signing = request.signing
        if signing is None:
            return headers
        names = {name.lower() for name, _ in headers}
        date_header, date_format, hash_header = signing.scheme or spec_scheme()
        if "host" not in names:
            headers.insert(0, ("Host", httpx.URL(self.base_url).netloc.decode("ascii")))
        if signing.date != "" and date_header.lower() not in names:
            moment = datetime.now(UTC) + timedelta(seconds=signing.skew_seconds)
            form = signing.date_format or date_format
            headers.append((date_header, signing.date or aksk.sdk_date(moment, form)))
        if signing.payload_hash is not None:
            headers.append((hash_header, signing.payload_hash))
        to_sign = [(n, v) for n, v in headers if n.lower() not in signing.unsigned]
        if signing.phantom:
            to_sign.append(signing.phantom)
        base_path = httpx.URL(self.base_url).path.rstrip("/")
        path, _, query = (signing.signed_path or request.path).partition("?")
        value = aksk.sign(
            signing.signed_method or request.method,
            base_path + path,
            to_sign,
            (request.body or b"") if signing.signed_body is None else signing.signed_body,
            self.resolve(signing.access),
            self.resolve(signing.secret),
            query=parse_qsl(query, keep_blank_values=True),
            payload_hash=signing.payload_hash,
        )
        if signing.flip:
            value = value[:-1] + ("0" if value[-1] != "0" else "1")
        if signing.authorization_edit is not None:
            pattern, replacement = signing.authorization_edit
            value = re.sub(pattern, replacement, value, count=1)
        headers.append(("Authorization", value))
        wanted = {name.lower() for name in signing.repeat}
        again = [(name, text) for name, text in headers if name.lower() in wanted]
        return [*headers, *again, *signing.appended]

    def _send(self, client: httpx.Client, request: Request) -> Answer:
        self.transport.wait_turn()
        self.sent += 1
        headers = self.transport.with_extra_headers(self.signed(request))
        content: bytes | Iterator[bytes] | None = request.body
        if request.chunked:
            content = _chunks(request.body or b"")
        connected: list[str] = []

        def trace(event: str, _: object) -> None:  # httpx's trace extension, public
            if event.startswith("connection.connect_") and event.endswith(".started"):
                connected.append(event)

        try:
            response = client.request(
                request.method,
                self.base_url + request.path,
                headers=headers,
                content=content,
                extensions={"trace": trace},
            )
        except httpx.HTTPError as exc:
            return Answer(
                0,
                {},
                b"",
                error=f"{type(exc).__name__}: {exc}",
                closed_unanswered=_closed(exc),
                new_connection=bool(connected),
            )
        return Answer(
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            response.content,
            new_connection=bool(connected),
        )


# How often a throttled request is sent again, and how many 429s are kept to be judged.
THROTTLE_TRIES = 5
KEEP_THROTTLED = 20
MAX_PAUSE = 5.0


def _pause(retry_after: str | None, attempt: int) -> float:
    """Seconds before a throttled request is sent again: the answer's ``Retry-After`` (in
    seconds, at most ``MAX_PAUSE``), else 0.25 s doubled each try."""
    if retry_after is not None and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), MAX_PAUSE)
    return min(0.25 * 2.0**attempt, MAX_PAUSE)


def curl(request: Request, base_url: str, files: Path | None = None, name: str = "req") -> str:
    """A curl line that sends ``request`` again, as printed (secrets from the environment)."""
    parts = ["curl", "-sS", "-i", "-X", request.method]
    for header, value in request.headers:
        line = f"{header}: {value}"
        if PLACEHOLDER.search(value):
            parts += ["-H", _double_quoted(line)]
        elif len(line) > INLINE_LIMIT and files is not None:
            path = _write(files, f"{name}.headers", (line + "\n").encode("latin-1"))
            parts += ["-H", shlex.quote(f"@{path}")]
        else:
            parts += ["-H", shlex.quote(line)]
    if request.signing is not None:
        # A signature holds the time it was made: no fixed header reproduces it after the
        # skew window, so the line names it and `replay` signs the request anew.
        parts += [
            "-H",
            shlex.quote("Authorization: SDK-HMAC-SHA256 (signed when sent: use replay)"),
        ]
    if request.chunked:
        parts += ["-H", shlex.quote("Transfer-Encoding: chunked")]
    if request.body is not None:
        if not any(h.lower() == "content-type" for h, _ in request.headers):
            parts += ["-H", shlex.quote("Content-Type:")]  # curl would add a form content type
        text = request.body.decode("latin-1")
        if (len(text) > INLINE_LIMIT or not text.isprintable()) and files is not None:
            path = _write(files, f"{name}.body", request.body)
            parts += ["--data-binary", shlex.quote(f"@{path}")]
        else:
            parts += ["--data-binary", shlex.quote(text)]
    if request.method == "HEAD":
        parts[parts.index("-X") : parts.index("-X") + 2] = ["-I"]  # curl waits for a body else
    parts.append(shlex.quote(base_url + request.path))
    return " ".join(parts)


def _double_quoted(text: str) -> str:
    """``text`` in double quotes, the shell (bash) expanding only the token placeholders in it."""
    quoted, end = [], 0
    for match in PLACEHOLDER.finditer(text):
        quoted += [re.sub(r'([\\"`$])', r"\\\1", text[end : match.start()]), match.group(0)]
        end = match.end()
    quoted.append(re.sub(r'([\\"`$])', r"\\\1", text[end:]))
    return '"' + "".join(quoted) + '"'


def _write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = (folder / name).resolve()
    path.write_bytes(data)
    return path
