"""The catalogue of request transformations (issue 30): probes derived from the grammars that
define "the same request" and "not a request", not listed one bug at a time.

Each row is data: an id, its family, its source (the RFC section or the spec's schema), the
relation it must keep, and the edit. The engine applies every row to the valid request of
each operation (the successor's is signed after the edit, so a refusal can only come from
what the row changed) and judges the answer by the relation:

- ``same``: a different text or message for the same request (RFC 8259's whitespace and
  escapes; RFC 9110/9112's header case and whitespace, media-type parameters, explicit
  defaults, chunked framing, the headers clients and proxies add). It must get a 200 with
  exactly the jobs the canonical request got (``expected_jobs``), under
  ``valid-request-accepted`` - or, for a number's other spelling, under the should rule
  ``numbers-decided-exactly``;
- a rule id: what the grammar excludes and lenient parsers accept (trailing commas,
  comments, leading zeros, other encodings, content codings, each node of the request schema
  as each JSON type it does not allow). It must get that rule's refusal, never a 5xx;
- the signing scheme (``x-signature`` of the operation's security scheme, read from the
  spec under test): each element of the ``Authorization`` grammar, the date and its format,
  each required signed header, the ``SignedHeaders`` list and each copy of a signing header,
  altered one at a time with the request otherwise signed correctly - a refusal can only
  come from the altered element, and it must be the refusal of that element's rule.

A new class of bug becomes one new row here (and a fault in the self-test that it catches).
"""

from __future__ import annotations

import codecs
import gzip
import json
import random
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from fuzz_harness.exchange import Request, Signing
from jobs_metrics_spec import Contract, SignatureRules

SAME = "same"
ACCEPTED = "valid-request-accepted"
EXACT_NUMBERS = "numbers-decided-exactly"
MALFORMED = "json-malformed"
SCHEMA = "body-schema-violation"
ENCODING = "content-encoding-not-identity"

Edit = Callable[[Request], Request]


@dataclass(frozen=True)
class Transform:
    id: str
    family: str  # json-text, json-number, http-message, json-grammar, content-coding, schema
    source: str
    relation: str  # SAME, or the rule id whose refusal the edited request must get
    edit: Edit

    def rule(self) -> str:
        """The report's row a failure of this row goes under."""
        if self.relation != SAME:
            return self.relation
        return EXACT_NUMBERS if self.family == "json-number" else ACCEPTED


def _ids(request: Request) -> list[Any]:
    value = json.loads(request.body or b"{}")
    ids: list[Any] = value["job_ids"]
    return ids


def _body(text: str | bytes) -> Edit:
    """An edit that writes the body from the job IDs (``{ids}``: their JSON list's items)."""

    def edit(request: Request) -> Request:
        items = ",".join(map(str, _ids(request)))
        raw = text.replace("{ids}", items) if isinstance(text, str) else text
        return replace(request, body=raw.encode() if isinstance(raw, str) else raw)

    return edit


def _numbers(spell: Callable[[int], str]) -> Edit:
    def edit(request: Request) -> Request:
        items = ",".join(spell(i) for i in _ids(request))
        return replace(request, body=f'{{"job_ids":[{items}]}}'.encode())

    return edit


def _header(*pairs: tuple[str, str]) -> Edit:
    """The request with ``pairs`` added to its headers."""

    def edit(request: Request) -> Request:
        return replace(request, headers=(*request.headers, *pairs))

    return edit


def _headers(rewrite: Callable[[str, str], tuple[str, str]]) -> Edit:
    def edit(request: Request) -> Request:
        return replace(request, headers=tuple(rewrite(n, v) for n, v in request.headers))

    return edit


def _content_type(value: str) -> Edit:
    return _headers(lambda n, v: (n, value) if n.lower() == "content-type" else (n, v))


def _coded(name: str, encode: Callable[[bytes], bytes]) -> Edit:
    def edit(request: Request) -> Request:
        return replace(
            request,
            body=encode(request.body or b""),
            headers=(*request.headers, ("Content-Encoding", name)),
        )

    return edit


