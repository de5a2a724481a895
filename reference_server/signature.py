"""AK/SK signatures of the successor operation (``SDK-HMAC-SHA256``), verified as the
provider's API gateway does.

The computation itself (canonical request, string to sign, HMAC, constant-time comparison) is
:mod:`jobs_metrics_spec.aksk`, shared with the fuzz harness that signs; what is checked and
with which answer is the spec's: the skew window and the headers that must be signed come from
``x-signature`` of ``akskSignature``, every refusal names its ``x-contract`` rule and the
spec says how the successor answers it (:mod:`reference_server.errors`). Verification is
split in two because the body's hash needs the body: :func:`authenticate` checks everything
the headers alone decide (before a byte of the body is read, so an unsigned client cannot make
the server read 1 MiB), :func:`verify` the signature once the body has arrived.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from urllib.parse import parse_qsl

from jobs_metrics_spec import SignatureRules, aksk, signature_rules, spec_document
from reference_server.demo import AccessKey
from reference_server.errors import Refusal

AUTHORIZATION = "authorization"


@cache
def spec_rules() -> SignatureRules:
    """``x-signature`` of the spec, read when the first signed request is checked."""
    return signature_rules(spec_document())


@cache
def signing_header_names() -> frozenset[str]:
    """Headers whose second copy is refused (401): a proxy checking one copy and the service
    using another would disagree about what was signed, when, for whom, or for which
    project."""
    return frozenset((AUTHORIZATION, spec_rules().date_header.lower(), "host", "x-project-id"))


# The rules each step refuses with (the app's check table names them): what the headers
# decide, and the signature over the request as received.
AUTHENTICATE_RULES = ("signing-header-duplicate", "signature-missing", "signed-headers-incomplete",
                "date-skewed")  # fmt: skip
VERIFY_RULES = ("signature-wrong", "signature-body-not-covered", "access-key-unknown")


def refused(message: str, rule_id: str = "signature-wrong") -> Refusal:
    """A signature failure under ``rule_id`` (all of them 401 ``APIGW.0301`` in the spec);
    the message never echoes a key or secret."""
    return Refusal(rule_id, message)


def signing_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request's headers by lower-case name (the last copy of a repeated one); a second
    copy of a header in ``signing_header_names()``, in any letter case, is refused."""
    headers: dict[str, str] = {}
    names = signing_header_names()
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1").lower()
        if name in headers and name in names:
            raise refused(
                f"{name}: sent more than once; a signed request sends it exactly once",
                "signing-header-duplicate",
            )
        headers[name] = aksk.header_text(raw_value)  # the text the SDK signed (UTF-8)
    return headers


@dataclass(frozen=True)
class Signer:
    """Who signed (the access key and what it is bound to) and what they claim to have signed."""

    access_key: str
    key: AccessKey
    authorization: aksk.Authorization
    date: str


# The one answer to a request whose credentials do not hold: an unknown access key and a
# known one with a wrong signature get the same message, after the same work (the body read,
# hashed and an HMAC computed and compared), so neither the answer nor its timing tells
# which access keys exist (the provider's gateway words them differently; the spec says why
# this server does not).
CREDENTIALS_REFUSED = "Incorrect IAM authentication information: verify aksk signature fail."
# What an unknown access key is verified with: a secret no request can have signed with.
_NO_KEY = AccessKey(secret_key=os.urandom(32).hex(), project_id="")
# A SignedHeaders entry: a header name as the SDK writes it (an RFC 9110 token, lower case).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")


