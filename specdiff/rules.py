"""Every rule id specdiff reports, as a named constant: the catalogue is keyed by them.

The comparison code names a constant (``RuleId.OPERATION_REMOVED``) and never assembles an id
from words, so every id can be found by grep, and a misspelt one is an ``AttributeError`` where
it is written (mypy names it before any test runs) instead of a ``KeyError`` at run time.
A value rule (a keyword's effect on the allowed values) is found by what it is about:
:func:`value_rule` looks up (side, group, effect) in :data:`VALUE_RULES`, read from the ids
below; a combination the catalogue lacks is a bug in specdiff and raises :class:`UnknownRule`.
"""

from __future__ import annotations

import enum


class Side(enum.StrEnum):
    """The message a schema describes: what clients send, or what servers send."""

    REQUEST = "request"
    RESPONSE = "response"


class Effect(enum.Enum):
    """What a change does to the set of values (or messages) a keyword allows."""

    WIDENED = "widened"  # every old value still allowed, some new ones
    NARROWED = "narrowed"  # every new value was allowed, some old ones are not
    CHANGED = "changed"  # both: some old values lost, some new ones allowed
    UNKNOWN = "unknown"  # changed, direction not provable


class Group(enum.StrEnum):
    """The value-set keyword groups: one catalogue row per (side, group, effect it can have)."""

    TYPE = "type"
    FORMAT = "format"
    ENUM = "enum"
    CONST = "const"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    MULTIPLE_OF = "multiple-of"
    MIN_LENGTH = "min-length"
    MAX_LENGTH = "max-length"
    PATTERN = "pattern"
    MIN_ITEMS = "min-items"
    MAX_ITEMS = "max-items"
    UNIQUE_ITEMS = "unique-items"
    MIN_PROPERTIES = "min-properties"
    MAX_PROPERTIES = "max-properties"
    ADDITIONAL_PROPERTIES = "additional-properties"
    ONE_OF = "one-of"
    ANY_OF = "any-of"
    ALL_OF = "all-of"
    DISCRIMINATOR_MAPPING = "discriminator-mapping"
    SCHEMA = "schema"
    VALUES = "values"  # decided by a witness where no keyword comparison names the change


