"""``make docs``: the documentation site and the API reference, offline, checked in a browser.

The site (scripts/site.py: README.md as the home page, docs/*.md, CONTRIBUTING.md and the
reference pages generated from the spec, the click commands, the Makefile and specdiff's
catalogue) and the API reference (``api.html``) are written into ``build/docs/``. The build
fails on a broken internal link; then every page is read in headless Chromium (no console
error, no outside load, table cells readable, code cells unwrapped).

The API reference:

Redocly CLI 1.x (pinned in package.json) renders a docs copy of the spec
(scripts/docs_page.py says what differs and why) into one page with ``#`` links, which
works from a file. It would load Redoc's script from a CDN and fonts from Google: fonts
are switched off, and the CDN script tag is replaced by the very same bundle, inlined from
the pinned ``redoc`` package in node_modules (the version is checked). The page is checked
for any reference to an outside script, style, font or module, then read in headless
Chromium (no network): it fails on any console or page error, on an outside load, on an
int64 bound not shown exactly (or shown rounded), on a response field not shown, on the
auth header or the closed-object marks missing. ``screenshot.png`` shows the operation.
Redoc shows a response's description in the colours of its status (red on pink for the 400
and its error tables) and lets the code column wrap (``CS.10003`` over four lines): the page
gets a stylesheet that gives Markdown tables normal contrast and unwrapped code cells.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from jobs_metrics_spec import SPEC_PATH as SPEC
from jobs_metrics_spec import with_rendered_rules
from scripts import chromium, site
from scripts.docs_page import docs_copy, patch_page, problems
from scripts.lint_spec import node_env

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "build" / "docs"

# Loads of outside resources (plain links to other pages are fine).
EXTERNAL = re.compile(
    r"""(?i:<script[^>]+src=["']?(?:https?:)?//)"""
    r"""|(?i:<link[^>]+href=["']?(?:https?:)?//)"""
    # CSS url() and @import (lowercase: a JavaScript `new URL("https://...")` is no load)
    r"""|\burl\(\s*["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//"""
    r"""|\bimport\b[^;'"]*from\s*["'](?:https?:)?//"""
    r"""|\bimport\(\s*["'](?:https?:)?//"""
)


def external_references(html: str) -> list[str]:
    return [match.group(0)[:120] for match in EXTERNAL.finditer(html)]


REDOC = ROOT / "node_modules" / "redoc"
CDN_SCRIPT = re.compile(
    r'<script src="https://cdn\.redocly\.com/redoc/v(?P<version>[0-9.]+)/bundles/redoc\.standalone\.js">'
    r"</script>"
)


def inline_redoc(html: str) -> str:
    """Replace the CDN script tag with the same Redoc bundle from node_modules."""
    match = CDN_SCRIPT.search(html)
    if match is None:
        return html
    local = json.loads((REDOC / "package.json").read_text())["version"]
    if local != match["version"]:
        raise SystemExit(f"docs: page wants Redoc {match['version']}, node_modules has {local}")
    bundle = (REDOC / "bundles" / "redoc.standalone.js").read_text()
    # A literal closing script tag inside the bundle would end the element early.
    bundle = bundle.replace("</script", "<\\/script")
    return html[: match.start()] + "<script>" + bundle + "</script>" + html[match.end() :]


# Markdown tables in Redoc (descriptions; Redoc's own tables carry a class): readable.
READABLE_TABLES = """<style>
table:not([class]) { display: block; overflow-x: auto; border-collapse: collapse; }
table:not([class]) th, table:not([class]) td { color: #1f2328; background-color: #ffffff;
  border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; text-align: left; }
table:not([class]) td code, table:not([class]) th code { white-space: nowrap;
  color: #1f2328; background-color: #eff1f3; }
</style>"""


def readable_tables(html: str) -> str:
    """The page with READABLE_TABLES first in its head (the inlined bundle holds the text
    ``</head>`` too, inside JavaScript: only the head's opening tag near the top is safe)."""
    match = re.search(r"<head[^>]*>", html[:2000], re.I)
    if match is None:
        raise SystemExit("docs: the Redoc page has no <head> at its top: review readable_tables")
    return html[: match.end()] + READABLE_TABLES + html[match.end() :]


def build(out: Path = OUT) -> Path:
    """The API reference page, ``out/api.html`` (the site's other pages: build_site)."""
    out.mkdir(parents=True, exist_ok=True)
    page = out / site.API_PAGE
    env = node_env()
    # The 400 table is rendered from the spec's x-contract rules, not kept as a second copy.
    rendered = out / "docs-copy.openapi.yaml"
    document = docs_copy(with_rendered_rules(yaml.safe_load(SPEC.read_text(encoding="utf-8"))))
    rendered.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    # The spec as written, for download beside the page.
    (out / SPEC.name).write_bytes(SPEC.read_bytes())
    subprocess.run(
        [
            str(ROOT / "node_modules" / ".bin" / "redocly"),
            "build-docs",
            str(rendered),
            "--disableGoogleFont",
            "--config",
            str(ROOT / "redocly.yaml"),
            "-o",
            str(page),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    page.write_text(readable_tables(patch_page(inline_redoc(page.read_text()))))
    found = external_references(page.read_text())
    if found:
        raise SystemExit(
            f"docs: {page} loads outside resources, it would not work offline: {found}"
        )
    return page


def build_site(out: Path = OUT) -> Path:
    """The whole site into ``out``: the API reference and every page; its ``index.html``."""
    out.mkdir(parents=True, exist_ok=True)
    site.clean(out)
    build(out)
    site.write_site(out)
    broken = site.broken_links(out)
    if broken:
        raise SystemExit("docs: broken links:\n  " + "\n  ".join(broken))
    return out / "index.html"


OPERATION = '[data-section-id="tag/Job-Monitoring/operation/queryJobMetrics"]'


def check(page: Path, screenshot: Path | None = None) -> list[str]:
    """Read the page in Chromium; the problems found (empty: it shows the contract)."""
    reading = chromium.read_page(page, screenshot, clip=OPERATION)
    return problems(reading, yaml.safe_load(SPEC.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    home = build_site(args.out)
    page = args.out / site.API_PAGE
    shown = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page
    print(f"docs: {shown} ({page.stat().st_size // 1024} KiB, no outside resources)")
    count = len(list(args.out.glob("*.html")))
    home_shown = home.relative_to(ROOT) if home.is_relative_to(ROOT) else home
    print(f"docs: {home_shown} and {count - 1} more pages, every internal link resolves")
    try:
        found = check(page, args.out / "screenshot.png")
        found += site.browser_problems(args.out)
    except chromium.ChromiumMissing as exc:
        print(f"docs: {exc}", file=sys.stderr)
        return 1
    for problem in found:
        print(f"docs: FAILED: {problem}", file=sys.stderr)
    if found:
        return 1
    print(
        "docs: read in headless Chromium: 0 console errors, 0 page errors, no outside loads, "
        "int64 bounds exact, responses expanded, auth header and closed objects shown"
    )
    print(
        f"docs: {count} pages read in headless Chromium: 0 console errors, table cells "
        "readable, code cells unwrapped"
    )
    print(f"docs: screenshot of the operation {args.out / 'screenshot.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
