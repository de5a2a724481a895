"""The probes: for every rule of the spec's ``x-contract``, requests that break exactly it.

Each probe is one request with everything valid but the one thing its rule is about (no
token, a foreign project, 17 KiB of headers, ...), and the rule says the exact answer. Data
rules are probed with the job IDs the user said exist (``JOB_IDS``) and belong to another
project (``OTHER_JOB_IDS``). A rule with no probe here, or whose probes need data that was
not given, is reported "not exercised", never "passed".
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fuzz_harness.contract import Contract
from fuzz_harness.exchange import Request, Signing
from fuzz_harness.jobids import INT64_MAX
from fuzz_harness.judge import ANSWER_RULES
from fuzz_harness.options import FuzzOptions, Identity
from jobs_metrics_spec import aksk

JSON = ("Content-Type", "application/json")


@dataclass(frozen=True)
class Probe:
    rule: str
    name: str
    request: Request
    # Who sends it: a 200 answer is held to this identity's known jobs (and the other's
    # jobs count as foreign).
    asker: Identity | None = None
    # A must rule a probe of a should rule also tests: any answer but a refusal with the
    # error body breaks it (the should rule only says which refusal).
    floor: str | None = None
    # The answer has no body by HTTP's definition (HEAD): judged on status and headers.
    bodiless: bool = False
    # A redirect (307/308) to this path is as good as the refusal: a client that follows it
    # reaches the operation itself (frameworks redirect a trailing slash by default).
    redirect_to: str | None = None
    # The jobs the canonical request got: a meaning-preserving transform of it must get
    # exactly these (fuzz_harness.transforms).
    expected_jobs: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Skipped:
    rule: str
    reason: str


def path_for(contract: Contract, project_id: str) -> str:
    return contract.path.format(project_id=project_id)


def _token(identity: Identity, spelling: str = "${}") -> tuple[str, str]:
    """The identity's token header; ``spelling`` makes a near miss of it (see exchange)."""
    return ("X-Auth-Token", spelling.replace("{}", identity.variable))


def _auth(contract: Contract, identity: Identity) -> tuple[tuple[str, str], ...]:
    """The auth headers a probe lists: the token, or none for a signed operation (the
    sender adds the signature when it sends, see :class:`Signing`)."""
    return () if contract.signed else (_token(identity),)


def signing_of(identity: Identity, **fault: Any) -> Signing:
    """The identity's signature, with one signing fault if asked (see :class:`Signing`)."""
    keys = {"access": f"${identity.ak_variable}", "secret": f"${identity.sk_variable}"}
    return Signing(**{**keys, **fault})


def post(
    contract: Contract,
    identity: Identity,
    body: Any,
    *,
    project_id: str | None = None,
    headers: tuple[tuple[str, str], ...] | None = None,
    token: tuple[str, str] | None = None,
    method: str = "POST",
    signing: Signing | None = None,
) -> Request:
    """A request to ``contract``'s operation, authenticated as ``identity`` (its token, or
    signed with its AK/SK, ``signing`` saying how) unless ``headers`` say otherwise."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    auth = (token,) if token else _auth(contract, identity)
    chosen = headers if headers is not None else (*auth, JSON)
    sign = (signing or signing_of(identity)) if contract.signed else None
    path = path_for(contract, project_id or identity.project_id)
    return Request(method, path, chosen, raw, signing=sign)


def unknown_ids(rng: random.Random, options: FuzzOptions, count: int) -> list[int]:
    """IDs we do not know to exist (they may, on a server with more jobs than JOB_IDS)."""
    taken = [options.identity.job_ids, *([options.other.job_ids] if options.other else [])]
    found: list[int] = []
    while len(found) < count:
        candidate = rng.randrange(10**12, INT64_MAX)
        if not any(candidate in ids for ids in taken) and candidate not in found:
            found.append(candidate)
    return found


def some_ids(rng: random.Random, identity: Identity, count: int) -> list[int]:
    return identity.job_ids.sample(rng, count) if identity.job_ids else [1, 2][:count]


def other_project(identity: Identity) -> str:
    """A well-formed project ID that is not the token's."""
    flipped = "".join("0123456789abcdef"[15 - int(c, 16)] for c in identity.project_id)
    return flipped