def _encoded(codec: str, bom: bytes = b"") -> Edit:
    def edit(request: Request) -> Request:
        text = (request.body or b"").decode()
        return replace(request, body=bom + codecs.encode(text, codec))

    return edit


def _then(first: Edit, second: Edit) -> Edit:
    """Two edits, one after the other (a pair of rows tried together)."""
    return lambda request: second(first(request))


def _chunked(request: Request) -> Request:
    return replace(request, chunked=True)


def _replace_node(path: str, value: Any) -> Edit:
    """The request body with the node at ``path`` (``body``, ``job_ids``, ``item``) replaced
    by ``value``: one node of the schema given a JSON type it does not allow."""

    def edit(request: Request) -> Request:
        ids = _ids(request)
        body: Any
        if path == "body":
            body = value
        elif path == "job_ids":
            body = {"job_ids": value}
        else:
            body = {"job_ids": [*ids[:1], value]}
        return replace(request, body=json.dumps(body).encode())

    return edit


RFC8259 = "RFC 8259"
RFC9110 = "RFC 9110"
RFC9112 = "RFC 9112"
SPEC = "the spec's JobMetricsRequest"

# JSON values of each type, for the schema rows (each is a type some node does not allow).
_VALUES: dict[str, Any] = {
    "an object": {"job_ids": [1]},
    "an array": [1],
    "a string": "7",
    "a number with a fraction": 7.5,
    "a boolean": True,
    "null": None,
}
_NODE_TYPES = {
    "body": ("an array", "a string", "a number with a fraction", "a boolean", "null"),
    "job_ids": ("an object", "a string", "a number with a fraction", "a boolean", "null"),
    "item": ("an object", "an array", "a string", "a number with a fraction", "a boolean", "null"),
}


