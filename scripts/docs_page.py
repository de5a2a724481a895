"""What `make docs` changes on the way from the spec to the page, and what it checks after.

The spec itself is never edited: Redoc renders a *docs copy* of it, in which

* integers JavaScript cannot hold (beyond 2**53, the int64 bounds) are written as decimal
  strings in the schema keywords that show them (``maximum`` ...): Redoc parses the spec
  into JavaScript numbers and would print 9223372036854775807 as 9223372036854776000;
* every closed object (``additionalProperties: false``) says so in its description, since
  Redoc does not show that keyword;
* every operation's description ends with its authentication, written from its security
  schemes (header name included), since Redoc hides it behind a chevron;
* the 400 table is rendered from ``x-contract`` (jobs_metrics_spec.rules_markdown).

The page keeps the original spec for download beside it (``jobs-metrics.openapi.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specdiff.resolve import resolve_refs

JS_SAFE = 2**53 - 1
SHOWN_NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
CLOSED_NOTE = (
    "**Closed object**: no properties other than those listed (`additionalProperties: false`)."
)


def big_integers(node: Any) -> set[int]:
    """Every integer in ``node`` that a JavaScript number cannot hold exactly."""
    found: set[int] = set()
    if isinstance(node, bool):
        return found
    if isinstance(node, int) and abs(node) > JS_SAFE:
        found.add(node)
    elif isinstance(node, dict):
        for value in node.values():
            found |= big_integers(value)
    elif isinstance(node, list):
        for value in node:
            found |= big_integers(value)
    return found


def js_rendering(number: int) -> str:
    """How JavaScript prints ``number`` once parsed into a double (``String(n)``): the
    shortest round-tripping digits, padded with zeros (below 1e21)."""
    digits, _, exponent = repr(float(number)).partition("e")
    mantissa = digits.replace(".", "").lstrip("-")
    if not exponent:  # repr gave a plain decimal
        return str(int(float(number)))
    places = int(exponent) + 1
    sign = "-" if number < 0 else ""
    return sign + mantissa.ljust(places, "0") if places >= len(mantissa) else str(number)


def _shown_copy(node: Any) -> Any:
    """A new tree: big bounds as exact decimal strings, closed objects marked."""
    if isinstance(node, list):
        return [_shown_copy(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        big = isinstance(value, int) and not isinstance(value, bool) and abs(value) > JS_SAFE
        result[key] = str(value) if key in SHOWN_NUMBER_KEYWORDS and big else _shown_copy(value)
    if result.get("type") == "object" and result.get("additionalProperties") is False:
        description = str(result.get("description", "")).rstrip()
        result["description"] = f"{description}\n\n{CLOSED_NOTE}".lstrip()
    return result


def authentication_text(document: dict[str, Any], operation: dict[str, Any]) -> str:
    """The operation's security requirements in words, from the schemes' definitions."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    requirements = operation.get("security", document.get("security")) or []
    if not requirements:
        return "**Authentication**: none."
    ways = []
    for requirement in requirements:
        parts = []
        for name in requirement:
            scheme = schemes.get(name, {})
            if scheme.get("type") == "apiKey":
                parts.append(f"the `{scheme.get('name')}` {scheme.get('in')} (`{name}`)")
            elif scheme.get("type") == "http":
                parts.append(f"HTTP `{scheme.get('scheme')}` authentication (`{name}`)")
            else:
                parts.append(f"`{name}` ({scheme.get('type')})")
        ways.append(" and ".join(parts) if parts else "no credentials")
    return "**Authentication**: " + "; or ".join(ways) + "."


def docs_copy(document: dict[str, Any]) -> dict[str, Any]:
    """The document Redoc renders (see the module docstring); ``document`` is not changed."""
    result: dict[str, Any] = _shown_copy(document)
    for item in (result.get("paths") or {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                description = str(operation.get("description", "")).rstrip()
                auth = authentication_text(result, operation)
                operation["description"] = f"{description}\n\n{auth}".lstrip()
    return result


# ---- the page -------------------------------------------------------------------------

HYDRATE = "Redoc.hydrate(__redoc_state, container);"
# Render on the client instead of hydrating the server's markup: the bundle's hydration
# reports React errors #418/#423 (mismatches between Redocly CLI's server render and the
# same Redoc version in the browser), then re-renders anyway. The markup stays for readers
# without JavaScript.
RENDER = "Redoc.init(__redoc_state.spec.data, __redoc_state.options, container);"
LOGO = '"https://cdn.redoc.ly/redoc/logo-mini.svg"'
# The "API docs by Redocly" badge loads its logo from a CDN: an empty inline image instead.
EMPTY_IMAGE = '"data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E"'


def patch_page(html: str) -> str:
    """Client rendering and no CDN logo; fails loudly if the bundle changed shape."""
    for old in (HYDRATE, LOGO):
        if old not in html:
            raise SystemExit(f"docs: the Redoc page no longer contains {old!r}: review patch_page")
    return html.replace(HYDRATE, RENDER).replace(LOGO, EMPTY_IMAGE)


@dataclass(frozen=True)
class PageReading:
    """What a browser saw: console messages, uncaught errors, outside loads, the text."""

    console: list[dict[str, str]]
    page_errors: list[str]
    requests: list[str]
    text: str


def problems(reading: PageReading, document: dict[str, Any]) -> list[str]:
    """Every way the rendered page fails to show the contract exactly (empty: it does)."""
    found = []
    errors = [m["text"] for m in reading.console if m["type"] in ("error", "assert")]
    found += [f"console error: {text}" for text in errors]
    found += [f"page error: {text}" for text in reading.page_errors]
    outside = [url for url in reading.requests if not url.startswith("blob:")]
    found += [f"loads from outside: {url}" for url in outside]
    for keyword, value in sorted(_bounds(document)):
        if str(value) not in reading.text:
            found.append(f"{keyword} {value} is not shown")
    for number in sorted(big_integers(document)):
        if str(number) not in reading.text:
            found.append(f"{number} is not shown exactly")
        if js_rendering(number) in reading.text:
            found.append(f"{number} is shown rounded as {js_rendering(number)}")
    if CLOSED_NOTE.replace("**", "").replace("`", "") not in reading.text:
        found.append("closed objects are not marked")
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for scheme in schemes.values():
        if scheme.get("type") == "apiKey" and scheme.get("name") not in reading.text:
            found.append(f"the {scheme.get('name')} header is not shown")
    for name in sorted(_response_property_names(document)):
        if name not in reading.text:
            found.append(f"response field {name} is not shown (responses collapsed?)")
    return found


BOUND_KEYWORDS = (
    *SHOWN_NUMBER_KEYWORDS, "minLength", "maxLength", "minItems", "maxItems", "multipleOf",
)  # fmt: skip


def _bounds(node: Any) -> set[tuple[str, int | float]]:
    """Every (keyword, number) bound written in the document."""
    found: set[tuple[str, int | float]] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in BOUND_KEYWORDS and isinstance(value, int | float):
                if not isinstance(value, bool):
                    found.add((key, value))
            else:
                found |= _bounds(value)
    elif isinstance(node, list):
        for value in node:
            found |= _bounds(value)
    return found


def _response_property_names(document: dict[str, Any]) -> set[str]:
    """The property names of every response schema, ``$ref`` s resolved."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update((node.get("properties") or {}).keys())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for item in (resolve_refs(document).get("paths") or {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                for response in (operation.get("responses") or {}).values():
                    for media in (response.get("content") or {}).values():
                        walk(media.get("schema"))
    return names