def malformed_projects(project_id: str) -> list[str]:
    upper = project_id.upper() if project_id.upper() != project_id else "ABCDEF" + project_id[6:]
    return [upper, project_id[:-1], project_id + "0", "g" + project_id[1:]]


ProbeMaker = Callable[[Contract, FuzzOptions, random.Random], Iterator[Probe | Skipped]]
MAKERS: dict[str, ProbeMaker] = {}


def probes_for(rule: str) -> Callable[[ProbeMaker], ProbeMaker]:
    def register(maker: ProbeMaker) -> ProbeMaker:
        MAKERS[rule] = maker
        return maker

    return register


def all_probes(
    contract: Contract, options: FuzzOptions, judged_elsewhere: Collection[str] = ()
) -> list[Probe | Skipped]:
    """Every probe of every rule the spec lists, in the spec's order; seeded by SEED.

    ``judged_elsewhere``: rules the runner checks by other means than a probe of their own
    (answers compared with each other, failures sent again).
    """
    rng = random.Random(options.seed)
    found: list[Probe | Skipped] = []
    for rule in contract.rules:
        maker = MAKERS.get(rule.id)
        if rule.untestable:
            found.append(Skipped(rule.id, rule.untestable))
        elif maker is None and rule.id in (*ANSWER_RULES, *judged_elsewhere):
            continue  # judged on every answer (fuzz_harness.judge) or by the runner
        elif maker is None:
            found.append(Skipped(rule.id, "the harness has no probe for this rule"))
        else:
            found.extend(maker(contract, options, rng))
    return found


@probes_for("valid-request-accepted")
def _valid(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 3)
    yield Probe(
        "valid-request-accepted", "schema-valid request", post(contract, me, {"job_ids": ids}), me
    )
    yield Probe(
        "valid-request-accepted",
        "largest job ID (2^63-1)",
        post(contract, me, {"job_ids": [INT64_MAX]}),
        me,
    )
    body = {"job_ids": some_ids(rng, me, 2)}
    for name, media in (
        ("media type with charset=utf-8", "application/json; charset=utf-8"),
        ("media type in upper case", "APPLICATION/JSON"),
        ("media type in mixed case with a parameter", "Application/Json;Charset=UTF-8"),
    ):
        headers = (*_auth(contract, me), ("Content-Type", media))
        yield Probe("valid-request-accepted", name, post(contract, me, body, headers=headers), me)
    lower = (
        *((name.lower(), value) for name, value in _auth(contract, me)),
        ("content-type", "application/json"),
    )
    yield Probe(
        "valid-request-accepted",
        "header names in lower case",
        post(contract, me, body, headers=lower),
        me,
    )
    chunked = post(contract, me, body)
    yield Probe(
        "valid-request-accepted",
        "chunked body (no Content-Length)",
        replace(chunked, chunked=True),
        me,
    )
    limit = contract.limits.max_body_bytes
    exact = post(contract, me, _padded(body["job_ids"], limit))
    yield Probe("valid-request-accepted", f"body of exactly {limit} bytes", exact, me)
    yield Probe(
        "valid-request-accepted",
        f"body of exactly {limit} bytes, chunked",
        replace(exact, chunked=True),
        me,
    )
    under = contract.limits.max_header_bytes - HEADER_MARGIN
    yield Probe(
        "valid-request-accepted",
        f"request headers of about {under} bytes (under max_header_bytes)",
        post(contract, me, body, headers=_header_block(contract, me, under)),
        me,
    )
    if options.other:
        other = options.other
        yield Probe(
            "valid-request-accepted",
            "second identity, its own project",
            post(contract, other, {"job_ids": some_ids(rng, other, 3)}),
            other,
        )


