"""Fault-injected variants of the reference server, for the harness' self-test.

Each fault breaks the contract in exactly one way. ``make fuzz-selftest`` fuzzes every
variant and requires the harness to fail each of them, and to pass the real server: a
harness that passes broken servers is worth nothing. ``python -m fuzz_selftest.fault_server
serve --fault NAME`` serves one variant by hand.

The faults wrap the real app from the outside (``FaultMiddleware``): they edit the request on
its way in or the answer on its way out, or start the real app with one limit lifted, so the
rest of the server stays the real one and the reference server has no fault switch.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import orjson

from jobs_metrics_spec import SignatureRules, aksk, signature_rules, spec_document
from reference_server import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    Settings,
    Store,
    create_app,
)


@cache
def _signature() -> SignatureRules:
    return signature_rules(spec_document())


@dataclass
class Traffic:
    """One request and the answer the real app gave, for a fault to edit."""

    path: str
    headers: dict[bytes, bytes]
    body: bytes
    method: str = "POST"
    connection: object = None  # the client's (host, port): one keep-alive connection
    # Set by a ``before`` edit to answer without calling the real app (status, type, body).
    answer_now: tuple[int, bytes, bytes] | None = None
    # Set by a ``before`` edit: the app gets one copy of each header (the last), as a lax
    # server reads them.
    collapse_headers: bool = False
    # The path as sent (percent-encoded), and whether a ``before`` edit has the app read
    # ``path`` as if it had been sent so (an encoded slash decoded).
    raw_path: bytes = b""
    rebuild_raw_path: bool = False
    status: int = 0
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    response: bytes = b""

    def request_json(self) -> Any:
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None

    def response_json(self) -> Any:
        return orjson.loads(self.response)

    def set_json(self, value: Any) -> None:
        self.response = orjson.dumps(value)

    def edit_jobs(
        self, edit: Callable[[dict[str, Any]], None], dumps: Callable[[Any], bytes] = orjson.dumps
    ) -> None:
        data = self.response_json()
        envelope = data.get("payload") or data.get("metrics") or {}  # CS's or DLI's
        for job in envelope.get("jobs", []):
            edit(job)
        self.response = dumps(data)


def _streams(job: dict[str, Any]) -> list[dict[str, Any]]:
    metrics = job.get("metrics", {})
    return [*metrics.get("sources", []), *metrics.get("sinks", [])]


@dataclass(frozen=True)
class Fault:
    """One way of breaking the contract."""

    name: str
    description: str
    # The x-contract rule the fault breaks: the harness must report it failed (others may
    # fail too). A rule of the successor operation is ``showFlinkMetric/<rule>``, as the
    # report names it. Its level (the spec's) decides whether a run without STRICT fails.
    breaks: str
    # Edits the request before the real app sees it (headers, path).
    before: Callable[[Traffic, Settings], None] | None = None
    # Edits the answer after the real app gave it; only called for the given statuses.
    after: Callable[[Traffic, Store], None] | None = None
    statuses: tuple[int, ...] = (200,)
    # Settings of the real app changed for this fault (a limit lifted).
    settings: dict[str, Any] = field(default_factory=dict)


def _records_as_string(ex: Traffic, _: Store) -> None:
    def edit(job: dict[str, Any]) -> None:
        for stream in _streams(job):
            stream["records"] = str(stream.get("records", 0))

    ex.edit_jobs(edit)


def _negative_count(ex: Traffic, _: Store) -> None:
    def edit(job: dict[str, Any]) -> None:
        for stream in _streams(job):
            stream["corrupted_records"] = -1

    ex.edit_jobs(edit)


def _null_rate(ex: Traffic, _: Store) -> None:
    ex.edit_jobs(lambda job: job.setdefault("metrics", {}).update(total_read_rate=None))


def _count_past_int64(ex: Traffic, _: Store) -> None:
    def edit(job: dict[str, Any]) -> None:
        for stream in _streams(job):
            stream["records"] = 2**64

    # orjson refuses integers past 64 bits, as a careful server would; the stdlib does not.
    ex.edit_jobs(edit, dumps=lambda data: json.dumps(data).encode())


def _misspelled_field(ex: Traffic, _: Store) -> None:
    def edit(job: dict[str, Any]) -> None:
        job["jobId"] = job.pop("job_id", 0)

    ex.edit_jobs(edit)


def _time_as_string(ex: Traffic, _: Store) -> None:
    data = ex.response_json()
    data["current_time"] = str(data.get("current_time"))
    ex.set_json(data)


def _unrequested_job(ex: Traffic, store: Store) -> None:
    """Answers with jobs the caller did not ask for (the project's first jobs)."""
    data = ex.response_json()
    project = ex.path.split("/")[2]
    extra = store.job_json(project, list(range(1, 4)))
    data.setdefault("payload", {}).setdefault("jobs", [])
    data["payload"]["jobs"] += [orjson.loads(text) for text in extra.values()]
    ex.set_json(data)


def _undocumented_status(ex: Traffic, _: Store) -> None:
    if ex.response_json().get("error_id") == "CS.10003":
        ex.status = 422


def _wrong_content_type(ex: Traffic, _: Store) -> None:
    ex.response_headers = [(b"content-type", b"text/plain; charset=utf-8")]


def _empty_200(ex: Traffic, _: Store) -> None:
    ex.response = b""


def _server_error_on_big_ids(ex: Traffic, _: Store) -> None:
    """A 500 on valid input: IDs past 2^31 overflow an imagined int32 column."""
    request = ex.request_json()
    ids = request.get("job_ids", []) if isinstance(request, dict) else []
    if any(isinstance(i, int) and i > 2**31 - 1 for i in ids):
        ex.status = 500
        ex.response_headers = [(b"content-type", b"text/plain")]
        ex.response = b"Internal Server Error"


def _accept_invalid_body(ex: Traffic, _: Store) -> None:
    """Answers schema violations and bad JSON with an empty success."""
    if ex.response_json().get("error_id") in ("CS.10003", "CS.10004"):
        ex.status = 200
        ex.set_json(
            {"message_id": "CS.10001", "message": "ok", "current_time": 1, "payload": {"jobs": []}}
        )


def _malformed_error_body(ex: Traffic, _: Store) -> None:
    ex.set_json({"error": ex.response_json().get("error_cause", "failed")})


def _use_path_projects_token(ex: Traffic, settings: Settings) -> None:
    """Put the token of the project named in the path on the request, if one is known."""
    project = ex.path.split("/")[2] if ex.path.count("/") >= 2 else ""
    for token, owner in settings.accepted_tokens.items():
        if owner == project:
            ex.headers[b"x-auth-token"] = token.encode()


def _ignore_missing_token(ex: Traffic, settings: Settings) -> None:
    """Serves a request with no token as if it carried the path project's token."""
    if b"x-auth-token" not in ex.headers:
        _use_path_projects_token(ex, settings)


def _accept_any_token(ex: Traffic, settings: Settings) -> None:
    """Takes any unknown token as the path project's (checks presence only)."""
    token = ex.headers.get(b"x-auth-token")
    if token and token.decode("latin-1") not in settings.accepted_tokens:
        _use_path_projects_token(ex, settings)


def _ignore_project_id(ex: Traffic, settings: Settings) -> None:
    """Serves the token's project whatever project the path names."""
    token = ex.headers.get(b"x-auth-token", b"").decode("latin-1")
    parts = ex.path.split("/")
    if token in settings.accepted_tokens and len(parts) > 2:
        parts[2] = settings.accepted_tokens[token]
        ex.path = "/".join(parts)


def _no_allow_header(ex: Traffic, _: Store) -> None:
    ex.response_headers = [(k, v) for k, v in ex.response_headers if k != b"allow"]


def _wrong_method_status(ex: Traffic, _: Store) -> None:
    ex.status = 404


def _leak_foreign_jobs(ex: Traffic, store: Store) -> None:
    """Answers requested jobs of any project, not only the token's (a cross-tenant leak)."""
    data = ex.response_json()
    request = ex.request_json()
    ids = request.get("job_ids", []) if isinstance(request, dict) else []
    jobs = data.setdefault("payload", {}).setdefault("jobs", [])
    returned = {job.get("job_id") for job in jobs}
    wanted = [i for i in ids if isinstance(i, int) and i not in returned]
    found: dict[int, str] = {}
    for project in store.projects():
        found.update(store.job_json(project, wanted))
    order = {job_id: index for index, job_id in enumerate(ids) if isinstance(job_id, int)}
    jobs += [orjson.loads(text) for text in found.values()]
    jobs.sort(key=lambda job: order.get(job.get("job_id"), 0))
    ex.set_json(data)


def _never_found(ex: Traffic, _: Store) -> None:
    data = ex.response_json()
    data.setdefault("payload", {})["jobs"] = []
    ex.set_json(data)


def _edit_error_id(mapping: dict[str, str]) -> Callable[[Traffic, Store], None]:
    def edit(ex: Traffic, _: Store) -> None:
        data = ex.response_json()
        if data.get("error_id") in mapping:
            data["error_id"] = mapping[data["error_id"]]
            ex.set_json(data)

    return edit


def _accept_non_json(ex: Traffic, _: Settings) -> None:
    """Reads any body as JSON, whatever its content type says."""
    media = ex.headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if media != b"application/json":
        ex.headers[b"content-type"] = b"application/json"


def _text_body(ex: Traffic, _: Store) -> None:
    ex.response_headers = [(k, v) for k, v in ex.response_headers if k != b"content-type"]
    ex.response_headers.append((b"content-type", b"text/plain"))
    ex.response = b"Method Not Allowed" if ex.status == 405 else b"Not Found"


def _successor_path(path: str) -> bool:
    return "/streaming/" in path


def _collapse_cs_headers(ex: Traffic, _: Settings) -> None:
    """The CS operation's headers reach the app one copy each (the last): a should rule's
    fault (``header-duplicate``). The successor's are left alone: there, a signing header
    twice is a must rule's, and ``signing-headers-collapsed`` is its fault."""
    ex.collapse_headers = not _successor_path(ex.path)


def _collapse_signing_headers(ex: Traffic, _: Settings) -> None:
    """The successor's headers reach the app one copy each (the last): a copy of a signing
    header added after signing is read instead of the signed one."""
    ex.collapse_headers = _successor_path(ex.path)


def _drop_content_encoding(ex: Traffic, _: Settings) -> None:
    """Ignores a content coding: the body is read as if plain (``identity``, which means
    plain, is left as sent: a signature may cover it)."""
    if ex.headers.get(b"content-encoding", b"identity").strip().lower() != b"identity":
        ex.headers.pop(b"content-encoding", None)


def _lower_project(ex: Traffic, _: Settings) -> None:
    """Accepts a project ID in any case (compares it lower-cased)."""
    parts = ex.path.split("/")
    if len(parts) > 2:
        parts[2] = parts[2].lower()
        ex.path = "/".join(parts)


def _prefix_token(ex: Traffic, settings: Settings) -> None:
    """Compares tokens by prefix: any token that starts with a valid one is that one."""
    token = ex.headers.get(b"x-auth-token", b"").decode("latin-1")
    for known in settings.accepted_tokens:
        if token.startswith(known):
            ex.headers[b"x-auth-token"] = known.encode()


def _token_any_case(ex: Traffic, settings: Settings) -> None:
    """Compares tokens without regard to letter case."""
    token = ex.headers.get(b"x-auth-token", b"").decode("latin-1")
    for known in settings.accepted_tokens:
        if token.lower() == known.lower():
            ex.headers[b"x-auth-token"] = known.encode()


def _dedupe_equal_numbers(ex: Traffic, _: Settings) -> None:
    """Reads 7 and 7.0 as two IDs: the body's IDs are made distinct before validation."""
    body = ex.request_json()
    ids = body.get("job_ids") if isinstance(body, dict) else None
    if isinstance(ids, list) and any(isinstance(i, float) for i in ids):
        kept: dict[str, Any] = {}
        for job_id in ids:
            kept.setdefault(repr(job_id), int(job_id) if isinstance(job_id, float) else job_id)
        unique = list(dict.fromkeys(kept.values()))
        ex.body = orjson.dumps({**body, "job_ids": unique})


def _split_id_string(ex: Traffic, _: Settings) -> None:
    """Accepts ``"1,2"`` for ``job_ids`` (split on commas)."""
    body = ex.request_json()
    ids = body.get("job_ids") if isinstance(body, dict) else None
    if isinstance(ids, str):
        with contextlib.suppress(ValueError):
            ex.body = orjson.dumps({**body, "job_ids": [int(p) for p in ids.split(",")]})


def _refuse_media_parameters(ex: Traffic, _: Settings) -> None:
    """Compares Content-Type byte for byte: a parameter or upper case is refused."""
    if ex.headers.get(b"content-type", b"application/json") != b"application/json":
        ex.headers[b"content-type"] = b"text/plain"


# -- faults the transform catalogue's rows catch (fuzz_harness/transforms.py) ---------------
# Each edits the body or a header the way one lenient or strict parser reads it, so that the
# real app then accepts what the grammar excludes, or refuses the same request in another
# spelling.


def _refuse_json_whitespace(ex: Traffic, _: Settings) -> None:
    """A hand-written parser that knows the whitespace its own clients write (after ``:`` and
    ``,``) and no other: tabs, line breaks, or a space around a bracket or before a colon."""
    if re.search(rb"[\t\r\n]|[\[{] | [\]}:,]", ex.body):
        ex.body = b"{"  # what it makes of it: not JSON


def _refuse_key_escapes(ex: Traffic, _: Settings) -> None:
    """Matches the key "job_ids" byte for byte: an escaped spelling of it is unknown."""
    if b"\\u" in ex.body:
        ex.body = b'{"unknown":1}'


def _lenient(rewrite: Callable[[bytes], bytes]) -> Callable[[Traffic, Settings], None]:
    """A parser that reads, as JSON, text that is not (it repairs it first)."""

    def before(ex: Traffic, _: Settings) -> None:
        if ex.request_json() is None:
            ex.body = rewrite(ex.body)

    return before


def _first_value(body: bytes) -> bytes:
    try:
        value, _ = json.JSONDecoder().raw_decode(body.decode("utf-8", "replace").strip())
    except ValueError:
        return body
    return json.dumps(value).encode()


def _from_utf16(body: bytes) -> bytes:
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16").encode()
    return body


def _refuse_quoted_charset(ex: Traffic, _: Settings) -> None:
    """Splits parameters on ``=`` without RFC 9110's quoted strings: ``"utf-8"`` is refused."""
    if b'"' in ex.headers.get(b"content-type", b""):
        ex.headers[b"content-type"] = b"text/plain"


def _refuse_proxy_headers(ex: Traffic, _: Settings) -> None:
    """Refuses requests that went through a proxy (a Via header): deployments add one."""
    if b"via" in ex.headers:
        ex.headers[b"content-type"] = b"text/plain"


def _crash_on_null_ids(ex: Traffic, _: Settings) -> None:
    """Dereferences job_ids before checking its type: a null crashes the handler."""
    value = ex.request_json()
    if isinstance(value, dict) and "job_ids" in value and value["job_ids"] is None:
        ex.answer_now = (500, b"text/plain", b"Internal Server Error")


def _crash_on_chunked(ex: Traffic, _: Settings) -> None:
    if ex.headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        ex.answer_now = (500, b"text/plain", b"Internal Server Error")


def _limit_only_with_length(ex: Traffic, settings: Settings) -> None:
    """Enforces the body limit by Content-Length only: a chunked body of any size is read."""
    if b"content-length" not in ex.headers and len(ex.body) > settings.max_body:
        ex.body = ex.body.rstrip()  # the probe pads with spaces: the rest is a valid body


def _head_ok(ex: Traffic, _: Store) -> None:
    if ex.method == "HEAD":
        ex.status = 200


def _options_no_content(ex: Traffic, _: Store) -> None:
    if ex.method == "OPTIONS":
        ex.status, ex.response = 204, b""


def _html_404_with_slash(ex: Traffic, _: Store) -> None:
    if ex.path.endswith("/"):
        ex.response_headers = [(b"content-type", b"text/html; charset=utf-8")]
        ex.response = b"<html><body><h1>404 Not Found</h1></body></html>"


def _time_in_seconds(ex: Traffic, _: Store) -> None:
    data = ex.response_json()
    if isinstance(data.get("current_time"), int):
        data["current_time"] //= 1000
        ex.set_json(data)


def _metrics_shifted(ex: Traffic, _: Store) -> None:
    """Each job gets the metrics of the job after it in the answer (an off-by-one join)."""
    data = ex.response_json()
    jobs = data.get("payload", {}).get("jobs", [])
    metrics = [job.get("metrics") for job in jobs]
    for job, shifted in zip(jobs, metrics[1:] + metrics[:1], strict=True):
        job["metrics"] = shifted
    ex.set_json(data)


def _count_hidden_jobs(ex: Traffic, store: Store) -> None:
    """The message says how many requested jobs belong to other projects."""
    request = ex.request_json()
    ids = [i for i in request.get("job_ids", []) if isinstance(i, int)]
    project = ex.path.split("/")[2]
    hidden = sum(len(store.job_json(p, ids)) for p in store.projects() if p != project)
    data = ex.response_json()
    data["message"] = f"Job monitoring information queried ({hidden} jobs hidden)."
    ex.set_json(data)


_calls = {"n": 0}


def _sometimes_500(ex: Traffic, _: Store) -> None:
    """One answer in 20 is a 500, whatever the request."""
    _calls["n"] += 1
    if _calls["n"] % 20 == 0:
        ex.status, ex.response_headers = 500, [(b"content-type", b"text/plain")]
        ex.response = b"Internal Server Error"


_poisoned: set[object] = set()


def _desync_after_refusal(ex: Traffic, _: Store) -> None:
    """After a refusal, the next request on the same connection is read from the leftover
    bytes of the refused one (as a server that leaves a refused body unread does)."""
    if ex.connection in _poisoned:
        _poisoned.discard(ex.connection)
        ex.status, ex.response_headers = 400, [(b"content-type", b"application/json")]
        ex.set_json(
            {
                "error_id": "CS.10004",
                "error_name": "INVALID_JSON",
                "error_cause": "The request body is not valid JSON.",
                "error_suggestion": "Send a JSON object.",
                "error_time": 1,
            }
        )
    elif ex.status == 400:
        _poisoned.add(ex.connection)


# ---- the successor's AK/SK signature: each fault skips one check of the verifier ----------
#
# A fault re-signs the request as received with the access key's own secret key (which a
# server that skips that check would, in effect, accept), so that the real app, whose
# verifier is complete, serves it.


def _signed_request(ex: Traffic, settings: Settings) -> tuple[aksk.Authorization, str] | None:
    """The request's parsed signature and its key's secret, when the server knows the key."""
    parsed = aksk.parse_authorization(ex.headers.get(b"authorization", b"").decode("latin-1"))
    key = settings.accepted_access_keys.get(parsed.access_key) if parsed else None
    if parsed is None or key is None:
        return None
    return parsed, key.secret_key


def _headers_as_signed(ex: Traffic) -> dict[str, str]:
    return {name.decode("latin-1").lower(): aksk.header_text(v) for name, v in ex.headers.items()}


def _expected(
    ex: Traffic, secret: str, signed: tuple[str, ...], payload_hash: str | None = None
) -> str | None:
    """The right signature over the request as it now is (None: a signed header is absent)."""
    headers = _headers_as_signed(ex)
    if any(name not in headers for name in signed):
        return None
    return aksk.expected_signature(
        secret, ex.method, ex.path, (), headers, signed, payload_hash or aksk.body_hash(ex.body)
    )


def _resign(ex: Traffic, parsed: aksk.Authorization, secret: str) -> None:
    """Replace the signature with a right one over the request as it now is (the same key and
    signed headers); a signed header the request lacks leaves it as it was."""
    value = _expected(ex, secret, parsed.signed_headers)
    if value is not None:
        ex.headers[b"authorization"] = aksk.authorization_header(
            parsed.access_key, parsed.signed_headers, value
        ).encode()


def _verifies(
    ex: Traffic, parsed: aksk.Authorization, secret: str, payload_hash: str | None = None
) -> bool:
    expected = _expected(ex, secret, parsed.signed_headers, payload_hash)
    return expected is not None and aksk.signatures_equal(parsed.signature, expected)


def _signature_not_checked(ex: Traffic, settings: Settings) -> None:
    """Any signature of a known access key is taken (only the key is looked up)."""
    found = _signed_request(ex, settings)
    if found is not None:
        _resign(ex, *found)


def _skew_not_checked(ex: Traffic, settings: Settings) -> None:
    """A stale or future X-Sdk-Date is taken: the signature is checked, the clock is not."""
    found = _signed_request(ex, settings)
    date = ex.headers.get(b"x-sdk-date", b"").decode("latin-1")
    if found is None or not date:
        return
    try:
        moment = datetime.strptime(date, _signature().date_format).replace(tzinfo=UTC)
    except ValueError:
        return
    parsed, secret = found
    if not _verifies(ex, parsed, secret):
        return  # a wrong signature stays wrong
    if abs((datetime.now(UTC) - moment).total_seconds()) > _signature().max_skew_seconds / 2:
        ex.headers[b"x-sdk-date"] = aksk.sdk_date(date_format=_signature().date_format).encode()
        _resign(ex, parsed, secret)


def _body_not_covered(ex: Traffic, settings: Settings) -> None:
    """Takes X-Sdk-Content-Sha256 (UNSIGNED-PAYLOAD included) as the body's hash, as the SDK
    does for bodies that are not JSON, instead of hashing the body received."""
    found = _signed_request(ex, settings)
    claimed = ex.headers.get(b"x-sdk-content-sha256", b"").decode("latin-1")
    if found is None or not claimed:
        return
    parsed, secret = found
    if _verifies(ex, parsed, secret, payload_hash=claimed):
        ex.headers[b"x-sdk-content-sha256"] = aksk.body_hash(ex.body).encode()
        _resign(ex, parsed, secret)


def _project_not_bound(ex: Traffic, settings: Settings) -> None:
    """A valid key of any project is served its own project's jobs on another project's
    path (the key is checked, its project is not compared with the path or X-Project-Id)."""
    found = _signed_request(ex, settings)
    parts = ex.path.split("/")
    if found is None or len(parts) < 3:
        return
    parsed, secret = found
    if not _verifies(ex, parsed, secret):
        return
    owner = settings.accepted_access_keys[parsed.access_key].project_id
    changed = False
    if parts[2] != owner and len(parts[2]) == len(owner):
        parts[2], changed = owner, True
        ex.path = "/".join(parts)
    if ex.headers.get(b"x-project-id", owner.encode()) != owner.encode():
        ex.headers[b"x-project-id"], changed = owner.encode(), True
    if changed:
        _resign(ex, parsed, secret)


# ---- the faults that make every rule one unit: each rule has a fault that breaks it -------


def _beyond_parsers_as_malformed(ex: Traffic, _: Store) -> None:
    """A number of thousands of digits refused as malformed JSON (a parser with a digit
    limit), not as the schema violation it is."""
    if re.search(rb"\d{400}", ex.body) and ex.response_json().get("error_id") == "CS.10003":
        ex.set_json({**ex.response_json(), "error_id": "CS.10004", "error_name": "INVALID_JSON"})


_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _numbers_through_doubles(ex: Traffic, _: Settings) -> None:
    """A number that is not an integer taken for the integer its double rounds to:
    ``0.99999999999999999`` is 1, a known ID plus 1e-17 is that ID (integers, however
    written, are left exact: only this one rule is broken)."""

    def as_double(match: re.Match[bytes]) -> bytes:
        text = match.group()
        if not re.search(rb"[.eE]", text) or len(text) > 64:
            return text
        exact, value = Decimal(text.decode()), float(text)
        if exact == exact.to_integral_value() or not value.is_integer() or abs(value) >= 2**63:
            return text
        return str(int(value)).encode()

    ex.body = _NUMBER.sub(as_double, ex.body)


def _unknown_fields_ignored(ex: Traffic, _: Settings) -> None:
    """Fields beside ``job_ids`` are dropped instead of refused."""
    data = ex.request_json()
    if isinstance(data, dict) and "job_ids" in data and len(data) > 1:
        ex.body = orjson.dumps({"job_ids": data["job_ids"]})


def _paths_normalised(ex: Traffic, _: Settings) -> None:
    """An encoded slash decoded and empty segments dropped before routing."""
    normal = re.sub(r"/{2,}", "/", ex.path)
    if normal != ex.path or b"%2f" in ex.raw_path.lower():
        ex.path, ex.rebuild_raw_path = normal, True


def _throttling_in_own_words() -> Callable[[Traffic, Settings], None]:
    """Every 15th request answered 429 with the operation's own error body (CS.10003), not
    the gateway's (APIGW.0308)."""
    counter = itertools.count(1)

    def throttle(ex: Traffic, _: Settings) -> None:
        if next(counter) % 15 == 0:
            body = {"error_id": "CS.10003", "error_name": "INVALID_PARAMETER",
                    "error_cause": "too many requests", "error_suggestion": "retry",
                    "error_time": 1}  # fmt: skip
            ex.answer_now = (429, b"application/json", orjson.dumps(body))

    return throttle


def _project_key(ex: Traffic, settings: Settings) -> tuple[str, str] | None:
    """An access key of the project the path names, and its secret."""
    parts = ex.path.split("/")
    for access_key, key in settings.accepted_access_keys.items():
        if len(parts) > 2 and key.project_id == parts[2]:
            return access_key, key.secret_key
    return None


def _sign_as(ex: Traffic, access_key: str, secret: str, signed: tuple[str, ...]) -> None:
    """Sign the request as it now is with ``access_key`` over ``signed`` (a date added if
    it has none)."""
    date = _signature().date_header.lower().encode()
    if date not in ex.headers:
        ex.headers[date] = aksk.sdk_date(date_format=_signature().date_format).encode()
    value = _expected(ex, secret, signed)
    if value is not None:
        ex.headers[b"authorization"] = aksk.authorization_header(access_key, signed, value).encode()


def _unsigned_served(ex: Traffic, settings: Settings) -> None:
    """A successor request without a signature served as the path project's key."""
    header = ex.headers.get(b"authorization", b"").decode("latin-1")
    found = _project_key(ex, settings)
    if _successor_path(ex.path) and aksk.parse_authorization(header) is None and found:
        _sign_as(ex, *found, ("host", _signature().date_header.lower()))


def _unknown_key_served(ex: Traffic, settings: Settings) -> None:
    """A signature by an access key nobody was given served as the path project's key."""
    parsed = aksk.parse_authorization(ex.headers.get(b"authorization", b"").decode("latin-1"))
    found = _project_key(ex, settings)
    if parsed and parsed.access_key not in settings.accepted_access_keys and found:
        _sign_as(ex, *found, parsed.signed_headers)


def _required_headers_not_checked(ex: Traffic, settings: Settings) -> None:
    """A signature that leaves out a header the spec requires signed (``host``) is taken."""
    found = _signed_request(ex, settings)
    if found is None:
        return
    parsed, secret = found
    required = set(_signature().required_signed_headers)
    if not required <= set(parsed.signed_headers) and _verifies(ex, parsed, secret):
        signed = tuple(sorted(required | set(parsed.signed_headers)))
        _sign_as(ex, parsed.access_key, secret, signed)


def _signed_list_normalised(ex: Traffic, settings: Settings) -> None:
    """The ``SignedHeaders`` list read leniently: lower-cased, sorted and deduplicated before
    the signature is checked, so a list the SDK would never write passes."""
    found = _signed_request(ex, settings)
    if found is None:
        return
    parsed, secret = found
    normal = tuple(sorted({name.lower() for name in parsed.signed_headers}))
    if normal != parsed.signed_headers and _verifies(ex, replace(parsed, signed_headers=normal),
                                                     secret):  # fmt: skip
        _sign_as(ex, parsed.access_key, secret, normal)


# Date spellings a lenient server reads besides the scheme's own (ISO 8601 extended,
# RFC 9110's IMF-fixdate).
_LENIENT_DATES = ("%Y-%m-%dT%H:%M:%SZ", "%a, %d %b %Y %H:%M:%S GMT", "%Y%m%dT%H%M%S")


def _date_any_format(ex: Traffic, settings: Settings) -> None:
    """``X-Sdk-Date`` read in any common format, not only the scheme's."""
    found = _signed_request(ex, settings)
    name = _signature().date_header.lower().encode()
    text = ex.headers.get(name, b"").decode("latin-1")
    if found is None or not text or not _verifies(ex, *found):
        return
    for form in _LENIENT_DATES:
        try:
            moment = datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
        ex.headers[name] = aksk.sdk_date(moment, _signature().date_format).encode()
        parsed, secret = found
        _sign_as(ex, parsed.access_key, secret, parsed.signed_headers)
        return


def _successor_counts_more(ex: Traffic, _: Store) -> None:
    """The successor's answers count each source's records once more than the CS
    operation's do for the same jobs."""
    if not _successor_path(ex.path):
        return

    def more(job: dict[str, Any]) -> None:
        for source in job.get("metrics", {}).get("sources", []):
            if isinstance(source.get("records"), int):
                source["records"] += 1

    ex.edit_jobs(more)


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault(
            "wrong-type",
            "a count sent as a string",
            breaks="response-schema",
            after=_records_as_string,
        ),
        Fault(
            "negative-count",
            "a negative dirty-record count",
            breaks="response-schema",
            after=_negative_count,
        ),
        Fault("null-field", "a rate sent as null", breaks="response-schema", after=_null_rate),
        Fault(
            "int64-overflow",
            "a count past 2^63-1",
            breaks="response-schema",
            after=_count_past_int64,
        ),
        Fault(
            "misspelled-field",
            "job_id sent as jobId",
            breaks="response-schema",
            after=_misspelled_field,
        ),
        Fault(
            "time-as-string",
            "current_time sent as a string",
            breaks="response-schema",
            after=_time_as_string,
        ),
        Fault(
            "unrequested-jobs",
            "jobs in the answer that were not requested",
            breaks="jobs-only-requested",
            after=_unrequested_job,
        ),
        Fault(
            "undocumented-status",
            "422 for schema violations",
            breaks="body-schema-violation",
            after=_undocumented_status,
            statuses=(400,),
        ),
        Fault(
            "wrong-content-type",
            "200 answered as text/plain",
            breaks="response-schema",
            after=_wrong_content_type,
        ),
        Fault("empty-200", "an empty 200 body", breaks="response-schema", after=_empty_200),
        Fault(
            "server-error",
            "500 for job IDs past 2^31 (valid input)",
            breaks="valid-request-accepted",
            after=_server_error_on_big_ids,
        ),
        Fault(
            "accept-invalid-body",
            "invalid bodies answered 200",
            breaks="body-schema-violation",
            after=_accept_invalid_body,
            statuses=(400,),
        ),
        Fault(
            "malformed-error-body",
            "errors without the provider's fields",
            breaks="error-body-schema",
            after=_malformed_error_body,
            statuses=(400,),
        ),
        Fault(
            "ignore-missing-token",
            "a request without token is served",
            breaks="token-missing",
            before=_ignore_missing_token,
        ),
        Fault(
            "accept-any-token",
            "an unknown token is served",
            breaks="token-unknown",
            before=_accept_any_token,
        ),
        Fault(
            "ignore-project-id",
            "any project ID served as the token's",
            breaks="token-other-project",
            before=_ignore_project_id,
        ),
        Fault(
            "no-allow-header",
            "405 without an Allow header",
            breaks="method-not-allowed",
            after=_no_allow_header,
            statuses=(405,),
        ),
        Fault(
            "wrong-method-status",
            "other methods answered 404, not 405",
            breaks="method-not-allowed",
            after=_wrong_method_status,
            statuses=(405,),
        ),
        Fault(
            "cross-project-leak",
            "requested jobs of other projects are answered",
            breaks="jobs-foreign-hidden",
            after=_leak_foreign_jobs,
        ),
        Fault(
            "known-jobs-never-found",
            "every answer holds no job",
            breaks="jobs-found-in-order",
            after=_never_found,
        ),
        Fault(
            "error-ids-swapped",
            "CS.10003 and CS.10004 swapped",
            breaks="json-malformed",
            after=_edit_error_id({"CS.10003": "CS.10004", "CS.10004": "CS.10003"}),
            statuses=(400,),
        ),
        Fault(
            "bad-body-internal-error",
            "every bad body answered CS.10001",
            breaks="body-schema-violation",
            after=_edit_error_id({"CS.10003": "CS.10001", "CS.10004": "CS.10001"}),
            statuses=(400,),
        ),
        Fault(
            "mismatch-as-no-permission",
            "a token of another project answered CS.10005",
            breaks="token-other-project",
            after=_edit_error_id({"CS.10006": "CS.10005"}),
            statuses=(400,),
        ),
        Fault(
            "accept-non-json",
            "text/plain and other bodies read as JSON",
            breaks="content-type-not-json",
            before=_accept_non_json,
        ),
        Fault(
            "405-text-body",
            "405 answered with a text body",
            breaks="method-not-allowed",
            after=_text_body,
            statuses=(405,),
        ),
        Fault(
            "404-text-body",
            "404 answered with a text body",
            breaks="path-unknown",
            after=_text_body,
            statuses=(404,),
        ),
        Fault(
            "upper-case-project",
            "project IDs compared in any case",
            breaks="project-id-malformed",
            before=_lower_project,
        ),
        Fault(
            "no-body-limit",
            "bodies over 1 MiB accepted",
            breaks="body-too-large",
            settings={"max_body": 64 * 1024 * 1024},
        ),
        Fault(
            "duplicate-headers-accepted",
            "a header sent twice: the last copy wins",
            breaks="header-duplicate",
            before=_collapse_cs_headers,
        ),
        Fault(
            "beyond-parsers-as-malformed",
            "a 5,000-digit number refused as malformed JSON",
            breaks="number-beyond-parsers",
            after=_beyond_parsers_as_malformed,
            statuses=(400,),
        ),
        Fault(
            "numbers-through-doubles",
            "numbers read as doubles: 0.99999999999999999 is job 1",
            breaks="numbers-decided-exactly",
            before=_numbers_through_doubles,
        ),
        Fault(
            "unknown-fields-ignored",
            "fields beside job_ids dropped, not refused",
            breaks="body-unknown-field",
            before=_unknown_fields_ignored,
        ),
        Fault(
            "paths-normalised",
            "// and %2F in the path normalised before routing",
            breaks="path-normalisation",
            before=_paths_normalised,
        ),
        Fault(
            "throttled-in-own-words",
            "every 15th request 429 with the CS error body, not the gateway's",
            breaks="throttled",
            before=_throttling_in_own_words(),
        ),
        Fault(
            "unsigned-served",
            "a successor request without a signature served",
            breaks="showFlinkMetric/signature-missing",
            before=_unsigned_served,
        ),
        Fault(
            "unknown-key-served",
            "a signature by an unknown access key served",
            breaks="showFlinkMetric/access-key-unknown",
            before=_unknown_key_served,
        ),
        Fault(
            "required-headers-not-checked",
            "a signature leaving host unsigned is taken",
            breaks="showFlinkMetric/signed-headers-incomplete",
            before=_required_headers_not_checked,
        ),
        Fault(
            "signed-list-normalised",
            "SignedHeaders lower-cased, sorted and deduplicated before checking",
            breaks="showFlinkMetric/signed-headers-incomplete",
            before=_signed_list_normalised,
        ),
        Fault(
            "date-any-format",
            "X-Sdk-Date read in ISO 8601 or IMF-fixdate too",
            breaks="showFlinkMetric/date-skewed",
            before=_date_any_format,
        ),
        Fault(
            "successor-counts-more",
            "the successor counts each source's records once more",
            breaks="showFlinkMetric/jobs-same-as-replaced",
            after=_successor_counts_more,
        ),
        Fault(
            "signing-headers-collapsed",
            "a signing header sent twice: the last copy wins",
            breaks="showFlinkMetric/signing-header-duplicate",
            before=_collapse_signing_headers,
        ),
        Fault(
            "content-encoding-ignored",
            "Content-Encoding dropped: a gzip body is read as if plain",
            breaks="content-encoding-not-identity",
            before=_drop_content_encoding,
        ),
        Fault(
            "no-header-limit",
            "headers over 16 KiB accepted",
            breaks="headers-too-large",
            settings={"max_header_bytes": 1024 * 1024},
        ),
        Fault(
            "token-prefix",
            "a token that starts with a valid one is accepted",
            breaks="token-unknown",
            before=_prefix_token,
        ),
        Fault(
            "token-any-case",
            "tokens compared without letter case",
            breaks="token-unknown",
            before=_token_any_case,
        ),
        Fault(
            "equal-numbers-distinct",
            "7 and 7.0 read as two IDs",
            breaks="job-ids-duplicate",
            before=_dedupe_equal_numbers,
        ),
        Fault(
            "id-string-split",
            '"1,2" accepted for job_ids',
            breaks="body-schema-violation",
            before=_split_id_string,
        ),
        Fault(
            "media-parameters-refused",
            "application/json; charset=utf-8 refused",
            breaks="valid-request-accepted",
            before=_refuse_media_parameters,
        ),
        Fault(
            "chunked-crash",
            "a chunked body answered 500",
            breaks="valid-request-accepted",
            before=_crash_on_chunked,
        ),
        Fault(
            "json-whitespace-refused",
            "JSON with whitespace between tokens refused",
            breaks="valid-request-accepted",
            before=_refuse_json_whitespace,
        ),
        Fault(
            "key-escapes-refused",
            "the key written with \\u escapes refused",
            breaks="valid-request-accepted",
            before=_refuse_key_escapes,
        ),
        Fault(
            "trailing-comma-accepted",
            "[1,2,] read as [1,2]",
            breaks="json-malformed",
            before=_lenient(lambda b: re.sub(rb",\s*([\]}])", rb"\1", b)),
        ),
        Fault(
            "comments-accepted",
            "/* */ and // comments skipped",
            breaks="json-malformed",
            before=_lenient(lambda b: re.sub(rb"/\*.*?\*/|//[^\n]*", b"", b)),
        ),
        Fault(
            "trailing-text-accepted",
            "text after the JSON value ignored",
            breaks="json-malformed",
            before=_lenient(_first_value),
        ),
        Fault(
            "leading-zeros-accepted",
            "007 read as 7",
            breaks="json-malformed",
            before=_lenient(lambda b: re.sub(rb"(?<![\d.])0+(\d)", rb"\1", b)),
        ),
        Fault(
            "single-quotes-accepted",
            "'job_ids' read as \"job_ids\"",
            breaks="json-malformed",
            before=_lenient(lambda b: b.replace(b"'", b'"')),
        ),
        Fault(
            "utf16-accepted",
            "a UTF-16 body decoded",
            breaks="json-malformed",
            before=_lenient(_from_utf16),
        ),
        Fault(
            "quoted-charset-refused",
            'charset="utf-8" refused',
            breaks="valid-request-accepted",
            before=_refuse_quoted_charset,
        ),
        Fault(
            "proxy-headers-refused",
            "a request with a Via header refused",
            breaks="valid-request-accepted",
            before=_refuse_proxy_headers,
        ),
        Fault(
            "null-job-ids-crash",
            '{"job_ids": null} answered 500',
            breaks="body-schema-violation",
            before=_crash_on_null_ids,
        ),
        Fault(
            "chunked-no-body-limit",
            "the body limit enforced only with Content-Length",
            breaks="body-too-large",
            before=_limit_only_with_length,
        ),
        Fault(
            "head-answered-200",
            "HEAD answered 200",
            breaks="method-not-allowed",
            after=_head_ok,
            statuses=(405,),
        ),
        Fault(
            "options-answered-204",
            "OPTIONS answered 204",
            breaks="method-not-allowed",
            after=_options_no_content,
            statuses=(405,),
        ),
        Fault(
            "trailing-slash-html",
            "the path with a trailing slash answered 404 in HTML",
            breaks="path-unknown",
            after=_html_404_with_slash,
            statuses=(404,),
        ),
        Fault(
            "header-limit-4k",
            "request headers over 4 KiB refused (too strict)",
            breaks="valid-request-accepted",
            settings={"max_header_bytes": 4096},
        ),
        Fault(
            "time-in-seconds",
            "current_time in seconds",
            breaks="times-in-milliseconds",
            after=_time_in_seconds,
        ),
        Fault(
            "metrics-shifted",
            "each job answered with another job's metrics",
            breaks="jobs-answer-stable",
            after=_metrics_shifted,
        ),
        Fault(
            "hidden-jobs-counted",
            "the message counts foreign jobs",
            breaks="foreign-like-unknown",
            after=_count_hidden_jobs,
        ),
        Fault(
            "intermittent-500",
            "one answer in 20 is a 500",
            breaks="connection-stable",
            after=_sometimes_500,
            statuses=(200,),
        ),
        Fault(
            "signature-not-checked",
            "any signature of a known access key is accepted",
            breaks="showFlinkMetric/signature-wrong",
            before=_signature_not_checked,
        ),
        Fault(
            "skew-not-checked",
            "a correctly signed request with a stale or future X-Sdk-Date is accepted",
            breaks="showFlinkMetric/date-skewed",
            before=_skew_not_checked,
        ),
        Fault(
            "body-not-covered",
            "X-Sdk-Content-Sha256 (UNSIGNED-PAYLOAD) is trusted as the body's hash",
            breaks="showFlinkMetric/signature-body-not-covered",
            before=_body_not_covered,
        ),
        Fault(
            "project-not-bound",
            "a valid key of another project is served on this project's path",
            breaks="showFlinkMetric/key-other-project",
            before=_project_not_bound,
        ),
        Fault(
            "keep-alive-desync",
            "after a refusal, the next request on the connection is misread",
            breaks="connection-stable",
            after=_desync_after_refusal,
            statuses=(200, 400, 404, 405),
        ),
    )
}


