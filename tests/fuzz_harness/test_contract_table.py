"""The error table is rendered from the spec's ``x-contract``: the README quotes it verbatim,
and the docs' 400 description carries the rendered table instead of a hand-written copy."""

from __future__ import annotations

from fuzz_harness.contract import default_contract
from jobs_metrics_spec import METRICS_PATH, TABLE_MARKER, rules_markdown, with_rendered_rules
from tests.support import ROOT


def test_readme_table_is_the_spec_rendered():
    assert rules_markdown(default_contract()) in (ROOT / "README.md").read_text()


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

    for rule in default_contract().rules:
        probed = rule.id in MAKERS or rule.id in (*ANSWER_RULES, *RULES, RULE)
        assert probed != bool(rule.untestable), rule.id


def test_server_limits_are_the_specs():
    from reference_server.settings import DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER_BYTES

    limits = default_contract().limits
    assert (limits.max_body_bytes, limits.max_header_bytes) == (
        DEFAULT_MAX_BODY,
        DEFAULT_MAX_HEADER_BYTES,
    )
