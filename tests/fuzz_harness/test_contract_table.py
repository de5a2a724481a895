"""The error table is rendered from the spec's ``x-contract``: the docs site's generated
contract page carries it verbatim (no hand-kept copy in the README any more), and the API
reference's 400 description carries the rendered table instead of a hand-written copy."""

from __future__ import annotations

from jobs_metrics_spec import (
    METRICS_PATH,
    TABLE_MARKER,
    default_contract,
    rules_markdown,
    spec_operations,
    with_rendered_rules,
)
from tests.support import ROOT


def test_contract_page_tables_are_the_spec_rendered():
    from scripts.site import contract_markdown

    page = contract_markdown()
    for contract in spec_operations():
        assert rules_markdown(contract) in page, contract.operation_id
    # The README no longer keeps a copy that could drift from the spec.
    assert "| `CS.10006` | 400 |" not in (ROOT / "README.md").read_text()


def test_each_operation_gets_its_own_table():
    document = default_contract().document
    rendered = with_rendered_rules(document)
    for contract in spec_operations():
        text = rendered["paths"][contract.path]["post"]["responses"]["400"]["description"]
        assert rules_markdown(contract) in text
    successor = rendered["paths"][spec_operations()[1].path]["post"]["responses"]["400"]
    assert "CS.10006" not in successor["description"]


def test_docs_description_gets_the_rendered_table():
    document = default_contract().document
    source = document["paths"][METRICS_PATH]["post"]["responses"]["400"]["description"]
    assert TABLE_MARKER in source
    rendered = with_rendered_rules(document)
    text = rendered["paths"][METRICS_PATH]["post"]["responses"]["400"]["description"]
    assert TABLE_MARKER not in text
    assert "| `CS.10006` | 400 | The token was issued for another project" in text


def test_every_testable_rule_has_probes_or_is_judged_on_every_answer():
    from fuzz_harness.consistency import RULES
    from fuzz_harness.judge import ANSWER_RULES
    from fuzz_harness.probes import MAKERS
    from fuzz_harness.recheck import RULE

    for contract in spec_operations():
        for rule in contract.rules:
            probed = rule.id in MAKERS or rule.id in (*ANSWER_RULES, *RULES, RULE)
            assert probed != bool(rule.untestable), (contract.operation_id, rule.id)


def test_server_limits_are_the_specs():
    from reference_server.settings import default_max_body, default_max_header_bytes

    limits = default_contract().limits
    assert (limits.max_body_bytes, limits.max_header_bytes) == (
        default_max_body(),
        default_max_header_bytes(),
    )
