"""Headless Chromium (Debian's ``chromium`` package) for rendering the docs offline.

Flags: no sandbox (we run as root in CI), no GPU, and no background networking; every host
name is mapped to nowhere, so a page that needs the network shows it by not rendering.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


class ChromiumMissing(RuntimeError):
    """Chromium is not installed."""


def binary() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissing("chromium is not installed: run scripts/install_system_packages.sh")


def _run(page: Path, *extra: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        return subprocess.run(
            [
                binary(),
                *FLAGS,
                f"--user-data-dir={profile}",
                "--virtual-time-budget=10000",
                *extra,
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def dump_dom(page: Path) -> str:
    """The page's DOM after its scripts ran."""
    result = _run(page, "--dump-dom")
    if result.returncode != 0:
        raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def screenshot(page: Path, out: Path, width: int = 1280, height: int = 1600) -> Path:
    result = _run(page, f"--window-size={width},{height}", f"--screenshot={out.resolve()}")
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(
            f"chromium screenshot failed ({result.returncode}): {result.stderr[-2000:]}"
        )
    return out