def _catalogue() -> list[Transform]:
    rows = [
        # -- the same JSON value, another text (RFC 8259) -----------------------------------
        Transform("ws-around-tokens", "json-text", f"{RFC8259} §2 (insignificant whitespace)",
                  SAME, _body('{ "job_ids" : [ {ids} ] }')),
        Transform("ws-tabs-and-crlf", "json-text", f"{RFC8259} §2 (tab, CR, LF are whitespace)",
                  SAME, _body('\t{\r\n\t"job_ids":\r\n[{ids}]\r\n}\n')),
        Transform("ws-leading-trailing", "json-text", f"{RFC8259} §2 (ws around the value)",
                  SAME, _body('  \n{"job_ids":[{ids}]}  \n')),
        Transform("key-unicode-escapes", "json-text", f"{RFC8259} §7 (\\u escapes)",
                  SAME, _body('{"\\u006a\\u006f\\u0062\\u005f\\u0069\\u0064\\u0073":[{ids}]}')),
        Transform("key-uppercase-hex-escape", "json-text", f"{RFC8259} §7 (hex digits any case)",
                  SAME, _body('{"job\\u005Fids":[{ids}]}')),
        # -- the same number, another spelling (RFC 8259 §6; JSON Schema: by value) ---------
        Transform("number-exponent", "json-number", f"{RFC8259} §6 (exponent)", SAME,
                  _numbers(lambda i: f"{i}e0")),
        Transform("number-exponent-upper-plus", "json-number", f"{RFC8259} §6 (E, +)", SAME,
                  _numbers(lambda i: f"{i}E+0")),
        Transform("number-fraction-zero", "json-number", f"{RFC8259} §6 (fraction)", SAME,
                  _numbers(lambda i: f"{i}.0")),
        # -- the same request, another message (RFC 9110 / 9112) ----------------------------
        Transform("header-names-upper", "http-message", f"{RFC9110} §5.1 (names case-insensitive)",
                  SAME, _headers(lambda n, v: (n.upper(), v))),
        Transform("media-type-quoted-charset", "http-message", f"{RFC9110} §8.3.1 (parameters)",
                  SAME, _content_type('application/json; charset="utf-8"')),
        Transform("media-type-space-before-param", "http-message",
                  f"{RFC9110} §5.6.6 (OWS around ;)", SAME,
                  _content_type("application/json ; charset=utf-8")),
        Transform("content-encoding-identity", "http-message", f"{RFC9110} §8.4.1 (identity)",
                  SAME, _header(("Content-Encoding", "identity"))),
        Transform("chunked-framing", "http-message", f"{RFC9112} §7.1 (chunked)", SAME, _chunked),
        Transform("via-and-forwarded", "http-message", f"{RFC9110} §7.6.3 (a proxy's Via)",
                  SAME, _header(("Via", "1.1 proxy.example"),
                          ("X-Forwarded-For", "203.0.113.7"))),
        Transform("user-agent-and-accept", "http-message", f"{RFC9110} §10.1.5, §12.5.1",
                  SAME, _header(("User-Agent", "huaweicloud-usdk-python/3.0"),
                          ("Accept", "application/json, */*;q=0.1"))),
        Transform("accept-encoding-and-language", "http-message", f"{RFC9110} §12.5.3-4",
                  SAME, _header(("Accept-Encoding", "gzip, deflate, br"),
                          ("Accept-Language", "en-US,en;q=0.9"))),
        Transform("cache-control-and-pragma", "http-message", f"{RFC9110} (request directives)",
                  SAME, _header(("Cache-Control", "no-cache"), ("Pragma", "no-cache"))),
        # -- not JSON, though lenient parsers read it (RFC 8259) ----------------------------
        Transform("trailing-comma-array", "json-grammar", f"{RFC8259} §5", MALFORMED,
                  _body('{"job_ids":[{ids},]}')),
        Transform("trailing-comma-object", "json-grammar", f"{RFC8259} §4", MALFORMED,
                  _body('{"job_ids":[{ids}],}')),
        Transform("comment-block", "json-grammar", f"{RFC8259} §2 (no comments)", MALFORMED,
                  _body('{/* ids */"job_ids":[{ids}]}')),
        Transform("comment-line", "json-grammar", f"{RFC8259} §2 (no comments)", MALFORMED,
                  _body('{"job_ids":[{ids}] // ids\n}')),
        Transform("trailing-text", "json-grammar", f"{RFC8259} §2 (one value)", MALFORMED,
                  _body('{"job_ids":[{ids}]} x')),
        Transform("two-values", "json-grammar", f"{RFC8259} §2 (one value)", MALFORMED,
                  _body('{"job_ids":[{ids}]}{"job_ids":[{ids}]}')),
        Transform("leading-zero", "json-grammar", f"{RFC8259} §6 (no leading zeros)", MALFORMED,
                  _numbers(lambda i: f"0{i}")),
        Transform("plus-sign", "json-grammar", f"{RFC8259} §6 (no leading +)", MALFORMED,
                  _numbers(lambda i: f"+{i}")),
        Transform("single-quotes", "json-grammar", f"{RFC8259} §7 (quotation marks)", MALFORMED,
                  _body("{'job_ids':[{ids}]}")),
        Transform("unquoted-key", "json-grammar", f"{RFC8259} §4 (names are strings)", MALFORMED,
                  _body("{job_ids:[{ids}]}")),
        Transform("hex-number", "json-grammar", f"{RFC8259} §6 (decimal only)", MALFORMED,
                  _numbers(lambda i: hex(i))),
        Transform("invalid-utf8", "json-grammar", f"{RFC8259} §8.1 (UTF-8)", MALFORMED,
                  _body(b'{"job_\xffids":[1]}')),
        Transform("utf16-encoded", "json-grammar", f"{RFC8259} §8.1 (UTF-8 only)", MALFORMED,
                  _encoded("utf-16-le", codecs.BOM_UTF16_LE)),
        Transform("control-char-in-string", "json-grammar", f"{RFC8259} §7 (escape controls)",
                  MALFORMED, _body(b'{"job_ids\x01":[1]}')),
        # -- a content coding the operation does not read (RFC 9110 §8.4) --------------------
        Transform("coding-gzip", "content-coding", f"{RFC9110} §8.4.1.3", ENCODING,
                  _coded("gzip", gzip.compress)),
        Transform("coding-deflate", "content-coding", f"{RFC9110} §8.4.1.2", ENCODING,
                  _coded("deflate", zlib.compress)),
        Transform("coding-br-declared", "content-coding", f"{RFC9110} §8.4 (br)", ENCODING,
                  _coded("br", lambda body: body)),
    ]  # fmt: skip
    for node, kinds in _NODE_TYPES.items():
        for kind in kinds:
            rows.append(
                Transform(
                    f"schema-{node}-{re.sub(r'[^a-z]+', '-', kind).strip('-')}",
                    "schema",
                    f"{SPEC} ({node} as {kind})",
                    SCHEMA,
                    _replace_node(node, _VALUES[kind]),
                )
            )
    return rows