class RuleId(enum.StrEnum):
    """Every rule of the catalogue (``make diff-rules`` prints the table keyed by these)."""

    # value rules: {side}-{group}-{effect}, the effects each group can have
    REQUEST_TYPE_WIDENED = "request-type-widened"
    REQUEST_TYPE_NARROWED = "request-type-narrowed"
    REQUEST_TYPE_CHANGED = "request-type-changed"
    RESPONSE_TYPE_WIDENED = "response-type-widened"
    RESPONSE_TYPE_NARROWED = "response-type-narrowed"
    RESPONSE_TYPE_CHANGED = "response-type-changed"
    REQUEST_FORMAT_WIDENED = "request-format-widened"
    REQUEST_FORMAT_NARROWED = "request-format-narrowed"
    REQUEST_FORMAT_CHANGED = "request-format-changed"
    RESPONSE_FORMAT_WIDENED = "response-format-widened"
    RESPONSE_FORMAT_NARROWED = "response-format-narrowed"
    RESPONSE_FORMAT_CHANGED = "response-format-changed"
    REQUEST_ENUM_WIDENED = "request-enum-widened"
    REQUEST_ENUM_NARROWED = "request-enum-narrowed"
    REQUEST_ENUM_CHANGED = "request-enum-changed"
    RESPONSE_ENUM_WIDENED = "response-enum-widened"
    RESPONSE_ENUM_NARROWED = "response-enum-narrowed"
    RESPONSE_ENUM_CHANGED = "response-enum-changed"
    REQUEST_CONST_WIDENED = "request-const-widened"
    REQUEST_CONST_NARROWED = "request-const-narrowed"
    REQUEST_CONST_CHANGED = "request-const-changed"
    RESPONSE_CONST_WIDENED = "response-const-widened"
    RESPONSE_CONST_NARROWED = "response-const-narrowed"
    RESPONSE_CONST_CHANGED = "response-const-changed"
    REQUEST_MINIMUM_WIDENED = "request-minimum-widened"
    REQUEST_MINIMUM_NARROWED = "request-minimum-narrowed"
    RESPONSE_MINIMUM_WIDENED = "response-minimum-widened"
    RESPONSE_MINIMUM_NARROWED = "response-minimum-narrowed"
    REQUEST_MAXIMUM_WIDENED = "request-maximum-widened"
    REQUEST_MAXIMUM_NARROWED = "request-maximum-narrowed"
    RESPONSE_MAXIMUM_WIDENED = "response-maximum-widened"
    RESPONSE_MAXIMUM_NARROWED = "response-maximum-narrowed"
    REQUEST_MULTIPLE_OF_WIDENED = "request-multiple-of-widened"
    REQUEST_MULTIPLE_OF_NARROWED = "request-multiple-of-narrowed"
    REQUEST_MULTIPLE_OF_CHANGED = "request-multiple-of-changed"
    RESPONSE_MULTIPLE_OF_WIDENED = "response-multiple-of-widened"
    RESPONSE_MULTIPLE_OF_NARROWED = "response-multiple-of-narrowed"
    RESPONSE_MULTIPLE_OF_CHANGED = "response-multiple-of-changed"
    REQUEST_MIN_LENGTH_WIDENED = "request-min-length-widened"
    REQUEST_MIN_LENGTH_NARROWED = "request-min-length-narrowed"
    RESPONSE_MIN_LENGTH_WIDENED = "response-min-length-widened"
    RESPONSE_MIN_LENGTH_NARROWED = "response-min-length-narrowed"
    REQUEST_MAX_LENGTH_WIDENED = "request-max-length-widened"
    REQUEST_MAX_LENGTH_NARROWED = "request-max-length-narrowed"
    RESPONSE_MAX_LENGTH_WIDENED = "response-max-length-widened"
    RESPONSE_MAX_LENGTH_NARROWED = "response-max-length-narrowed"
    REQUEST_PATTERN_WIDENED = "request-pattern-widened"
    REQUEST_PATTERN_NARROWED = "request-pattern-narrowed"
    REQUEST_PATTERN_CHANGED = "request-pattern-changed"
    REQUEST_PATTERN_UNKNOWN = "request-pattern-unknown"
    RESPONSE_PATTERN_WIDENED = "response-pattern-widened"
    RESPONSE_PATTERN_NARROWED = "response-pattern-narrowed"
    RESPONSE_PATTERN_CHANGED = "response-pattern-changed"
    RESPONSE_PATTERN_UNKNOWN = "response-pattern-unknown"
    REQUEST_MIN_ITEMS_WIDENED = "request-min-items-widened"
    REQUEST_MIN_ITEMS_NARROWED = "request-min-items-narrowed"
    RESPONSE_MIN_ITEMS_WIDENED = "response-min-items-widened"
    RESPONSE_MIN_ITEMS_NARROWED = "response-min-items-narrowed"
    REQUEST_MAX_ITEMS_WIDENED = "request-max-items-widened"
    REQUEST_MAX_ITEMS_NARROWED = "request-max-items-narrowed"
    RESPONSE_MAX_ITEMS_WIDENED = "response-max-items-widened"
    RESPONSE_MAX_ITEMS_NARROWED = "response-max-items-narrowed"
    REQUEST_UNIQUE_ITEMS_WIDENED = "request-unique-items-widened"
    REQUEST_UNIQUE_ITEMS_NARROWED = "request-unique-items-narrowed"
    RESPONSE_UNIQUE_ITEMS_WIDENED = "response-unique-items-widened"
    RESPONSE_UNIQUE_ITEMS_NARROWED = "response-unique-items-narrowed"
    REQUEST_MIN_PROPERTIES_WIDENED = "request-min-properties-widened"
    REQUEST_MIN_PROPERTIES_NARROWED = "request-min-properties-narrowed"
    RESPONSE_MIN_PROPERTIES_WIDENED = "response-min-properties-widened"
    RESPONSE_MIN_PROPERTIES_NARROWED = "response-min-properties-narrowed"
    REQUEST_MAX_PROPERTIES_WIDENED = "request-max-properties-widened"
    REQUEST_MAX_PROPERTIES_NARROWED = "request-max-properties-narrowed"
    RESPONSE_MAX_PROPERTIES_WIDENED = "response-max-properties-widened"
    RESPONSE_MAX_PROPERTIES_NARROWED = "response-max-properties-narrowed"
    REQUEST_ADDITIONAL_PROPERTIES_WIDENED = "request-additional-properties-widened"
    REQUEST_ADDITIONAL_PROPERTIES_NARROWED = "request-additional-properties-narrowed"
    RESPONSE_ADDITIONAL_PROPERTIES_WIDENED = "response-additional-properties-widened"
    RESPONSE_ADDITIONAL_PROPERTIES_NARROWED = "response-additional-properties-narrowed"
    REQUEST_ONE_OF_WIDENED = "request-one-of-widened"
    REQUEST_ONE_OF_NARROWED = "request-one-of-narrowed"
    RESPONSE_ONE_OF_WIDENED = "response-one-of-widened"
    RESPONSE_ONE_OF_NARROWED = "response-one-of-narrowed"
    REQUEST_ANY_OF_WIDENED = "request-any-of-widened"
    REQUEST_ANY_OF_NARROWED = "request-any-of-narrowed"
    RESPONSE_ANY_OF_WIDENED = "response-any-of-widened"
    RESPONSE_ANY_OF_NARROWED = "response-any-of-narrowed"
    REQUEST_ALL_OF_WIDENED = "request-all-of-widened"
    REQUEST_ALL_OF_NARROWED = "request-all-of-narrowed"
    RESPONSE_ALL_OF_WIDENED = "response-all-of-widened"
    RESPONSE_ALL_OF_NARROWED = "response-all-of-narrowed"
    REQUEST_DISCRIMINATOR_MAPPING_WIDENED = "request-discriminator-mapping-widened"
    REQUEST_DISCRIMINATOR_MAPPING_NARROWED = "request-discriminator-mapping-narrowed"
    REQUEST_DISCRIMINATOR_MAPPING_CHANGED = "request-discriminator-mapping-changed"
    RESPONSE_DISCRIMINATOR_MAPPING_WIDENED = "response-discriminator-mapping-widened"
    RESPONSE_DISCRIMINATOR_MAPPING_NARROWED = "response-discriminator-mapping-narrowed"
    RESPONSE_DISCRIMINATOR_MAPPING_CHANGED = "response-discriminator-mapping-changed"
    REQUEST_SCHEMA_WIDENED = "request-schema-widened"
    REQUEST_SCHEMA_NARROWED = "request-schema-narrowed"
    RESPONSE_SCHEMA_WIDENED = "response-schema-widened"
    RESPONSE_SCHEMA_NARROWED = "response-schema-narrowed"
    REQUEST_VALUES_WIDENED = "request-values-widened"
    REQUEST_VALUES_NARROWED = "request-values-narrowed"
    REQUEST_VALUES_CHANGED = "request-values-changed"
    RESPONSE_VALUES_WIDENED = "response-values-widened"
    RESPONSE_VALUES_NARROWED = "response-values-narrowed"
    RESPONSE_VALUES_CHANGED = "response-values-changed"

    # structural rules
    OPERATION_ADDED = "operation-added"
    OPERATION_REMOVED = "operation-removed"
    OPERATION_REMOVED_AFTER_SUNSET = "operation-removed-after-sunset"
    OPERATION_DEPRECATED = "operation-deprecated"
    OPERATION_REACTIVATED = "operation-reactivated"
    OPERATION_SUNSET_CHANGED = "operation-sunset-changed"
    OPERATION_ID_CHANGED = "operation-id-changed"
    OPERATION_TAGS_CHANGED = "operation-tags-changed"
    PATH_PARAMETER_RENAMED = "path-parameter-renamed"
    SERVERS_CHANGED = "servers-changed"
    TAGS_CHANGED = "tags-changed"
    BASE_PATH_MOVED = "base-path-moved"
    SCHEMA_REWRITTEN = "schema-rewritten"
    REQUEST_PARAMETER_ADDED_REQUIRED = "request-parameter-added-required"
    REQUEST_PARAMETER_ADDED_OPTIONAL = "request-parameter-added-optional"
    REQUEST_PARAMETER_REMOVED = "request-parameter-removed"
    REQUEST_PARAMETER_BECAME_REQUIRED = "request-parameter-became-required"
    REQUEST_PARAMETER_BECAME_OPTIONAL = "request-parameter-became-optional"
    REQUEST_PARAMETER_SERIALIZATION_CHANGED = "request-parameter-serialization-changed"
    REQUEST_PARAMETER_DEPRECATED = "request-parameter-deprecated"
    REQUEST_BODY_ADDED_REQUIRED = "request-body-added-required"
    REQUEST_BODY_ADDED_OPTIONAL = "request-body-added-optional"
    REQUEST_BODY_REMOVED = "request-body-removed"
    REQUEST_BODY_BECAME_REQUIRED = "request-body-became-required"
    REQUEST_BODY_BECAME_OPTIONAL = "request-body-became-optional"
    REQUEST_MEDIA_TYPE_ADDED = "request-media-type-added"
    REQUEST_MEDIA_TYPE_REMOVED = "request-media-type-removed"
    REQUEST_PROPERTY_ADDED_REQUIRED = "request-property-added-required"
    REQUEST_PROPERTY_ADDED_OPTIONAL = "request-property-added-optional"
    REQUEST_PROPERTY_REMOVED = "request-property-removed"
    REQUEST_PROPERTY_REMOVED_OPEN = "request-property-removed-open"
    REQUEST_PROPERTY_BECAME_REQUIRED = "request-property-became-required"
    REQUEST_PROPERTY_BECAME_OPTIONAL = "request-property-became-optional"
    RESPONSE_PROPERTY_ADDED_REQUIRED = "response-property-added-required"
    RESPONSE_PROPERTY_ADDED_OPTIONAL = "response-property-added-optional"
    RESPONSE_PROPERTY_REMOVED = "response-property-removed"
    RESPONSE_PROPERTY_BECAME_REQUIRED = "response-property-became-required"
    RESPONSE_PROPERTY_BECAME_OPTIONAL = "response-property-became-optional"
    PROPERTY_DEPRECATED = "property-deprecated"
    REQUEST_PROPERTY_BECAME_READ_ONLY = "request-property-became-read-only"
    RESPONSE_PROPERTY_BECAME_WRITE_ONLY = "response-property-became-write-only"
    PROPERTY_ACCESS_CHANGED = "property-access-changed"
    REQUEST_DEFAULT_CHANGED = "request-default-changed"
    REQUEST_DEFAULT_REMOVED = "request-default-removed"
    REQUEST_DEFAULT_ADDED = "request-default-added"
    RESPONSE_DEFAULT_CHANGED = "response-default-changed"
    RESPONSE_INTEGER_RANGE_NARROWED = "response-integer-range-narrowed"
    DISCRIMINATOR_PROPERTY_CHANGED = "discriminator-property-changed"
    DISCRIMINATOR_SET_OR_UNSET = "discriminator-set-or-unset"
    RESPONSE_HEADER_ADDED_REQUIRED = "response-header-added-required"
    RESPONSE_HEADER_ADDED_OPTIONAL = "response-header-added-optional"
    RESPONSE_HEADER_REMOVED_REQUIRED = "response-header-removed-required"
    RESPONSE_HEADER_REMOVED_OPTIONAL = "response-header-removed-optional"
    RESPONSE_HEADER_BECAME_REQUIRED = "response-header-became-required"
    RESPONSE_HEADER_BECAME_OPTIONAL = "response-header-became-optional"
    RESPONSE_SUCCESS_STATUS_ADDED = "response-success-status-added"
    RESPONSE_SUCCESS_STATUS_REMOVED = "response-success-status-removed"
    RESPONSE_ERROR_STATUS_ADDED = "response-error-status-added"
    RESPONSE_ERROR_STATUS_REMOVED = "response-error-status-removed"
    RESPONSE_MEDIA_TYPE_ADDED = "response-media-type-added"
    RESPONSE_MEDIA_TYPE_REMOVED = "response-media-type-removed"
    SECURITY_NARROWED = "security-narrowed"
    SECURITY_WIDENED = "security-widened"
    SIGNING_NARROWED = "signing-narrowed"
    SIGNING_WIDENED = "signing-widened"
    SIGNING_CHANGED = "signing-changed"
    CONTRACT_RULE_ADDED = "contract-rule-added"
    CONTRACT_RULE_REMOVED = "contract-rule-removed"
    CONTRACT_ANSWER_CHANGED = "contract-answer-changed"
    CONTRACT_LIMIT_NARROWED = "contract-limit-narrowed"
    CONTRACT_LIMIT_WIDENED = "contract-limit-widened"
    CONTRACT_RULE_BECAME_MUST = "contract-rule-became-must"
    CONTRACT_RULE_BECAME_SHOULD = "contract-rule-became-should"

    # migration: an operation that declares (`x-replaces`) the operation it replaces
    OPERATION_ADDED_REPLACING = "operation-added-replacing"
    OPERATION_REPLACES_SET = "operation-replaces-set"
    OPERATION_REPLACES_REMOVED = "operation-replaces-removed"
    MIGRATION_PATH_CHANGED = "migration-path-changed"
    MIGRATION_PROPERTY_MOVED = "migration-property-moved"
    MIGRATION_ERROR_CODE_FIELD_CHANGED = "migration-error-code-field-changed"


class UnknownRule(LookupError):
    """A rule the catalogue does not have: a bug in specdiff, never a fault of the input."""


def _value_rules() -> dict[tuple[Side, Group, Effect], RuleId]:
    """(side, group, effect) -> its rule, read from the ids above (split, not assembled)."""
    sides = {s.value: s for s in Side}
    groups = {g.value: g for g in Group}
    effects = {e.value: e for e in Effect}
    table = {}
    for rule in RuleId:
        side, _, rest = rule.value.partition("-")
        group, _, effect = rest.rpartition("-")
        if side in sides and group in groups and effect in effects:
            table[sides[side], groups[group], effects[effect]] = rule
    return table


VALUE_RULES: dict[tuple[Side, Group, Effect], RuleId] = _value_rules()


def value_rule(side: Side, group: Group, effect: Effect) -> RuleId:
    """The rule of a value change; :class:`UnknownRule` when the catalogue has none."""
    try:
        return VALUE_RULES[side, group, effect]
    except KeyError:
        raise UnknownRule(
            f"specdiff bug: no rule for a {side} {group} change that is {effect.value}"
        ) from None
