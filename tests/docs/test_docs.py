"""``make docs``: a self-contained page that shows the contract exactly in a browser."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobs_metrics_spec import SPEC_PATH
from scripts.build_docs import build_site, check, external_references
from scripts.docs_page import (
    CLOSED_NOTE,
    PageReading,
    docs_copy,
    js_rendering,
    patch_page,
    problems,
)
from tests.support import needs_program, spec

INT64_MAX = 9223372036854775807


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The API reference page of a whole site build (tests/docs/test_site.py reads the rest)."""
    return build_site(tmp_path_factory.mktemp("docs")).parent / "api.html"


def test_page_loads_nothing_from_outside(page):
    assert external_references(page.read_text()) == []


@pytest.mark.slow  # starts a browser (~4 s with the page build); CI runs it in test-slow
@needs_program("chromium", "chromium-browser")
def test_page_read_in_chromium_shows_the_contract_exactly(page):
    """The `make docs` gate itself: 0 console and page errors, no outside load, every int64
    bound exact and never rounded, responses expanded, auth header and closed objects."""
    shot = page.parent / "screenshot.png"
    assert check(page, shot) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 100_000  # the operation with request and responses


def test_download_is_the_spec_as_written(page):
    assert (page.parent / SPEC_PATH.name).read_bytes() == SPEC_PATH.read_bytes()


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


# ---- the checks of problems(), each with a passing and a failing reading ----------------


def good_text() -> str:
    names = "message_id message current_time payload jobs job_id metrics sources sinks name"
    names += " records corrupted_records total_read_rate total_write_rate"
    names += " error_id error_name error_cause error_suggestion error_time"
    names += " is_success error_code error_msg request_id"  # the successor's envelope
    closed = CLOSED_NOTE.replace("**", "").replace("`", "")
    bounds = f"[ 0 .. {INT64_MAX} ] [ {-INT64_MAX - 1} .. {INT64_MAX} ] [ 1 .. 1000 ]"
    bounds += " = 32 characters"
    return f"{bounds} X-Auth-Token Authorization {closed} {names}"


def reading(**changes: object) -> PageReading:
    fields: dict[str, object] = {"console": [], "page_errors": [], "requests": []}
    fields["text"] = good_text()
    fields.update(changes)
    return PageReading(**fields)  # type: ignore[arg-type]


def test_a_page_showing_everything_has_no_problems():
    assert problems(reading(), spec()) == []


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"console": [{"type": "error", "text": "Minified React error #418"}]},
         "console error: Minified React error #418"),
        ({"page_errors": ["TypeError: x is undefined"]}, "page error: TypeError: x is undefined"),
        ({"requests": ["https://cdn.redoc.ly/redoc/logo-mini.svg"]},
         "loads from outside: https://cdn.redoc.ly/redoc/logo-mini.svg"),
        ({"text": good_text().replace(str(INT64_MAX), "9223372036854776000")},
         f"{INT64_MAX} is shown rounded as 9223372036854776000"),
        ({"text": good_text().replace("1000", "1,000")}, "maxItems 1000 is not shown"),
        ({"text": good_text().replace("X-Auth-Token", "authToken")},
         "the X-Auth-Token header is not shown"),
        ({"text": good_text().replace("Closed object", "")}, "closed objects are not marked"),
        ({"text": good_text().replace(" corrupted_records", "")},
         "response field corrupted_records is not shown (responses collapsed?)"),
    ],
)  # fmt: skip
def test_each_check_names_what_the_page_gets_wrong(bad, expected):
    assert expected in problems(reading(**bad), spec())


def test_javascript_rounding_is_computed_as_a_browser_prints_it():
    assert js_rendering(INT64_MAX) == "9223372036854776000"
    assert js_rendering(-(2**63)) == "-9223372036854776000"
    assert js_rendering(2**53 + 1) == "9007199254740992"


def test_docs_copy_writes_big_bounds_as_exact_strings_and_leaves_the_spec_alone():
    original = yaml.safe_load(SPEC_PATH.read_text())
    copy = docs_copy(original)
    assert copy["components"]["schemas"]["JobId"]["maximum"] == str(INT64_MAX)
    assert copy["components"]["schemas"]["JobId"]["minimum"] == 0
    assert original["components"]["schemas"]["JobId"]["maximum"] == INT64_MAX
    assert CLOSED_NOTE in copy["components"]["schemas"]["JobMetricsRequest"]["description"]
    operation = copy["paths"]["/v1.0/{project_id}/jobs/metrics"]["post"]
    assert operation["description"].endswith(
        "**Authentication**: the `X-Auth-Token` header (`authToken`)."
    )


def test_page_patch_fails_loudly_when_the_bundle_changes():
    with pytest.raises(SystemExit, match="review patch_page"):
        patch_page("<script>Redoc.render()</script>")
