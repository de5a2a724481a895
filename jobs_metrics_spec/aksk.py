"""The AK/SK request signature of the successor operation (``SDK-HMAC-SHA256``).

The spec's ``akskSignature`` scheme says what is signed and how (its description and
``x-signature``); this module is that computation, in one place, for both sides: the reference
server verifies with it and the fuzz harness signs with it. It follows the provider's SDK
(``huaweicloudsdkcore.signer.Signer``) byte for byte, and a test signs the same request with
the SDK and with this module. It is written here rather than imported from the SDK because the
SDK is a test dependency only (it pulls in pymongo, simplejson and more), and because a
verifier needs the canonical parts, which the SDK keeps private.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()
_AUTHORIZATION = re.compile(
    r"SDK-HMAC-SHA256 Access=(?P<access>[^,\s]+), SignedHeaders=(?P<signed>[^,\s]+),"
    r" Signature=(?P<signature>[0-9a-fA-F]+)"
)


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``Authorization: SDK-HMAC-SHA256 ...`` header."""

    access_key: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> Authorization | None:
    """The header's parts, or None when it is not an ``SDK-HMAC-SHA256`` signature."""
    match = _AUTHORIZATION.fullmatch(value.strip())
    if match is None:
        return None
    signed = tuple(match.group("signed").split(";"))
    return Authorization(match.group("access"), signed, match.group("signature").lower())


def body_hash(body: bytes) -> str:
    """Hex SHA-256 of the body as sent (the empty body's hash for none)."""
    return hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_HASH


def canonical_uri(path: str) -> str:
    """The path with each segment decoded and re-quoted (``~`` kept), ending in ``/``."""
    uri = "/".join(quote(segment, safe="~") for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query: Iterable[tuple[str, str]]) -> str:
    return "&".join(
        f"{quote(key, safe='~')}={quote(value, safe='~')}" for key, value in sorted(query)
    )


def canonical_request(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: dict[str, str],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """The canonical request; ``headers`` maps lower-case names to values (one per name)."""
    lines = "".join(f"{name}:{headers[name].strip()}\n" for name in signed_headers)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            lines,
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def _utf8(text: str) -> bytes:
    """UTF-8, as the SDK encodes what it signs; ``surrogateescape`` gives back the bytes of a
    header value a server decoded with it (bytes that are not UTF-8 sign as they came)."""
    return text.encode("utf-8", "surrogateescape")


def header_text(raw: bytes) -> str:
    """A received header value as the SDK signed it: it signs the text and sends its UTF-8."""
    return raw.decode("utf-8", "surrogateescape")


def string_to_sign(date: str, canonical: str) -> str:
    digest = hashlib.sha256(_utf8(canonical)).hexdigest()
    return f"{ALGORITHM}\n{date}\n{digest}"


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(_utf8(secret_key), _utf8(to_sign), hashlib.sha256).hexdigest()


def expected_signature(
    secret_key: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: dict[str, str],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """The signature a request must carry: ``headers`` by lower-case name (one value each, the
    ``x-sdk-date`` one among them), ``signed_headers`` as its ``SignedHeaders`` lists them.
    The one computation behind :func:`sign`, the server's check and the self-test's faults."""
    canonical = canonical_request(method, path, query, headers, signed_headers, payload_hash)
    return signature(secret_key, string_to_sign(headers.get("x-sdk-date", ""), canonical))


def authorization_header(access_key: str, signed_headers: Sequence[str], value: str) -> str:
    """The ``Authorization`` value carrying a signature, as the SDK writes it."""
    signed = ";".join(signed_headers)
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={signed}, Signature={value}"


def signatures_equal(given: str, expected: str) -> bool:
    """Constant-time comparison, so a timing attack cannot find a signature byte by byte."""
    return hmac.compare_digest(given.lower().encode("ascii", "replace"), expected.encode("ascii"))


# The date format the SDK writes (the spec's x-signature.date_format says the same).
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


def sdk_date(moment: datetime | None = None, date_format: str = SDK_DATE_FORMAT) -> str:
    """``X-Sdk-Date`` as the SDK writes it (UTC)."""
    return (moment or datetime.now(UTC)).strftime(date_format)


def sign(
    method: str,
    path: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    access_key: str,
    secret_key: str,
    *,
    query: Iterable[tuple[str, str]] = (),
    payload_hash: str | None = None,
) -> str:
    """The ``Authorization`` value for a request, signing every header given (as the SDK
    does: every header whose name has no ``_``). ``headers`` must hold ``Host`` and
    ``X-Sdk-Date``; ``payload_hash`` overrides the body's hash (the SDK's
    ``X-Sdk-Content-Sha256``)."""
    by_name = {name.lower(): value for name, value in headers if "_" not in name}
    signed = sorted(by_name)
    value = expected_signature(
        secret_key, method, path, query, by_name, signed, payload_hash or body_hash(body)
    )
    return authorization_header(access_key, signed, value)


__all__ = [
    "ALGORITHM",
    "EMPTY_BODY_HASH",
    "SDK_DATE_FORMAT",
    "Authorization",
    "authorization_header",
    "body_hash",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "expected_signature",
    "header_text",
    "parse_authorization",
    "sdk_date",
    "sign",
    "signature",
    "signatures_equal",
]
