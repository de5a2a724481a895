"""Headless Chromium (Debian's ``chromium`` package) reading the docs page as a reader would.

The browser is driven by puppeteer-core (pinned in package.json) through
``scripts/read_page.mjs``: it collects console messages, uncaught page errors and any
request that leaves the machine, the page's visible text, and a screenshot. Flags: no
sandbox (CI runs as root), no GPU, no background networking, every host name mapped to
nowhere, so a page that needs the network shows it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from scripts.docs_page import PageReading
from scripts.lint_spec import node_env

ROOT = Path(__file__).resolve().parent.parent
READ_PAGE = ROOT / "scripts" / "read_page.mjs"


class ChromiumMissing(RuntimeError):
    """Chromium is not installed."""


def binary() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissing("chromium is not installed: run `make system-packages`")


def read_page(
    page: Path, screenshot: Path | None = None, clip: str | None = None, timeout: float = 120
) -> PageReading:
    """Open ``page`` (a file) in headless Chromium; optionally save a screenshot of the
    element ``clip`` selects (CSS), else of the first screen."""
    command = ["node", str(READ_PAGE), "--chromium", binary(), "--page", str(page.resolve())]
    if screenshot is not None:
        command += ["--screenshot", str(screenshot.resolve())]
    if clip is not None:
        command += ["--clip", clip]
    result = subprocess.run(
        command, cwd=ROOT, env=node_env(), capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"reading {page} failed ({result.returncode}): {result.stderr[-2000:]}")
    data = json.loads(result.stdout)
    return PageReading(data["console"], data["pageErrors"], data["requests"], data["text"])