def _refusal(rule: str, name: str, request: Request) -> Probe:
    return Probe(rule, name, request)


@probes_for("token-missing")
def _token_missing(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    yield _refusal(
        "token-missing",
        "no X-Auth-Token",
        post(contract, me, {"job_ids": some_ids(rng, me, 2)}, headers=(JSON,)),
    )


@probes_for("token-unknown")
def _token_unknown(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    token = ("X-Auth-Token", f"jm-fuzz-unknown-{rng.getrandbits(64):016x}")
    yield _refusal("token-unknown", "unknown token", post(contract, me, body, token=token))
    # Near misses of the real token: a comparison by prefix, by length or without case
    # accepts one of them. (Spelled as bash expansions so reports never show the token.)
    misses = [
        ("the valid token with a character appended", "${{}}x"),
        ("the valid token with its last character dropped", "${{}%?}"),
    ]
    if me.token.swapcase() != me.token:
        misses.append(("the valid token in swapped letter case", "${{}~~}"))
    for name, spelling in misses:
        yield _refusal("token-unknown", name, post(contract, me, body, token=_token(me, spelling)))


@probes_for("token-other-project")
def _token_other(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = {"job_ids": some_ids(rng, me, 2)}
    if options.other:
        yield _refusal(
            "token-other-project",
            "token for OTHER_PROJECT_ID's path",
            post(contract, me, ids, project_id=options.other.project_id),
        )
        yield _refusal(
            "token-other-project",
            "OTHER_AUTH_TOKEN for PROJECT_ID's path",
            post(contract, me, ids, token=_token(options.other)),
        )
    yield _refusal(
        "token-other-project",
        "a well-formed project the token is not for",
        post(contract, me, ids, project_id=other_project(me)),
    )


@probes_for("project-id-malformed")
def _project_malformed(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    for project in malformed_projects(me.project_id):
        yield _refusal(
            "project-id-malformed",
            f"project ID {project!r}",
            post(contract, me, {"job_ids": some_ids(rng, me, 1)}, project_id=project),
        )


@probes_for("content-type-not-json")
def _content_type(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 2)
    body = json.dumps({"job_ids": ids}).encode()
    boundary = "jmfuzzboundary"
    multipart = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="job_ids"\r\n\r\n{ids[0]}\r\n--{boundary}--\r\n'
    ).encode()
    cases = [
        ("text/plain", ("Content-Type", "text/plain"), body),
        # media types that only start with application/json (a prefix match accepts them)
        ("application/jsonx", ("Content-Type", "application/jsonx"), body),
        ("application/json-seq", ("Content-Type", "application/json-seq"), body),
        (
            "multipart/form-data",
            ("Content-Type", f"multipart/form-data; boundary={boundary}"),
            multipart,
        ),
        (
            "form-urlencoded",
            ("Content-Type", "application/x-www-form-urlencoded"),
            f"job_ids={ids[0]}".encode(),
        ),
        ("no Content-Type", None, body),
    ]
    for name, header, raw in cases:
        headers = (*_auth(contract, me), header) if header else (*_auth(contract, me),)
        yield _refusal("content-type-not-json", name, post(contract, me, raw, headers=headers))


@probes_for("content-encoding-not-identity")
def _content_encoding(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = json.dumps({"job_ids": some_ids(rng, me, 2)}).encode()
    for name, encoding, raw in (
        ("gzip body", "gzip", gzip.compress(body, mtime=0)),
        ("br announced", "br", body),
    ):
        headers = (*_auth(contract, me), JSON, ("Content-Encoding", encoding))
        yield _refusal(
            "content-encoding-not-identity", name, post(contract, me, raw, headers=headers)
        )


@probes_for("header-duplicate")
def _header_duplicate(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 1)}
    if contract.signed:  # the signing headers are signing-header-duplicate's
        for name, headers in (
            ("Content-Type twice", (JSON, JSON)),
            ("Content-Encoding: identity twice", (JSON, *[("Content-Encoding", "identity")] * 2)),
        ):
            yield _refusal("header-duplicate", name, post(contract, me, body, headers=headers))
        return
    token = _token(me)
    cases = [
        ("the same token twice", (token, token, JSON)),
        (
            "an unknown token, then the right one",
            (("X-Auth-Token", "jm-fuzz-unknown"), token, JSON),
        ),
        ("Content-Type twice", (token, JSON, JSON)),
        (
            "Content-Encoding: identity twice",
            (token, JSON, *[("Content-Encoding", "identity")] * 2),
        ),
        ("X-Auth-Token and x-auth-token", (token, ("x-auth-token", token[1]), JSON)),
        (
            "an unknown X-Auth-Token, then the right x-auth-token",
            (("X-Auth-Token", "jm-fuzz-unknown"), ("x-auth-token", token[1]), JSON),
        ),
    ]
    for name, headers in cases:
        yield _refusal("header-duplicate", name, post(contract, me, body, headers=headers))


@probes_for("signature-missing")
def _signature_missing(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    unsigned = replace(post(contract, me, body), signing=None)
    yield _refusal("signature-missing", "no Authorization", unsigned)
    # The CS operation's credential on its successor: a server that takes both must not
    # take a token where the signature belongs.
    with_token = replace(post(contract, me, body, headers=(_token(me), JSON)), signing=None)
    yield _refusal("signature-missing", "a valid X-Auth-Token instead of a signature", with_token)
    for name, value in (
        ("a bearer token", "Bearer ${AK}"),
        ("the algorithm alone", "SDK-HMAC-SHA256"),
        ("no Signature", "SDK-HMAC-SHA256 Access=$AK, SignedHeaders=host;x-sdk-date"),
        ("another algorithm", "SDK-HMAC-SM3 Access=$AK, SignedHeaders=host, Signature=00"),
    ):
        request = post(
            contract,
            me,
            body,
            headers=(("Authorization", value.replace("AK", me.ak_variable)), JSON),
        )
        yield _refusal("signature-missing", name, replace(request, signing=None))


@probes_for("access-key-unknown")
def _access_key_unknown(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    variable = me.ak_variable
    misses = [
        ("an unknown access key", f"JMFUZZ{rng.getrandbits(56):014X}"),
        ("the access key with a character appended", f"${{{variable}}}x"),
        ("the access key with its last character dropped", f"${{{variable}%?}}"),
    ]
    if me.access_key.swapcase() != me.access_key:
        misses.append(("the access key in swapped letter case", f"${{{variable}~~}}"))
    for name, access in misses:
        signing = signing_of(me, access=access)
        yield _refusal("access-key-unknown", name, post(contract, me, body, signing=signing))


@probes_for("signature-wrong")
def _signature_wrong(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 2)
    body = {"job_ids": ids}
    sk = me.sk_variable
    other_body = json.dumps({"job_ids": ids[:1]}).encode()
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("signed with another secret key", {"secret": f"jm-fuzz-{rng.getrandbits(64):016x}"}, {}),
        ("signed with the secret key and a character appended", {"secret": f"${{{sk}}}x"}, {}),
        ("signed with the secret key's last character dropped", {"secret": f"${{{sk}%?}}"}, {}),
        ("the signature's last digit changed", {"flip": True}, {}),
        ("the body changed after signing", {"signed_body": other_body}, {}),
        ("the method changed after signing (signed as PUT)", {"signed_method": "PUT"}, {}),
        (
            "the path changed after signing (signed for the other operation's path)",
            {"signed_path": path_for(contract, me.project_id).replace("/streaming", "")},
            {},
        ),
        (
            "a signed header changed after signing (Content-Type)",
            {"phantom": ("Content-Type", "application/json; charset=utf-8")},
            {"headers": (("Content-Type", "application/json"),), "unsigned": ("content-type",)},
        ),
    ]
    if me.secret_key.swapcase() != me.secret_key:
        cases.append(("signed with the secret key in swapped case", {"secret": f"${{{sk}~~}}"}, {}))
    for name, fault, extra in cases:
        unsigned = extra.get("unsigned", ())
        signing = signing_of(me, unsigned=unsigned, **fault)
        request = post(contract, me, body, signing=signing, headers=extra.get("headers"))
        yield _refusal("signature-wrong", name, request)


@probes_for("signature-body-not-covered")
def _body_not_covered(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 2)
    body = {"job_ids": ids}
    smaller = json.dumps({"job_ids": ids[:1]}).encode()
    for name, fault in (
        ("JSON signed as UNSIGNED-PAYLOAD", {"payload_hash": "UNSIGNED-PAYLOAD"}),
        (
            "X-Sdk-Content-Sha256 the hash of another body, signed with it",
            {"payload_hash": aksk.body_hash(smaller)},
        ),
    ):
        yield _refusal(
            "signature-body-not-covered",
            name,
            post(contract, me, body, signing=signing_of(me, **fault)),
        )


@probes_for("signed-headers-incomplete")
def _signed_headers_incomplete(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    for name, fault in (
        ("host not signed", {"unsigned": ("host",)}),
        ("x-sdk-date not signed", {"unsigned": ("x-sdk-date",)}),
        ("a signed header not sent (x-jm-fuzz)", {"phantom": ("X-JM-Fuzz", "1")}),
    ):
        signing = signing_of(me, **fault)
        yield _refusal("signed-headers-incomplete", name, post(contract, me, body, signing=signing))


@probes_for("date-skewed")
def _date_skewed(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    window = contract.signature.max_skew_seconds
    for name, fault in (
        (f"X-Sdk-Date {window + 120} s in the past", {"skew_seconds": -(window + 120)}),
        (f"X-Sdk-Date {window + 120} s in the future", {"skew_seconds": window + 120}),
        ("X-Sdk-Date a day in the past", {"skew_seconds": -86400}),
        ("no X-Sdk-Date", {"date": ""}),
        ("X-Sdk-Date in ISO 8601 with dashes", {"date": "2026-11-30T06:00:00Z"}),
        ("X-Sdk-Date not a date", {"date": "yesterday"}),
    ):
        signing = signing_of(me, **fault)
        yield _refusal("date-skewed", name, post(contract, me, body, signing=signing))
    # Inside the window: a clock a few minutes off is the provider's allowance, accepted.
    for seconds in (-(window // 2), window // 2):
        signing = signing_of(me, skew_seconds=seconds)
        yield Probe(
            "date-skewed",
            f"X-Sdk-Date {abs(seconds)} s in the {'past' if seconds < 0 else 'future'}"
            " (within the window: accepted)",
            post(contract, me, body, signing=signing),
            me,
        )


@probes_for("signing-header-duplicate")
def _signing_duplicate(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    stale = aksk.sdk_date(datetime.now(UTC) - timedelta(days=1))
    signed_project = (JSON, ("X-Project-Id", me.project_id))
    # The second copy is added after signing: a server that checks one copy and uses the
    # other would accept the request.
    for name, headers, appended in (
        ("X-Sdk-Date twice (a stale copy)", (JSON,), (("x-sdk-date", stale),)),
        ("X-Project-Id twice", signed_project, (("x-project-id", me.project_id),)),
        (
            "Authorization twice",
            (JSON,),
            (("authorization", "SDK-HMAC-SHA256 Access=x, SignedHeaders=host, Signature=00"),),
        ),
    ):
        signing = signing_of(me, appended=appended)
        request = post(contract, me, body, headers=headers, signing=signing)
        yield _refusal("signing-header-duplicate", name, request)


@probes_for("key-other-project")
def _key_other_project(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    ids = {"job_ids": some_ids(rng, me, 2)}
    if options.other:
        yield _refusal(
            "key-other-project",
            "AK for OTHER_PROJECT_ID's path",
            post(contract, me, ids, project_id=options.other.project_id),
        )
        yield _refusal(
            "key-other-project",
            "OTHER_AK for PROJECT_ID's path",
            post(contract, me, ids, signing=signing_of(options.other)),
        )
    yield _refusal(
        "key-other-project",
        "a well-formed project the key is not for",
        post(contract, me, ids, project_id=other_project(me)),
    )
    yield _refusal(
        "key-other-project",
        "X-Project-Id of another project (signed)",
        post(contract, me, ids, headers=(JSON, ("X-Project-Id", other_project(me)))),
    )


def _padded(ids: list[int], size: int) -> bytes:
    core = json.dumps({"job_ids": ids}).encode()
    return core + b" " * (size - len(core))


@probes_for("body-too-large")
def _body_too_large(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    # The other side of the limit (exactly max_body_bytes accepted) is valid-request-accepted's.
    me = options.identity
    limit = contract.limits.max_body_bytes
    over = post(contract, me, _padded(some_ids(rng, me, 2), limit + 1))
    yield _refusal("body-too-large", f"body of {limit + 1} bytes", over)
    yield _refusal(
        "body-too-large",
        f"body of {limit + 1} bytes, chunked (no Content-Length to refuse it by)",
        replace(over, chunked=True),
    )


# Room left under max_header_bytes for the headers the HTTP client and a proxy add (Host,
# User-Agent, Accept, X-Forwarded-For, ...): "just under" the limit is this far below it.
HEADER_MARGIN = 1024
# The largest padding field: common HTTP servers cap one field at 8 KiB (aiohttp) while the
# spec's limit is on the whole block, so the block is made of fields below that.
FIELD_BYTES = 4000


# What a signature adds to the headers a probe lists: Host, X-Sdk-Date and Authorization.
SIGNATURE_BYTES = 300


def _header_block(contract: Contract, identity: Identity, size: int) -> tuple[tuple[str, str], ...]:
    """The auth headers and content type, padded so that names and values add up to ``size``."""
    fixed = (*_auth(contract, identity), JSON)
    used = sum(len(name) + len(value) for name, value in fixed)
    if contract.signed:
        used += SIGNATURE_BYTES
    else:
        used += len(identity.token) - len(f"${identity.variable}")  # the placeholder is resolved
    padding: list[tuple[str, str]] = []
    left = size - used
    while left > 0:  # fields of at most FIELD_BYTES: the limit is on the block, not one field
        name = f"X-JM-Fuzz-Padding-{len(padding)}"
        value = "a" * max(1, min(FIELD_BYTES, left - len(name)))
        padding.append((name, value))
        left -= len(name) + len(value)
    return (*fixed, *padding)


@probes_for("headers-too-large")
def _headers_too_large(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 1)}
    limit = contract.limits.max_header_bytes
    for size in (limit + 512, limit + 4096):
        yield _refusal(
            "headers-too-large",
            f"request headers of about {size} bytes (over max_header_bytes)",
            post(contract, me, body, headers=_header_block(contract, me, size)),
        )


@probes_for("json-malformed")
def _json_malformed(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    for name, raw in (
        ("truncated", b'{"job_ids": [1,'),
        ("trailing comma", b'{"job_ids": [1,]}'),
        ("not JSON at all", b"job_ids=1"),
        ("text after the object", b'{"job_ids": [1]} x'),
        ("NaN as an ID", b'{"job_ids": [NaN]}'),
        ("Infinity beside a valid ID", b'{"job_ids": [1, Infinity]}'),
        ("Latin-1, not UTF-8", '{"job_ids": [1], "\u00e9": 1}'.encode("latin-1")),
    ):
        yield _refusal("json-malformed", name, post(contract, me, raw))


@probes_for("body-schema-violation")
def _schema_violation(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    one = some_ids(rng, me, 1)[0]
    bodies: list[tuple[str, object]] = [
        ("no job_ids", {}),
        ("empty job_ids", {"job_ids": []}),
        ("ID as a string", {"job_ids": [str(one)]}),
        ("ID as a boolean", {"job_ids": [True]}),
        ("fractional ID", {"job_ids": [1.5]}),
        ("negative ID", {"job_ids": [-1]}),
        # 2^64: past int64 for any parser, doubles included (2^63 is numbers-decided-exactly's)
        ("ID past int64 (2^64)", {"job_ids": [2**64]}),
        ("job_ids not a list", {"job_ids": one}),
        ("job_ids a comma-separated string", {"job_ids": f"{one},{one + 1}"}),
        ("job_ids a string of one ID", {"job_ids": str(one)}),
        ("ID in a nested list", {"job_ids": [[one]]}),
        ("ID as an object", {"job_ids": [{"job_id": one}]}),
        ("null ID", {"job_ids": [None]}),
        ("ID as a numeric string with a sign", {"job_ids": [f"+{one}"]}),
        ("job_ids null", {"job_ids": None}),
        ("body an array", [one]),
        ("1,001 IDs", {"job_ids": list(range(1, 1002))}),
    ]
    for name, body in bodies:
        yield _refusal("body-schema-violation", name, post(contract, me, body))


@probes_for("number-beyond-parsers")
def _beyond_parsers(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    for name, raw in (
        ("ID of 5,000 digits", b'{"job_ids": [' + b"9" * 5000 + b"]}"),
        ("ID of 5,000 digits beside a valid one", b'{"job_ids": [1, ' + b"1" * 5000 + b"]}"),
    ):
        probe = post(contract, me, raw)
        yield Probe("number-beyond-parsers", name, probe, floor="body-schema-violation")


@probes_for("numbers-decided-exactly")
def _numbers_exactly(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    known = some_ids(rng, me, 1)[0]
    for name, number in (
        (f"known ID {known} plus 1e-17 (a double reads {known})", f"{known}.00000000000000001"),
        ("0.99999999999999999 (a double reads 1)", "0.99999999999999999"),
        ("1e-999999999 (a double reads 0)", "1e-999999999"),
        ("2^63, one past the largest ID (a double reads 2^63-1 the same)", str(INT64_MAX + 1)),
        ("2^63 written as 9223372036854775808.0", "9223372036854775808.0"),
    ):
        raw = f'{{"job_ids": [{number}]}}'.encode()
        yield _refusal("numbers-decided-exactly", name, post(contract, me, raw))
    for name, number in (
        ("2^63-1 written as 9223372036854775807.0", "9223372036854775807.0"),
        (f"known ID written as {known}.0", f"{known}.0"),
    ):
        raw = f'{{"job_ids": [{number}]}}'.encode()
        yield Probe("numbers-decided-exactly", f"{name} (accepted)", post(contract, me, raw), me)


@probes_for("body-unknown-field")
def _unknown_field(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 1)
    yield _refusal(
        "body-unknown-field",
        "misspelled field beside job_ids",
        post(contract, me, {"job_ids": ids, "jobIds": ids}),
    )
    yield _refusal(
        "body-unknown-field", "extra field", post(contract, me, {"job_ids": ids, "limit": 10})
    )


@probes_for("job-ids-duplicate")
def _duplicate(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 2)
    yield _refusal(
        "job-ids-duplicate",
        "one ID twice",
        post(contract, me, {"job_ids": [ids[0], *ids, ids[0]][1:]}),
    )
    # Equal numbers in other spellings: JSON Schema's uniqueItems compares values.
    one = ids[0]
    for name, raw in (
        (f"{one} and {one}.0", f'{{"job_ids": [{one}, {one}.0]}}'),
        (f"{one} and {one}e0", f'{{"job_ids": [{one}, {one}e0]}}'),
        (f"{one}.0 and {one}", f'{{"job_ids": [{one}.0, {ids[1]}, {one}]}}'),
    ):
        yield _refusal("job-ids-duplicate", name, post(contract, me, raw.encode()))


@probes_for("method-not-allowed")
def _method(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 1)}
    for method in ("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"):
        request = post(contract, me, body, method=method)
        if method in ("GET", "DELETE", "OPTIONS", "HEAD"):
            request = replace(request, headers=_auth(contract, me), body=None)
        yield Probe("method-not-allowed", method, request, bodiless=method == "HEAD")


@probes_for("path-unknown")
def _path(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 1)}
    base = path_for(contract, me.project_id)
    request = post(contract, me, body)
    for path in (
        base + "/extra",
        base.rsplit("/", 1)[0],
        base.replace("/v1.0/", "/v9.9/"),
        base + "/",
        base.replace("/jobs/metrics", "/JOBS/METRICS"),
        base.replace("/v1.0/", "/V1.0/"),
    ):
        yield Probe(
            "path-unknown",
            path.replace(me.project_id, "{project_id}"),
            replace(request, path=path),
            redirect_to=base if path == base + "/" else None,
        )


@probes_for("path-normalisation")
def _normalised_paths(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    request = post(contract, me, {"job_ids": some_ids(rng, me, 1)})
    for old, new in (
        ("/jobs/metrics", "/jobs%2Fmetrics"),
        ("/jobs/metrics", "/jobs%2fmetrics"),
        ("/jobs/metrics", "//jobs/metrics"),
        ("/v1.0/", "//v1.0/"),
    ):
        path = request.path.replace(old, new, 1)
        yield _refusal(
            "path-normalisation",
            path.replace(me.project_id, "{project_id}"),
            replace(request, path=path),
        )


def _data(contract: Contract, rule: str, name: str, identity: Identity, ids: list[int]) -> Probe:
    return Probe(rule, name, post(contract, identity, {"job_ids": ids}), identity)


@probes_for("jobs-found-in-order")
def _found(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe | Skipped]:
    me = options.identity
    if not me.job_ids:
        yield Skipped(
            "jobs-found-in-order", "no JOB_IDS given: the harness knows no job that exists"
        )
        return
    known = me.job_ids.sample(rng, 6)
    yield _data(contract, "jobs-found-in-order", "known jobs in random order", me, known)
    mixed = known[:3] + unknown_ids(rng, options, 3)
    rng.shuffle(mixed)
    yield _data(contract, "jobs-found-in-order", "known and unknown jobs mixed", me, mixed)
    edges = sorted({me.job_ids.ranges[0][0], me.job_ids.ranges[-1][1]}, reverse=True)
    yield _data(contract, "jobs-found-in-order", "the lowest and highest known IDs", me, edges)
    yield _data(
        contract,
        "jobs-found-in-order",
        "a full request (up to 1,000 known IDs)",
        me,
        me.job_ids.sample(rng, 1000),
    )
    if options.other and options.other.job_ids:
        other = options.other
        yield _data(
            contract,
            "jobs-found-in-order",
            "second identity, its known jobs",
            other,
            other.job_ids.sample(rng, 6),
        )


@probes_for("jobs-only-requested")
def _only(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    yield _data(
        contract,
        "jobs-only-requested",
        "unknown IDs only (answer holds none)",
        me,
        unknown_ids(rng, options, 3),
    )
    if me.job_ids:
        yield _data(contract, "jobs-only-requested", "one known job", me, me.job_ids.sample(rng, 1))


@probes_for("jobs-foreign-hidden")
def _foreign(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe | Skipped]:
    me, other = options.identity, options.other
    if other is None or not other.job_ids:
        yield Skipped(
            "jobs-foreign-hidden",
            "no OTHER_JOB_IDS given: the harness knows no job of another project",
        )
        return
    foreign = other.job_ids.sample(rng, 5)
    yield _data(contract, "jobs-foreign-hidden", "jobs of OTHER_PROJECT_ID only", me, foreign)
    mixed = some_ids(rng, me, 3) + foreign[:3]
    rng.shuffle(mixed)
    yield _data(contract, "jobs-foreign-hidden", "own and foreign jobs mixed", me, mixed)
    if me.job_ids:
        yield _data(
            contract,
            "jobs-foreign-hidden",
            "second identity asking for PROJECT_ID's jobs",
            other,
            me.job_ids.sample(rng, 5),
        )
