"""The documentation site of ``make docs``: README in a head, every page on the site, the
reference pages generated from their one declaration, no broken internal link, and (in
Chromium) no console error, readable tables and unwrapped code cells."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from jobs_metrics_cli import cli
from scripts import site
from scripts.build_docs import READABLE_TABLES, build_site
from tests.support import ROOT, needs_program

README_MAX_LINES = 200


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole site built in this process (Redocly included, no Chromium)."""
    return build_site(tmp_path_factory.mktemp("site")).parent


def test_readme_fits_in_a_head():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def test_readme_keeps_the_quick_start_of_each_kind_of_user():
    readme = (ROOT / "README.md").read_text()
    for needed in (
        "make lint-spec",
        "make diff",
        "make docs",
        "make generate",
        "make check",
        "make fuzz BASE_URL=",
        "jobs-metrics stand-in",
        "<!-- snippet: client",
        "demo-token-project-a",
        "DEMOAKPROJECTB000002",
        "make test ",
        "CONTRIBUTING.md",
        "ARCHITECTURE.md",
        "SPEC_CHANGELOG.md",
    ):
        assert needed in readme, needed


def test_no_broken_internal_link(built: Path):
    assert site.broken_links(built) == []
    names = {page.name for page in built.glob("*.html")}
    assert {"index.html", "api.html", "contract-rules.html", "commands.html"} <= names
    assert {"diff-rules.html", "contributing.html", "stand-in.html"} <= names
    assert {"testing-clients.html", "fuzzing.html", "server.html", "clients.html"} <= names


def test_every_docs_page_is_on_the_site():
    on_site = {page.source for page in site.pages() if page.source is not None}
    for markdown in (ROOT / "docs").glob("*.md"):
        assert markdown in on_site, markdown


def test_readme_links_become_site_links(built: Path):
    home = (built / "index.html").read_text()
    for target in ("fuzzing.html", "contributing.html", "architecture.html", "stand-in.html"):
        assert f'href="{target}' in home, target
    assert 'href="docs/' not in home
    assert '.md"' not in home


def test_link_checker_finds_missing_pages_and_anchors(tmp_path: Path):
    (tmp_path / "a.html").write_text(
        '<h2 id="here">x</h2><a href="#here">ok</a><a href="#gone">1</a>'
        '<a href="b.html#there">ok</a><a href="b.html#nowhere">2</a><a href="c.html">3</a>'
        '<a href="https://example.com/x">outside</a>'
    )
    (tmp_path / "b.html").write_text('<p id="there">y</p>')
    assert site.broken_links(tmp_path) == [
        "a.html: #gone: no element with id 'gone'",
        "a.html: b.html#nowhere: no element with id 'nowhere'",
        "a.html: c.html: no such file",
    ]


def test_a_link_to_a_repository_file_off_the_site_keeps_its_text(tmp_path: Path):
    source = ROOT / "docs" / "x.md"
    text = "[the bench](../bench/results/latest.md) and [home](../README.md#tests)"
    _, body = site.render(text, source, {(ROOT / "README.md").resolve(): "index.html"})
    assert "the bench" in body
    assert "latest.md" in body
    assert 'href="../bench' not in body
    assert 'href="index.html#tests"' in body


def test_headings_get_github_anchors():
    _, body = site.render("# A b\n\n## Levels: a FAIL names it\n\n## A b\n", ROOT / "x.md", {})
    assert 'id="a-b"' in body
    assert 'id="a-b-1"' in body
    assert 'id="levels-a-fail-names-it"' in body


# ---- generated reference pages -------------------------------------------------------------


def test_commands_page_lists_every_option_of_every_command():
    page = site.commands_markdown()
    context = click.Context(cli, info_name="jobs-metrics")
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        assert command is not None
        assert f"## jobs-metrics {name}" in page
        for option in command.params:
            if isinstance(option, click.Option) and not option.hidden:
                assert f"`{option.opts[0]}`" in page, (name, option.opts)
                if isinstance(option.envvar, str):
                    assert f"`{option.envvar}`" in page, (name, option.envvar)
    assert "`--max-examples` |  | `100` |" in page
    assert "| `--timeout` | `TIMEOUT` | `10.0` |" in page


def test_commands_page_lists_every_make_knob_and_target():
    makefile = (ROOT / "Makefile").read_text()
    page = site.commands_markdown()
    knobs = re.findall(r"^# knob: .*\n([A-Z_]+) \?=", makefile, re.M)
    assert len(knobs) > 30
    for knob in knobs:
        assert f"| `{knob}` |" in page, knob
    for target in re.findall(r"^([a-z-]+):.*## ", makefile, re.M):
        assert f"`make {target}`" in page, target
    assert "| `BASE` | `HEAD~1` |" in page


def test_contract_page_has_every_rule_of_every_operation():
    from jobs_metrics_spec import operations, rules_markdown, spec_document

    page = site.contract_markdown()
    for contract in operations(spec_document()):
        assert rules_markdown(contract) in page
        prefix = "" if contract.operation_id == "queryJobMetrics" else contract.operation_id + "/"
        for rule in contract.rules:
            assert f"| `{prefix}{rule.id}` | {rule.level} |" in page, rule.id


def test_diff_rules_page_is_the_catalogue():
    from specdiff.catalogue import CATALOGUE

    page = site.diff_rules_markdown()
    for rule_id in CATALOGUE:
        assert f"`{rule_id}`" in page


def test_site_tables_are_styled_readable(built: Path):
    style = (built / "style.css").read_text()
    assert "td code, th code { white-space: nowrap; }" in style
    api = (built / "api.html").read_text()
    assert READABLE_TABLES in api


# ---- in Chromium ---------------------------------------------------------------------------


@pytest.mark.slow  # starts a browser per page; CI runs it in test-slow, `make docs` always
@needs_program("chromium", "chromium-browser")
def test_every_page_read_in_chromium_has_no_errors_and_readable_tables(built: Path):
    assert site.browser_problems(built) == []


@pytest.mark.slow
@needs_program("chromium", "chromium-browser")
def test_browser_check_flags_red_on_pink_and_wrapped_code(tmp_path: Path):
    (tmp_path / "bad.html").write_text(
        "<!doctype html><html><body><table style='width:60px'><tr>"
        "<td style='color:#d41f1c;background:#fbeaea'><code>CS.10003 and more</code></td>"
        "<td style='color:#bbb'>pale</td></tr></table>"
        "<script>console.error('boom')</script></body></html>"
    )
    found = site.browser_problems(tmp_path)
    assert any("table cell not readable: CS.10003" in problem for problem in found), found
    assert any("table cell not readable: pale" in problem for problem in found), found
    assert any("code cell wraps: CS.10003" in problem for problem in found), found
    assert any("console error: boom" in problem for problem in found), found
