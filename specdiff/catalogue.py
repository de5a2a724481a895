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
* A migration (an operation that declares, with ``x-replaces: <operationId>``, the operation
  it replaces) is one entry, paired: the successor added (``operation-added-replacing``, the
  impact of any new operation: a minor change, since the replaced operation still works) or
  the declaration set on an operation both versions have. Under it, every difference
  between the replaced operation and its successor, each a rule of this table whose
  **clients** column is read with the replaced operation as the base and the successor as
  the head: what a client moving over must handle (``breaking``: it must change, such as a
  field read elsewhere; ``possibly-breaking``: it must handle what it may meet, such as a new
  error status). These differences change no message of any existing client or server, so
  they never raise the verdict; the ``servers`` column does not apply to them. The rules
  only a migration reports (``migration-*``) have ``none`` for servers.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from specdiff.rules import Effect, Group, RuleId, Side, UnknownRule, value_rule


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

REQUEST, RESPONSE = Side.REQUEST, Side.RESPONSE

# (side, effect) -> (clients, servers): the principle above, as data.
PRINCIPLE: dict[tuple[Side, Effect], tuple[Impact, Impact]] = {
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

    id: RuleId
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
VALUE_GROUPS: dict[Group, tuple[str, tuple[Effect, ...]]] = {
    Group.TYPE: ("`type`, type lists and nullable (integer is a subset of number)", (_W, _N, _C)),
    Group.FORMAT: (
        "`format` (int32 within int64, float within double, every integer format within "
        "double: formats assert their type's range, as the generated models do)",
        (_W, _N, _C),
    ),
    Group.ENUM: ("`enum` values added or removed", (_W, _N, _C)),
    Group.CONST: ("`const` added, removed or changed", (_W, _N, _C)),
    Group.MINIMUM: ("`minimum` / `exclusiveMinimum` (the effective lower bound)", (_W, _N)),
    Group.MAXIMUM: ("`maximum` / `exclusiveMaximum` (the effective upper bound)", (_W, _N)),
    Group.MULTIPLE_OF: ("`multipleOf`", (_W, _N, _C)),
    Group.MIN_LENGTH: ("`minLength`", (_W, _N)),
    Group.MAX_LENGTH: ("`maxLength`", (_W, _N)),
    Group.PATTERN: ("`pattern`, compared as automata", (_W, _N, _C, _U)),
    Group.MIN_ITEMS: ("`minItems`", (_W, _N)),
    Group.MAX_ITEMS: ("`maxItems`", (_W, _N)),
    Group.UNIQUE_ITEMS: ("`uniqueItems`", (_W, _N)),
    Group.MIN_PROPERTIES: ("`minProperties`", (_W, _N)),
    Group.MAX_PROPERTIES: ("`maxProperties`", (_W, _N)),
    Group.ADDITIONAL_PROPERTIES: ("`additionalProperties` (closed / open / a schema)", (_W, _N)),
    Group.ONE_OF: ("`oneOf` branches added (widened) or removed (narrowed)", (_W, _N)),
    Group.ANY_OF: ("`anyOf` branches added (widened) or removed (narrowed)", (_W, _N)),
    Group.ALL_OF: ("`allOf` members added (narrowed) or removed (widened)", (_W, _N)),
    Group.DISCRIMINATOR_MAPPING: ("`discriminator.mapping` entries", (_W, _N, _C)),
    Group.SCHEMA: ("a schema replaced by `true` (anything) or `false` (nothing)", (_W, _N)),
    Group.VALUES: (
        "the values a schema allows, decided by a witness (an instance one version accepts "
        "and the other refuses) where no keyword comparison names the change, or where the "
        "witness contradicts it (`not`, `if`/`then`/`else`, `dependent*`, `contains`, "
        "`propertyNames`, `prefixItems`, `unevaluated*`, overlapping `oneOf` branches, ...)",
        (_W, _N, _C),
    ),
}

# Exceptions to PRINCIPLE, each with its reason (kept next to the rule in `make diff-rules`).
_TOLERANT = "tolerant-reader policy: clients ignore unknown response properties"
_DECLARED = "servers hold values of the declared type: every one may send what is now excluded"
OVERRIDES: dict[str, tuple[Impact, Impact, str]] = {
    RuleId.RESPONSE_ADDITIONAL_PROPERTIES_WIDENED: (A, A, _TOLERANT),
    RuleId.RESPONSE_TYPE_NARROWED: (A, B, _DECLARED),
    RuleId.RESPONSE_FORMAT_NARROWED: (A, B, _DECLARED),
}


def _value_rules() -> list[Rule]:
    rules: list[Rule] = []
    for group, (covers, effects) in VALUE_GROUPS.items():
        for side in (REQUEST, RESPONSE):
            for effect in effects:
                rule_id = value_rule(side, group, effect)  # UnknownRule at import if missing
                clients, servers = PRINCIPLE[side, effect]
                summary = f"{side} {covers}: {effect.value}"
                if rule_id in OVERRIDES:
                    clients, servers, why = OVERRIDES[rule_id]
                    summary += f" ({why})"
                rules.append(Rule(rule_id, group, summary, clients, servers))
    return rules


# Structural rules: id -> (group, summary, clients, servers).
_STRUCTURAL: dict[RuleId, tuple[str, str, Impact, Impact]] = {
    # operations
    RuleId.OPERATION_ADDED: ("operations", "a new operation", A, P),
    RuleId.OPERATION_REMOVED: ("operations", "an operation removed", B, A),
    RuleId.OPERATION_REMOVED_AFTER_SUNSET: (
        "operations",
        "a deprecated operation removed after its `x-sunset` date (announced)",
        A,
        A,
    ),
    RuleId.OPERATION_DEPRECATED: ("deprecation", "an operation marked deprecated", A, A),
    RuleId.OPERATION_REACTIVATED: ("deprecation", "an operation no longer deprecated", A, A),
    RuleId.OPERATION_SUNSET_CHANGED: (
        "deprecation",
        "an operation's `x-sunset` date set, moved or removed",
        A,
        A,
    ),
    RuleId.OPERATION_ID_CHANGED: (
        "informational",
        "`operationId` changed (generated clients rename the function)",
        A,
        A,
    ),
    RuleId.OPERATION_TAGS_CHANGED: ("informational", "an operation's tags changed", N0, N0),
    RuleId.PATH_PARAMETER_RENAMED: (
        "parameters",
        "a path parameter renamed in the template (same URL on the wire)",
        A,
        A,
    ),
    RuleId.SERVERS_CHANGED: ("informational", "the `servers` list changed", N0, N0),
    RuleId.TAGS_CHANGED: ("informational", "the top-level `tags` changed", N0, N0),
    RuleId.BASE_PATH_MOVED: (
        "refactor",
        "a common path prefix moved between `paths` and `servers[].url`: every full URL is "
        "unchanged (a client that sets its own base URL must add or drop the prefix)",
        N0,
        N0,
    ),
    RuleId.SCHEMA_REWRITTEN: (
        "refactor",
        "a schema rewritten to allow exactly the same values (allOf merged, enum of one value "
        "as const, an integer's exclusive bound as the inclusive one, nullable spelled "
        "another way)",
        N0,
        N0,
    ),
    # parameters (path, query, header, cookie)
    RuleId.REQUEST_PARAMETER_ADDED_REQUIRED: ("parameters", "a new required parameter", B, P),
    RuleId.REQUEST_PARAMETER_ADDED_OPTIONAL: ("parameters", "a new optional parameter", A, P),
    RuleId.REQUEST_PARAMETER_REMOVED: (
        "parameters",
        "a parameter removed (clients still sending it may be refused or ignored)",
        P,
        A,
    ),
    RuleId.REQUEST_PARAMETER_BECAME_REQUIRED: ("parameters", "a parameter now required", B, A),
    RuleId.REQUEST_PARAMETER_BECAME_OPTIONAL: ("parameters", "a parameter now optional", A, P),
    RuleId.REQUEST_PARAMETER_SERIALIZATION_CHANGED: (
        "parameters",
        "`style`, `explode` or `allowReserved` changed: the same value is sent differently",
        B,
        B,
    ),
    RuleId.REQUEST_PARAMETER_DEPRECATED: ("deprecation", "a parameter marked deprecated", A, A),
    # request body
    RuleId.REQUEST_BODY_ADDED_REQUIRED: ("request body", "a required request body added", B, P),
    RuleId.REQUEST_BODY_ADDED_OPTIONAL: ("request body", "an optional request body added", A, P),
    RuleId.REQUEST_BODY_REMOVED: ("request body", "the request body removed", P, A),
    RuleId.REQUEST_BODY_BECAME_REQUIRED: ("request body", "the request body now required", B, A),
    RuleId.REQUEST_BODY_BECAME_OPTIONAL: ("request body", "the request body now optional", A, P),
    RuleId.REQUEST_MEDIA_TYPE_ADDED: ("media types", "a request media type added", A, P),
    RuleId.REQUEST_MEDIA_TYPE_REMOVED: ("media types", "a request media type removed", B, A),
    # properties
    RuleId.REQUEST_PROPERTY_ADDED_REQUIRED: ("properties", "a new required request property", B, P),
    RuleId.REQUEST_PROPERTY_ADDED_OPTIONAL: ("properties", "a new optional request property", A, P),
    RuleId.REQUEST_PROPERTY_REMOVED: (
        "properties",
        "a request property removed from a closed object (clients sending it are refused)",
        B,
        A,
    ),
    RuleId.REQUEST_PROPERTY_REMOVED_OPEN: (
        "properties",
        "a request property removed from an open object (the server ignores it now)",
        P,
        A,
    ),
    RuleId.REQUEST_PROPERTY_BECAME_REQUIRED: (
        "properties",
        "a request property now required",
        B,
        A,
    ),
    RuleId.REQUEST_PROPERTY_BECAME_OPTIONAL: (
        "properties",
        "a request property now optional",
        A,
        P,
    ),
    RuleId.RESPONSE_PROPERTY_ADDED_REQUIRED: (
        "properties",
        "a new required response property (servers of the base do not send it)",
        A,
        B,
    ),
    RuleId.RESPONSE_PROPERTY_ADDED_OPTIONAL: (
        "properties",
        f"a new optional response property ({_TOLERANT})",
        A,
        A,
    ),
    RuleId.RESPONSE_PROPERTY_REMOVED: ("properties", "a response property removed", B, A),
    RuleId.RESPONSE_PROPERTY_BECAME_REQUIRED: (
        "properties",
        "a response property now required (servers may omit it today)",
        A,
        B,
    ),
    RuleId.RESPONSE_PROPERTY_BECAME_OPTIONAL: (
        "properties",
        "a response property now optional (clients rely on it)",
        B,
        A,
    ),
    RuleId.PROPERTY_DEPRECATED: ("deprecation", "a property or schema marked deprecated", A, A),
    # readOnly / writeOnly
    RuleId.REQUEST_PROPERTY_BECAME_READ_ONLY: (
        "read/write",
        "a request property now readOnly (clients sending it may be refused)",
        P,
        A,
    ),
    RuleId.RESPONSE_PROPERTY_BECAME_WRITE_ONLY: (
        "read/write",
        "a response property now writeOnly (no longer returned)",
        B,
        A,
    ),
    RuleId.PROPERTY_ACCESS_CHANGED: (
        "read/write",
        "readOnly / writeOnly changed where no message loses the property",
        A,
        A,
    ),
    # defaults
    RuleId.REQUEST_DEFAULT_CHANGED: (
        "defaults",
        "the default of a request value changed: clients omitting it get other behaviour",
        B,
        A,
    ),
    RuleId.REQUEST_DEFAULT_REMOVED: (
        "defaults",
        "the default of a request value removed: behaviour when omitted no longer promised",
        P,
        A,
    ),
    RuleId.REQUEST_DEFAULT_ADDED: ("defaults", "a default added to a request value", A, A),
    RuleId.RESPONSE_DEFAULT_CHANGED: (
        "defaults",
        "a response value's default added, removed or changed (annotation only)",
        A,
        A,
    ),
    RuleId.RESPONSE_INTEGER_RANGE_NARROWED: (
        "type",
        "a response integer's declared range narrowed: a bound that was its int64/int32 limit "
        f"lowered ({_DECLARED})",
        A,
        B,
    ),
    # discriminator
    RuleId.DISCRIMINATOR_PROPERTY_CHANGED: (
        "composition",
        "the discriminator's property renamed: clients name the variant elsewhere",
        B,
        B,
    ),
    RuleId.DISCRIMINATOR_SET_OR_UNSET: (
        "composition",
        "a discriminator added or removed (a hint for generators; validation unchanged)",
        A,
        A,
    ),
    # headers of responses
    RuleId.RESPONSE_HEADER_ADDED_REQUIRED: ("headers", "a new required response header", A, B),
    RuleId.RESPONSE_HEADER_ADDED_OPTIONAL: ("headers", "a new optional response header", A, A),
    RuleId.RESPONSE_HEADER_REMOVED_REQUIRED: (
        "headers",
        "a required response header removed",
        B,
        A,
    ),
    RuleId.RESPONSE_HEADER_REMOVED_OPTIONAL: (
        "headers",
        "an optional response header removed",
        P,
        A,
    ),
    RuleId.RESPONSE_HEADER_BECAME_REQUIRED: ("headers", "a response header now required", A, B),
    RuleId.RESPONSE_HEADER_BECAME_OPTIONAL: ("headers", "a response header now optional", B, A),
    # responses
    RuleId.RESPONSE_SUCCESS_STATUS_ADDED: (
        "status codes",
        "a new 2xx/3xx status (clients written for the old ones do not expect it)",
        P,
        A,
    ),
    RuleId.RESPONSE_SUCCESS_STATUS_REMOVED: ("status codes", "a 2xx/3xx status removed", B, B),
    RuleId.RESPONSE_ERROR_STATUS_ADDED: (
        "status codes",
        "a new 4xx/5xx/default status (clients written for the old ones do not expect it)",
        P,
        A,
    ),
    RuleId.RESPONSE_ERROR_STATUS_REMOVED: (
        "status codes",
        "a 4xx/5xx/default status removed (servers that send it no longer conform)",
        A,
        B,
    ),
    RuleId.RESPONSE_MEDIA_TYPE_ADDED: ("media types", "a response media type added", P, A),
    RuleId.RESPONSE_MEDIA_TYPE_REMOVED: ("media types", "a response media type removed", B, B),
    # security, compared by the schemes' definitions, never by their key
    RuleId.SECURITY_NARROWED: (
        "security",
        "a way to authenticate removed or made stricter (scheme, header name, scope)",
        B,
        A,
    ),
    RuleId.SECURITY_WIDENED: ("security", "a new way to authenticate, or none needed", A, P),
    # how requests are signed (a scheme's x-signature), for a scheme both versions require
    RuleId.SIGNING_NARROWED: (
        "security",
        "signing made stricter: a header added to x-signature's required_signed_headers, or"
        " its max_skew_seconds or max_authorization_bytes lowered (requests signed as before"
        " may be refused)",
        B,
        A,
    ),
    RuleId.SIGNING_WIDENED: (
        "security",
        "signing made looser: a required signed header dropped, or a limit of x-signature"
        " raised (servers of the base refuse what clients of the head may now send)",
        A,
        P,
    ),
    RuleId.SIGNING_CHANGED: (
        "security",
        "how requests are signed changed: x-signature's algorithm, date header or format,"
        " content-hash header or a field specdiff does not know, or x-signature added or"
        " removed (neither side's signatures are the other's)",
        B,
        B,
    ),
    # the operation's machine-readable error contract (x-contract)
    RuleId.CONTRACT_RULE_ADDED: (
        "error contract",
        "a new x-contract rule: servers of the base may answer that case otherwise",
        A,
        P,
    ),
    RuleId.CONTRACT_RULE_REMOVED: (
        "error contract",
        "an x-contract rule removed: the answer clients relied on is no longer promised",
        P,
        A,
    ),
    RuleId.CONTRACT_ANSWER_CHANGED: (
        "error contract",
        "an x-contract rule's status, error_id or headers changed",
        B,
        B,
    ),
    RuleId.CONTRACT_LIMIT_NARROWED: ("error contract", "an x-contract request limit lowered", B, A),
    RuleId.CONTRACT_LIMIT_WIDENED: ("error contract", "an x-contract request limit raised", A, P),
    # an x-contract rule's RFC 2119 level (`level`, default must: every rule was one before
    # levels were written)
    RuleId.CONTRACT_RULE_BECAME_MUST: (
        "error contract",
        "an x-contract rule's level should -> must: servers that implement only the must rules "
        "now break it",
        A,
        B,
    ),
    RuleId.CONTRACT_RULE_BECAME_SHOULD: (
        "error contract",
        "an x-contract rule's level must -> should: clients may no longer rely on its answer",
        P,
        A,
    ),
    # migrations (`x-replaces`): the pairing entry, then the differences a client moving from
    # the replaced operation to its successor must handle (see the principle above)
    RuleId.OPERATION_ADDED_REPLACING: (
        "migration",
        "a new operation that replaces (`x-replaces`) an existing one: additive as any new "
        "operation (the replaced one still works); the migration's differences listed under it",
        A,
        P,
    ),
    RuleId.OPERATION_REPLACES_SET: (
        "migration",
        "`x-replaces` set or changed on an existing operation: a migration newly declared "
        "(no message changes); its differences listed under it",
        N0,
        N0,
    ),
    RuleId.OPERATION_REPLACES_REMOVED: (
        "migration",
        "`x-replaces` removed: the operation no longer declares what it replaces",
        N0,
        N0,
    ),
    RuleId.MIGRATION_PATH_CHANGED: (
        "migration",
        "the successor is called at another method or URL than the operation it replaces",
        B,
        N0,
    ),
    RuleId.MIGRATION_PROPERTY_MOVED: (
        "migration",
        "a response property at another place in the successor's body, with the same schema "
        "(the same meaning; a migrating client reads it there)",
        B,
        N0,
    ),
    RuleId.MIGRATION_ERROR_CODE_FIELD_CHANGED: (
        "migration",
        "the error body's code travels in another field (`x-contract` `answers.error_code`, "
        "default `error_id`): clients branching on the code read it there, with other values",
        B,
        N0,
    ),
}


def _catalogue() -> dict[RuleId, Rule]:
    rules = _value_rules()
    rules += [Rule(rule_id, *row) for rule_id, row in _STRUCTURAL.items()]
    return {rule.id: rule for rule in rules}


CATALOGUE: dict[RuleId, Rule] = _catalogue()


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
class Migration:
    """The pairing a migration entry reports: the replaced operation and its successor (each
    ``METHOD path (operationId)``), and every difference between them, each a :class:`Change`
    whose ``clients`` impact is what a client moving from one to the other must handle."""

    replaced: str
    successor: str
    differences: tuple[Change, ...]
    request_body_same: bool  # the request body is the same: said so (it is rarely)

    def to_dict(self) -> dict[str, object]:
        return {
            "replaced": self.replaced,
            "successor": self.successor,
            "request_body_same": self.request_body_same,
            "differences": [
                {**d.to_dict(), "migrating_clients": d.clients.label} for d in self.differences
            ],
        }


@dataclass(frozen=True)
class Witness:
    """An instance one version of a schema accepts and the other refuses: the proof of a
    narrowed or widened finding (``accepted_by``: ``old`` proves narrowed, ``new``
    widened), found by ``specdiff.witness``. ``side``: the message it is part of."""

    instance: object
    accepted_by: str  # "old" | "new"
    side: str  # "request" | "response"
    at: tuple[str | int, ...] = ()  # where in the instance the search varied it

    def shown(self, limit: int = 160) -> str:
        """The instance as JSON; a long one as the part the search varied, and where."""
        text = json.dumps(self.instance, sort_keys=True, ensure_ascii=False)
        if len(text) <= limit:
            return text
        value: object = self.instance
        for key in self.at:
            value = value[key]  # type: ignore[index]
        where = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in self.at)
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
        text = text if len(text) <= limit else text[: limit - 3] + "..."
        return f"{where or '.'}: {text} (in a whole message)" if self.at else text

    def sentence(self) -> str:
        """What the instance proves, as a reviewer reads it."""
        value = f"`{self.shown()}`"
        if self.side == "request":
            if self.accepted_by == "old":
                return f"old servers accepted {value}; new refuse it"
            return f"new servers accept {value}; old refused it"
        if self.accepted_by == "old":
            return f"old servers could send {value}; the new spec refuses it"
        return f"new servers may send {value}; clients of the old spec refuse it"

    def to_dict(self) -> dict[str, object]:
        refused_by = "new" if self.accepted_by == "old" else "old"
        return {
            "instance": self.instance,
            "accepted_by": self.accepted_by,
            "refused_by": refused_by,
            "at": list(self.at),
        }


