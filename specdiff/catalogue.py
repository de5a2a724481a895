"""The rule catalogue: every change specdiff reports, with its impact on clients and servers.

One table is the truth: the comparison code only names a rule id; what that change means
for clients and for servers is read from here, and `make diff-rules` prints this table.

Who is affected, and why (the principle behind every row):

* **Clients** are programs written against the base spec, calling a server of the head spec.
  **Servers** are implementations of the base spec, checked against the head spec.
* A change that makes a message one side already *sends* invalid breaks that side: a request
  tightened breaks clients (B); a response tightened may break servers that send the values
  now excluded (P: it depends on their data, the spec cannot tell).
* A change that lets one side *receive* what it could not before: a response widened breaks
  clients, who receive it without asking (generated models reject an unknown enum value or a
  longer string); a request widened is possibly breaking for servers (a server of the base
  refuses the new values until it implements them; only clients written against the new
  spec send them), additive for clients. The same holds for every addition a server must
  implement: a new operation, optional parameter, property or media type.
* Except a response's *declared type* narrowed: its type (number -> integer, nullable
  removed), its format (double -> float, int64 -> int32) or an integer's range (its int64 /
  int32 limit lowered). Servers hold and send values of the declared type, so every server
  of the base may send values now excluded: breaking for servers (SPEC_CHANGELOG's policy:
  an int64 bound change is major).
* A change whose direction cannot be proven (a pattern no automaton can compare) is
  possibly breaking on every side it could hurt, never additive.
* A change that alters no message on the wire is informational (impact ``none``): a schema
  rewritten to allow the same values (a proven refactor: ``allOf`` merged, ``enum: [x]`` as
  ``const: x``, an integer's exclusive bound as the inclusive one, nullable spelled another
  way), the base path moved between ``paths`` and ``servers``, servers, tags. It is listed
  and never raises the verdict above ``none``.
* Tolerant reader: the spec's policy (SPEC_CHANGELOG.md) obliges clients to ignore unknown
  response properties, so a new optional response property or a response object opened to
  unknown properties is additive although the base declared the object closed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Impact(enum.IntEnum):
    """How a change affects one side; ordered so that ``max`` gives the worst."""

    NONE = -1  # informational: no message changes
    ADDITIVE = 0
    POSSIBLY_BREAKING = 1
    BREAKING = 2

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


N0, A, P, B = Impact.NONE, Impact.ADDITIVE, Impact.POSSIBLY_BREAKING, Impact.BREAKING

# Rule ids the comparison code names directly (the value rules are built from their group).
SCHEMA_REWRITTEN = "schema-rewritten"
BASE_PATH_MOVED = "base-path-moved"


class Effect(enum.Enum):
    """What a change does to the set of values (or messages) a keyword allows."""

    WIDENED = "widened"  # every old value still allowed, some new ones
    NARROWED = "narrowed"  # every new value was allowed, some old ones are not
    CHANGED = "changed"  # both: some old values lost, some new ones allowed
    UNKNOWN = "unknown"  # changed, direction not provable


REQUEST, RESPONSE = "request", "response"

# (side, effect) -> (clients, servers): the principle above, as data.
PRINCIPLE: dict[tuple[str, Effect], tuple[Impact, Impact]] = {
    (REQUEST, Effect.NARROWED): (B, A),
    (REQUEST, Effect.WIDENED): (A, P),
    (REQUEST, Effect.CHANGED): (B, P),
    (REQUEST, Effect.UNKNOWN): (P, P),
    (RESPONSE, Effect.NARROWED): (A, P),
    (RESPONSE, Effect.WIDENED): (B, A),
    (RESPONSE, Effect.CHANGED): (B, P),
    (RESPONSE, Effect.UNKNOWN): (P, P),
}


@dataclass(frozen=True)
class Rule:
    """One row of the catalogue."""

    id: str
    group: str
    summary: str
    clients: Impact
    servers: Impact

    @property
    def impact(self) -> Impact:
        return max(self.clients, self.servers)


# Value-set keywords, compared by the effect on the set of allowed values, on both sides.
# group -> (what it covers, the effects it can have)
_W, _N, _C, _U = Effect.WIDENED, Effect.NARROWED, Effect.CHANGED, Effect.UNKNOWN
VALUE_GROUPS: dict[str, tuple[str, tuple[Effect, ...]]] = {
    "type": ("`type`, type lists and nullable (integer is a subset of number)", (_W, _N, _C)),
    "format": ("`format` (int32 within int64, float within double)", (_W, _N, _C)),
    "enum": ("`enum` values added or removed", (_W, _N, _C)),
    "const": ("`const` added, removed or changed", (_W, _N, _C)),
    "minimum": ("`minimum` / `exclusiveMinimum` (the effective lower bound)", (_W, _N)),
    "maximum": ("`maximum` / `exclusiveMaximum` (the effective upper bound)", (_W, _N)),
    "multiple-of": ("`multipleOf`", (_W, _N, _C)),
    "min-length": ("`minLength`", (_W, _N)),
    "max-length": ("`maxLength`", (_W, _N)),
    "pattern": ("`pattern`, compared as automata", (_W, _N, _C, _U)),
    "min-items": ("`minItems`", (_W, _N)),
    "max-items": ("`maxItems`", (_W, _N)),
    "unique-items": ("`uniqueItems`", (_W, _N)),
    "min-properties": ("`minProperties`", (_W, _N)),
    "max-properties": ("`maxProperties`", (_W, _N)),
    "additional-properties": ("`additionalProperties` (closed / open / a schema)", (_W, _N)),
    "one-of": ("`oneOf` branches added (widened) or removed (narrowed)", (_W, _N)),
    "any-of": ("`anyOf` branches added (widened) or removed (narrowed)", (_W, _N)),
    "all-of": ("`allOf` members added (narrowed) or removed (widened)", (_W, _N)),
    "discriminator-mapping": ("`discriminator.mapping` entries", (_W, _N, _C)),
    "schema": ("a schema replaced by `true` (anything) or `false` (nothing)", (_W, _N)),
}

# Exceptions to PRINCIPLE, each with its reason (kept next to the rule in `make diff-rules`).
_TOLERANT = "tolerant-reader policy: clients ignore unknown response properties"
_DECLARED = "servers hold values of the declared type: every one may send what is now excluded"
OVERRIDES: dict[str, tuple[Impact, Impact, str]] = {
    "response-additional-properties-widened": (A, A, _TOLERANT),
    "response-type-narrowed": (A, B, _DECLARED),
    "response-format-narrowed": (A, B, _DECLARED),
}


def _value_rules() -> list[Rule]:
    rules = []
    for group, (covers, effects) in VALUE_GROUPS.items():
        for side in (REQUEST, RESPONSE):
            for effect in effects:
                rule_id = f"{side}-{group}-{effect.value}"
                clients, servers = PRINCIPLE[side, effect]
                summary = f"{side} {covers}: {effect.value}"
                if rule_id in OVERRIDES:
                    clients, servers, why = OVERRIDES[rule_id]
                    summary += f" ({why})"
                rules.append(Rule(rule_id, group, summary, clients, servers))
    return rules


# Structural rules: id -> (group, summary, clients, servers).
_STRUCTURAL: dict[str, tuple[str, str, Impact, Impact]] = {
    # operations
    "operation-added": ("operations", "a new operation", A, P),
    "operation-removed": ("operations", "an operation removed", B, A),
    "operation-removed-after-sunset": (
        "operations",
        "a deprecated operation removed after its `x-sunset` date (announced)",
        A,
        A,
    ),
    "operation-deprecated": ("deprecation", "an operation marked deprecated", A, A),
    "operation-reactivated": ("deprecation", "an operation no longer deprecated", A, A),
    "operation-sunset-changed": (
        "deprecation",
        "an operation's `x-sunset` date set, moved or removed",
        A,
        A,
    ),
    "operation-id-changed": (
        "informational",
        "`operationId` changed (generated clients rename the function)",
        A,
        A,
    ),
    "operation-tags-changed": ("informational", "an operation's tags changed", N0, N0),
    "path-parameter-renamed": (
        "parameters",
        "a path parameter renamed in the template (same URL on the wire)",
        A,
        A,
    ),
    "servers-changed": ("informational", "the `servers` list changed", N0, N0),
    "tags-changed": ("informational", "the top-level `tags` changed", N0, N0),
    BASE_PATH_MOVED: (
        "refactor",
        "a common path prefix moved between `paths` and `servers[].url`: every full URL is "
        "unchanged (a client that sets its own base URL must add or drop the prefix)",
        N0,
        N0,
    ),
    SCHEMA_REWRITTEN: (
        "refactor",
        "a schema rewritten to allow exactly the same values (allOf merged, enum of one value "
        "as const, an integer's exclusive bound as the inclusive one, nullable spelled "
        "another way)",
        N0,
        N0,
    ),
    # parameters (path, query, header, cookie)
    "request-parameter-added-required": ("parameters", "a new required parameter", B, P),
    "request-parameter-added-optional": ("parameters", "a new optional parameter", A, P),
    "request-parameter-removed": (
        "parameters",
        "a parameter removed (clients still sending it may be refused or ignored)",
        P,
        A,
    ),
    "request-parameter-became-required": ("parameters", "a parameter now required", B, A),
    "request-parameter-became-optional": ("parameters", "a parameter now optional", A, P),
    "request-parameter-serialization-changed": (
        "parameters",
        "`style`, `explode` or `allowReserved` changed: the same value is sent differently",
        B,
        B,
    ),
    "request-parameter-deprecated": ("deprecation", "a parameter marked deprecated", A, A),
    # request body
    "request-body-added-required": ("request body", "a required request body added", B, P),
    "request-body-added-optional": ("request body", "an optional request body added", A, P),
    "request-body-removed": ("request body", "the request body removed", P, A),
    "request-body-became-required": ("request body", "the request body now required", B, A),
    "request-body-became-optional": ("request body", "the request body now optional", A, P),
    "request-media-type-added": ("media types", "a request media type added", A, P),
    "request-media-type-removed": ("media types", "a request media type removed", B, A),
    # properties
    "request-property-added-required": ("properties", "a new required request property", B, P),
    "request-property-added-optional": ("properties", "a new optional request property", A, P),
    "request-property-removed": (
        "properties",
        "a request property removed from a closed object (clients sending it are refused)",
        B,
        A,
    ),
    "request-property-removed-open": (
        "properties",
        "a request property removed from an open object (the server ignores it now)",
        P,
        A,
    ),
    "request-property-became-required": ("properties", "a request property now required", B, A),
    "request-property-became-optional": ("properties", "a request property now optional", A, P),
    "response-property-added-required": (
        "properties",
        "a new required response property (servers of the base do not send it)",
        A,
        B,
    ),
    "response-property-added-optional": (
        "properties",
        f"a new optional response property ({_TOLERANT})",
        A,
        A,
    ),
    "response-property-removed": ("properties", "a response property removed", B, A),
    "response-property-became-required": (
        "properties",
        "a response property now required (servers may omit it today)",
        A,
        B,
    ),
    "response-property-became-optional": (
        "properties",
        "a response property now optional (clients rely on it)",
        B,
        A,
    ),
    "property-deprecated": ("deprecation", "a property or schema marked deprecated", A, A),
    # readOnly / writeOnly
    "request-property-became-read-only": (
        "read/write",
        "a request property now readOnly (clients sending it may be refused)",
        P,
        A,
    ),
    "response-property-became-write-only": (
        "read/write",
        "a response property now writeOnly (no longer returned)",
        B,
        A,
    ),
    "property-access-changed": (
        "read/write",
        "readOnly / writeOnly changed where no message loses the property",
        A,
        A,
    ),
    # defaults
    "request-default-changed": (
        "defaults",
        "the default of a request value changed: clients omitting it get other behaviour",
        B,
        A,
    ),
    "request-default-removed": (
        "defaults",
        "the default of a request value removed: behaviour when omitted no longer promised",
        P,
        A,
    ),
    "request-default-added": ("defaults", "a default added to a request value", A, A),
    "response-default-changed": (
        "defaults",
        "a response value's default added, removed or changed (annotation only)",
        A,
        A,
    ),
    "response-integer-range-narrowed": (
        "type",
        "a response integer's declared range narrowed: a bound that was its int64/int32 limit "
        f"lowered ({_DECLARED})",
        A,
        B,
    ),
    # discriminator
    "discriminator-property-changed": (
        "composition",
        "the discriminator's property renamed: clients name the variant elsewhere",
        B,
        B,
    ),
    "discriminator-set-or-unset": (
        "composition",
        "a discriminator added or removed (a hint for generators; validation unchanged)",
        A,
        A,
    ),
    # headers of responses
    "response-header-added-required": ("headers", "a new required response header", A, B),
    "response-header-added-optional": ("headers", "a new optional response header", A, A),
    "response-header-removed-required": ("headers", "a required response header removed", B, A),
    "response-header-removed-optional": ("headers", "an optional response header removed", P, A),
    "response-header-became-required": ("headers", "a response header now required", A, B),
    "response-header-became-optional": ("headers", "a response header now optional", B, A),
    # responses
    "response-success-status-added": (
        "status codes",
        "a new 2xx/3xx status (clients written for the old ones do not expect it)",
        P,
        A,
    ),
    "response-success-status-removed": ("status codes", "a 2xx/3xx status removed", B, B),
    "response-error-status-added": (
        "status codes",
        "a new 4xx/5xx/default status (clients written for the old ones do not expect it)",
        P,
        A,
    ),
    "response-error-status-removed": (
        "status codes",
        "a 4xx/5xx/default status removed (servers that send it no longer conform)",
        A,
        B,
    ),
    "response-media-type-added": ("media types", "a response media type added", P, A),
    "response-media-type-removed": ("media types", "a response media type removed", B, B),
    # security, compared by the schemes' definitions, never by their key
    "security-narrowed": (
        "security",
        "a way to authenticate removed or made stricter (scheme, header name, scope)",
        B,
        A,
    ),
    "security-widened": ("security", "a new way to authenticate, or none needed", A, P),
    # the operation's machine-readable error contract (x-contract)
    "contract-rule-added": (
        "error contract",
        "a new x-contract rule: servers of the base may answer that case otherwise",
        A,
        P,
    ),
    "contract-rule-removed": (
        "error contract",
        "an x-contract rule removed: the answer clients relied on is no longer promised",
        P,
        A,
    ),
    "contract-answer-changed": (
        "error contract",
        "an x-contract rule's status, error_id or headers changed",
        B,
        B,
    ),
    "contract-limit-narrowed": ("error contract", "an x-contract request limit lowered", B, A),
    "contract-limit-widened": ("error contract", "an x-contract request limit raised", A, P),
}


def _catalogue() -> dict[str, Rule]:
    rules = _value_rules()
    rules += [Rule(rule_id, *row) for rule_id, row in _STRUCTURAL.items()]
    return {rule.id: rule for rule in rules}


CATALOGUE: dict[str, Rule] = _catalogue()


def value_rule(side: str, group: str, effect: Effect) -> str:
    """The id of a value-set rule (a :class:`Change` refuses an id the catalogue lacks)."""
    return f"{side}-{group}-{effect.value}"


def as_markdown() -> str:
    """The catalogue as a Markdown table (`make diff-rules`, README)."""
    lines = [
        "| rule | group | what changed | clients | servers |",
        "|---|---|---|---|---|",
    ]
    for rule in sorted(CATALOGUE.values(), key=lambda r: (r.group, r.id)):
        lines.append(
            f"| `{rule.id}` | {rule.group} | {rule.summary} "
            f"| {rule.clients.label} | {rule.servers.label} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Change:
    """One classified difference between the base and the head spec.

    ``source``: the place in a component (``#/components/schemas/X/minimum``) the change was
    made, when it was reached through a ``$ref`` both versions share; ``also``: the other
    places one edit of a shared component reaches, as (rule, pointer). The impact is the
    worst over all of them.
    """

    rule: str
    pointer: str
    message: str
    source: str | None = None
    also: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for rule in (self.rule, *(r for r, _ in self.also)):
            if rule not in CATALOGUE:
                raise KeyError(f"specdiff: no rule {rule!r} in the catalogue")

    @property
    def clients(self) -> Impact:
        return max(CATALOGUE[r].clients for r in (self.rule, *(r for r, _ in self.also)))

    @property
    def servers(self) -> Impact:
        return max(CATALOGUE[r].servers for r in (self.rule, *(r for r, _ in self.also)))

    @property
    def impact(self) -> Impact:
        return max(self.clients, self.servers)

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "pointer": self.pointer,
            "message": self.message,
            "impact": self.impact.label,
            "clients": self.clients.label,
            "servers": self.servers.label,
            "component": self.source,
            "also": [{"rule": rule, "pointer": pointer} for rule, pointer in self.also],
        }