class FaultMiddleware:
    """Runs the real app, applying one fault to the request or the answer."""

    def __init__(self, app: ASGIApp, fault: Fault, store: Store, settings: Settings) -> None:
        self.app = app
        self.fault = fault
        self.store = store
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        ex = Traffic(
            path=scope["path"],
            headers=dict(scope["headers"]),
            body=body,
            method=scope["method"],
            connection=scope.get("client"),
            raw_path=scope.get("raw_path") or scope["path"].encode("latin-1"),
        )
        if self.fault.before:
            headers_before = dict(ex.headers)
            self.fault.before(ex, self.settings)
            # Only what the fault edited is rebuilt: the headers as a list (duplicates) and
            # the raw path (an encoded slash) reach the app as sent otherwise.
            if ex.path != scope["path"] or ex.rebuild_raw_path:
                scope = dict(scope, path=ex.path, raw_path=ex.path.encode("latin-1"))
            if ex.headers != headers_before or ex.collapse_headers:
                scope = dict(scope, headers=list(ex.headers.items()))
            body = ex.body
        if ex.answer_now is not None:
            status, media, text = ex.answer_now
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", media)]})  # fmt: skip
            await send({"type": "http.response.body", "body": text})
            return

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                ex.status = message["status"]
                ex.response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                ex.response += message.get("body", b"")

        await self.app(scope, replay, capture)
        if self.fault.after and ex.status in self.fault.statuses:
            self.fault.after(ex, self.store)
        await send(
            {"type": "http.response.start", "status": ex.status, "headers": ex.response_headers}
        )
        await send({"type": "http.response.body", "body": ex.response})


def faulty_app(name: str, settings: Settings) -> ASGIApp:
    """The reference server with fault ``name``; an unknown name is refused with the list."""
    try:
        fault = FAULTS[name]
    except KeyError:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}") from None
    settings = Settings.read(**(settings.model_dump() | fault.settings))
    app = create_app(settings)
    if fault.before is None and fault.after is None:
        return app
    return FaultMiddleware(app, fault, Store(settings.db), settings)
