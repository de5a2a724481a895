"""The probes live by family (issue #35): the maker of a rule is registered on the family the
spec gives that rule (``x-contract`` rules' ``family``), in the module of that name."""

from __future__ import annotations

from pathlib import Path

from fuzz_harness.options import FuzzOptions, demo_identities
from fuzz_harness.probes import FAMILIES, MAKERS, Probe, all_probes
from jobs_metrics_spec import spec_operations


def test_each_maker_is_in_the_family_the_spec_gives_its_rule() -> None:
    family_of = {rule.id: rule.family for c in spec_operations() for rule in c.rules}
    misplaced = {
        rule: (family.name, family_of.get(rule))
        for family in FAMILIES
        for rule in family.makers
        if family_of.get(rule) != family.name
    }
    assert misplaced == {}


def test_each_family_is_the_module_named_for_it() -> None:
    for family in FAMILIES:
        for maker in family.makers.values():
            assert maker.__module__ == f"fuzz_harness.probes.{family.name}", maker


def test_a_rule_is_probed_by_one_family() -> None:
    assert sum(len(family.makers) for family in FAMILIES) == len(MAKERS)


def test_every_probe_of_one_operation_has_its_twin_on_the_other() -> None:
    """A rule both operations define is probed on both (issue #30): a maker is written once
    and run for each operation, so the twin cannot be forgotten; this holds it so."""
    me, other = demo_identities()
    options = FuzzOptions(
        None, me, other, max_examples=1, seed=1, mode="all", workers=1, report_dir=Path("r")
    )
    probed = {
        contract.operation_id: {
            p.rule for p in all_probes(contract, options) if isinstance(p, Probe)
        }
        for contract in spec_operations()
    }
    shared = set.intersection(
        *({rule.id for rule in c.rules if rule.id in MAKERS} for c in spec_operations())
    )
    assert shared  # the two operations share rules with makers
    for operation, rules in probed.items():
        assert shared - rules == set(), operation


def test_the_signing_scheme_rows_are_derived_from_x_signature() -> None:
    """One row per element of the scheme the spec under test states: a required signed header
    added there is one more row here."""
    from dataclasses import replace

    from fuzz_harness.transforms import signing_rows

    scheme = spec_operations()[1].signature
    rows = {row.id for row in signing_rows(scheme)}
    assert {f"sig-unsigned-{name}" for name in scheme.required_signed_headers} <= rows
    wider = replace(scheme, required_signed_headers=(*scheme.required_signed_headers, "x-more"))
    assert {row.id for row in signing_rows(wider)} - rows == {"sig-unsigned-x-more"}


def test_the_too_many_ids_probe_takes_its_bound_from_the_spec_under_test() -> None:
    """A spec allowing more job IDs than ours gets one more than its own bound: a server of
    that spec must not be failed for accepting what it allows."""
    import copy
    import json
    import random

    from jobs_metrics_spec import operations, spec_document

    document = copy.deepcopy(spec_document())
    document["components"]["schemas"]["JobMetricsRequest"]["properties"]["job_ids"]["maxItems"] = (
        1500
    )
    contract = operations(document)[0]
    me, other = demo_identities()
    options = FuzzOptions(
        None, me, other, max_examples=1, seed=1, mode="all", workers=1, report_dir=Path("r")
    )
    sizes = {
        p.name: len(json.loads(p.request.body or b"{}")["job_ids"])
        for p in MAKERS["body-schema-violation"](contract, options, random.Random(1))
        if isinstance(p, Probe) and p.name.endswith(" IDs")
    }
    assert sizes == {"1,501 IDs": 1501}
