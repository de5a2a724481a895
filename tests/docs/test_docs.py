"""``make docs``: a self-contained page that renders offline in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from scripts import chromium
from scripts.build_docs import build, external_references

needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("CI"),
    reason="chromium not installed (scripts/install_system_packages.sh); CI installs it",
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("docs"))


def test_page_loads_nothing_from_outside(page):
    assert external_references(page.read_text()) == []


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.example.com/redoc.js"></script>',
        '<link rel="stylesheet" href="//fonts.example.com/css">',
        'import { hydrate } from "https://cdn.redocly.com/redoc/v3/redoc.standalone.js";',
        "@import url(https://fonts.example.com/x.css);",
    ],
)
def test_external_reference_detector_flags_loads(html):
    assert external_references(html)


def test_external_reference_detector_allows_links():
    assert (
        external_references('<a href="https://github.com/x">source</a><script>let a=1</script>')
        == []
    )


@needs_chromium
def test_page_renders_offline_with_operation_fields_and_codes(page):
    dom = chromium.dump_dom(page)
    visible = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", visible)
    for expected in (
        "Query job monitoring information",
        "job_ids",
        "X-Auth-Token",
        "CS.10008",
        "CS.10004",
        "CS.10006",
        "total_read_rate",
        "corrupted_records",
    ):
        assert expected in text, expected


@needs_chromium
def test_screenshot_is_saved_beside_the_page(page):
    shot = chromium.screenshot(page, page.parent / "screenshot.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