def _signing(**change: Any) -> Edit:
    """The request signed with one element of the signing scheme altered (``change``: fields
    of :class:`Signing`; the sender signs everything else as the SDK does)."""

    def edit(request: Request) -> Request:
        return replace(request, signing=replace(request.signing or Signing(), **change))

    return edit


def _project_header(request: Request) -> Request:
    """The request with ``X-Project-Id`` naming the path's project (signed with the rest)."""
    project = request.path.split("/")[2]
    return replace(request, headers=(*request.headers, ("X-Project-Id", project)))


X_SIGNATURE = "the spec's x-signature"
# The parameters of the Authorization value, in the order the SDK writes them.
AUTH_PARAMETERS = ("Access", "SignedHeaders", "Signature")
# Other spellings of a date, each a format clients use elsewhere (ISO 8601 extended, RFC 9110
# IMF-fixdate, no zone): a server must read only the scheme's own.
OTHER_DATE_FORMATS = {
    "iso-extended": "%Y-%m-%dT%H:%M:%SZ",
    "imf-fixdate": "%a, %d %b %Y %H:%M:%S GMT",
    "no-zone": "%Y%m%dT%H%M%S",
}
MISSING, WRONG, INCOMPLETE, SKEWED, TWICE, NOT_COVERED = (
    "signature-missing", "signature-wrong", "signed-headers-incomplete", "date-skewed",
    "signing-header-duplicate", "signature-body-not-covered",
)  # fmt: skip