def authenticate(
    headers: Mapping[str, str], keys: Mapping[str, AccessKey], now: float | None = None
) -> Signer:
    """Everything the headers decide: a well-formed ``Authorization`` of a bounded size, a
    ``SignedHeaders`` list as the SDK writes it (sorted, unique, lower-case names, no more
    than the headers sent) naming the required headers and only headers sent, a date within
    the skew window.

    Each check costs at most linear work in the header block (16 KiB), whatever the list
    holds: a list naming one 8 KB header 4,000 times built a 32 MB canonical request before.
    The access key is looked up but not judged here: an unknown key is refused by
    :func:`verify`, with the answer a wrong signature gets."""
    rules = spec_rules()
    value = headers.get(AUTHORIZATION)
    if value is None:
        raise refused(
            "There is no Authorization header; sign the request with your AK/SK.",
            "signature-missing",
        )
    if len(value) > rules.max_authorization_bytes:
        raise refused(
            f"Authorization: longer than the {rules.max_authorization_bytes} bytes allowed.",
            "signed-headers-incomplete",
        )
    authorization = aksk.parse_authorization(value)
    if authorization is None:
        raise refused(f"Authorization: not an {aksk.ALGORITHM} signature.", "signature-missing")
    date = headers.get(rules.date_header.lower())
    if date is None:  # before the list's checks: a request without a date is date-skewed's
        raise refused(f"There is no {rules.date_header} header.", "date-skewed")
    listed = authorization.signed_headers
    if not all(_HEADER_NAME.fullmatch(name) for name in listed):
        raise refused(
            "SignedHeaders: every entry must be a header name in lower case.",
            "signed-headers-incomplete",
        )
    if list(listed) != sorted(set(listed)):
        raise refused(
            "SignedHeaders: the names must be sorted, each listed once.",
            "signed-headers-incomplete",
        )
    if len(listed) > len(headers):
        raise refused(
            "SignedHeaders: lists more headers than the request sends.",
            "signed-headers-incomplete",
        )
    unsigned = [name for name in rules.required_signed_headers if name not in listed]
    if unsigned:
        raise refused(
            f"SignedHeaders: {', '.join(unsigned)} must be signed.", "signed-headers-incomplete"
        )
    missing = [name for name in listed if name not in headers]
    if missing:
        raise refused(
            f"SignedHeaders: {', '.join(missing)} is listed but not sent.",
            "signed-headers-incomplete",
        )
    check_date(date, time.time() if now is None else now)
    key = keys.get(authorization.access_key, _NO_KEY)
    return Signer(authorization.access_key, key, authorization, date)


def check_date(value: str, now: float) -> None:
    """Refuse a date that is not exactly in the spec's format, or further from ``now`` than
    ``max_skew_seconds`` (past or future): a signature valid forever could be replayed forever."""
    rules = spec_rules()
    try:
        moment = datetime.strptime(value, rules.date_format).replace(tzinfo=UTC)
    except ValueError:
        moment = None
    # strptime accepts one-digit months and the like: only the format's own spelling passes.
    if moment is None or moment.strftime(rules.date_format) != value:
        raise refused(f"{rules.date_header}: not of the form {rules.date_format}.", "date-skewed")
    skew = abs(moment.timestamp() - now)
    if skew > rules.max_skew_seconds:
        raise refused(
            f"{rules.date_header}: {int(skew)} s from the server's clock, more than the"
            f" {rules.max_skew_seconds} s allowed.",
            "date-skewed",
        )


def verify(
    signer: Signer,
    method: str,
    raw_path: bytes,
    query_string: bytes,
    headers: Mapping[str, str],
    body: bytes,
) -> None:
    """Refuse a signature that does not match the request as received. The body is hashed from
    the bytes that arrived: ``X-Sdk-Content-Sha256`` (``UNSIGNED-PAYLOAD`` or any other value
    but that hash) would let a body the signature does not cover through."""
    payload_hash = aksk.body_hash(body)
    content_hash = spec_rules().content_hash_header
    claimed = headers.get(content_hash.lower())
    if claimed is not None and claimed.strip().lower() != payload_hash:
        raise refused(
            f"{content_hash}: not the SHA-256 of the body received; the body"
            " of this operation is always signed.",
            "signature-body-not-covered",
        )
    signed = list(signer.authorization.signed_headers)  # lower case: authenticate checked
    expected = aksk.expected_signature(
        signer.key.secret_key,
        method,
        raw_path.decode("latin-1"),
        parse_qsl(query_string.decode("latin-1"), keep_blank_values=True),
        {**{name: headers[name] for name in signed}, "x-sdk-date": signer.date},
        signed,
        payload_hash,
    )
    matches = aksk.signatures_equal(signer.authorization.signature, expected)
    if signer.key is _NO_KEY:  # cannot match (no request knows the secret): same answer
        raise refused(CREDENTIALS_REFUSED, "access-key-unknown")
    if not matches:
        raise refused(CREDENTIALS_REFUSED)