@dataclass(frozen=True)
class Change:
    """One classified difference between the base and the head spec.

    ``source``: the place in a component (``#/components/schemas/X/minimum``) the change was
    made, when it was reached through a ``$ref`` both versions share; ``also``: the other
    places one edit of a shared component reaches, as (rule, pointer). The impact is the
    worst over all of them. ``migration``: on the entry of an operation that declares the
    one it replaces, the pairing and the differences a migrating client must handle.
    """

    rule: RuleId
    pointer: str
    message: str
    source: str | None = None
    also: tuple[tuple[RuleId, str], ...] = ()
    migration: Migration | None = None  # on the entry that pairs two operations
    # the instances that prove a schema finding (``specdiff.evidence``); ``tried``: how many
    # instances the search checked (on a rewrite: none told the versions apart)
    witnesses: tuple[Witness, ...] = ()
    tried: int | None = None
    # keyword findings the witnesses contradicted, as (rule, pointer): a classifier bug
    overruled: tuple[tuple[RuleId, str], ...] = ()

    def __post_init__(self) -> None:
        for rule in (self.rule, *(r for r, _ in self.also)):
            if not isinstance(rule, RuleId) or rule not in CATALOGUE:
                # the caller's bug: rule ids are RuleId constants, each with its row
                raise UnknownRule(f"specdiff bug: {rule!r} is not a rule of the catalogue")

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
            "rule": self.rule.value,
            "pointer": self.pointer,
            "message": self.message,
            "impact": self.impact.label,
            "clients": self.clients.label,
            "servers": self.servers.label,
            "component": self.source,
            "also": [{"rule": rule.value, "pointer": pointer} for rule, pointer in self.also],
            "migration": self.migration.to_dict() if self.migration else None,
            "witness": self.witnesses[0].to_dict() if self.witnesses else None,
            "witnesses": [w.to_dict() for w in self.witnesses],
            "instances_tried": self.tried,
            "overruled": [{"rule": rule.value, "pointer": at} for rule, at in self.overruled],
        }