def signing_rows(scheme: SignatureRules) -> list[Transform]:
    """The signing scheme's grammar, one element altered per row, derived from ``scheme``
    (``x-signature``): the algorithm token, each parameter of ``Authorization`` dropped or
    misspelt, the date missing, skewed or in another format, each required signed header
    left out, the ``SignedHeaders`` list unsorted, duplicated, in upper case or naming a
    header not sent, each signing header sent twice, the body's hash claimed."""
    source = f"{X_SIGNATURE} ({scheme.algorithm})"
    date = scheme.date_header
    first = scheme.required_signed_headers[0]
    algorithm = re.escape(scheme.algorithm)
    rows = [
        Transform("sig-algorithm-other", "signing", f"{source}: the algorithm token", MISSING,
                  _signing(authorization_edit=(f"^{algorithm}", scheme.algorithm + "X"))),
        Transform("sig-date-missing", "signing", f"{source}: {date} is required", SKEWED,
                  _signing(date="")),
        Transform("sig-date-past", "signing", f"{source}: max_skew_seconds", SKEWED,
                  _signing(skew_seconds=-(scheme.max_skew_seconds + 120))),
        Transform("sig-date-future", "signing", f"{source}: max_skew_seconds", SKEWED,
                  _signing(skew_seconds=scheme.max_skew_seconds + 120)),
        Transform("sig-list-unsorted", "signing", f"{source}: SignedHeaders sorted", INCOMPLETE,
                  _signing(authorization_edit=(r"SignedHeaders=([^;,]+);([^,]+),",
                                               r"SignedHeaders=\2;\1,"))),
        Transform("sig-list-upper-case", "signing", f"{source}: SignedHeaders lower case",
                  INCOMPLETE, _signing(authorization_edit=(rf"(SignedHeaders=[^,]*?)\b{first}\b",
                                                           rf"\1{first.title()}"))),
        Transform("sig-list-entry-twice", "signing", f"{source}: SignedHeaders unique",
                  INCOMPLETE, _signing(authorization_edit=(r"SignedHeaders=([^;,]+)",
                                                           r"SignedHeaders=\1;\1"))),
        Transform("sig-list-header-not-sent", "signing", f"{source}: SignedHeaders are sent",
                  INCOMPLETE, _signing(phantom=("x-jm-not-sent", "1"))),
        Transform("sig-authorization-twice", "signing", f"{source}: one Authorization",
                  TWICE, _signing(repeat=("Authorization",))),
        Transform(f"sig-{date.lower()}-twice", "signing", f"{source}: one {date}", TWICE,
                  _signing(repeat=(date,))),
        Transform("sig-x-project-id-twice", "signing", f"{source}: one X-Project-Id", TWICE,
                  _then(_project_header, _signing(repeat=("X-Project-Id",)))),
        Transform("sig-body-hash-claimed", "signing", f"{source}: {scheme.content_hash_header}",
                  NOT_COVERED, _signing(payload_hash="UNSIGNED-PAYLOAD")),
    ]  # fmt: skip
    for name in AUTH_PARAMETERS:
        rows += [
            Transform(f"sig-param-{name.lower()}-dropped", "signing",
                      f"{source}: the {name} parameter", MISSING,
                      _signing(authorization_edit=(rf",? ?\b{name}=[^,]*", ""))),
            Transform(f"sig-param-{name.lower()}-misspelt", "signing",
                      f"{source}: the {name} parameter's name", MISSING,
                      _signing(authorization_edit=(rf"\b{name}=", f"{name[:-1]}=")))
        ]  # fmt: skip
    for header in scheme.required_signed_headers:
        rows.append(Transform(f"sig-unsigned-{header}", "signing",
                              f"{source}: required_signed_headers", INCOMPLETE,
                              _signing(unsigned=(header,))))  # fmt: skip
    for name, form in OTHER_DATE_FORMATS.items():
        rows.append(Transform(f"sig-date-{name}", "signing", f"{source}: date_format", SKEWED,
                              _signing(date_format=form)))  # fmt: skip
    return rows


@cache
def catalogue() -> tuple[Transform, ...]:
    """Every row, built once when first asked for (no work at import)."""
    return tuple(_catalogue())


def applied(
    contract: Contract, canonical: Request, rng: random.Random, pairs: int = 4
) -> Iterator[tuple[str, Transform, Request]]:
    """Every row that applies to the operation, edited into ``canonical`` (name, row,
    request), then ``pairs`` pairs of meaning-preserving rows sampled by seed (two that
    interact are tried together)."""
    rules = {rule.id for rule in contract.rules}
    signing = signing_rows(contract.signature) if contract.signed else []
    rows = [row for row in (*catalogue(), *signing) if row.rule() in rules]
    for row in rows:
        yield f"transform {row.id} [{row.source}]", row, row.edit(canonical)
    same = [row for row in rows if row.relation == SAME and row.family != "json-number"]
    for _ in range(pairs if len(same) > 1 else 0):
        first, second = rng.sample(same, 2)
        both = Transform(f"{first.id}+{second.id}", "pair", f"{first.source}; {second.source}",
                         SAME, _then(first.edit, second.edit))  # fmt: skip
        yield f"transform {both.id} [pair]", both, both.edit(canonical)


__all__ = ["SAME", "Transform", "applied", "catalogue"]
