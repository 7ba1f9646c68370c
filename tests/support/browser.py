"""Debian's Chromium under Playwright for the browser tests, set up one way for all of them.

The browser tests drive the system's `/usr/bin/chromium` (not a Playwright download), headless
and quiet (no sync, no component updates, no first-run UI). Without it they skip, except under
CI=true where a missing browser must fail the run. Screenshots all go to one folder. A test
module's `browser` fixture calls `require_chromium()` then yields from `launched_chromium()`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from devstack.processes import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO_ROOT / "var" / "artifacts" / "screenshots"
# The chat widget as `make widget` builds it (served by the back office at /widget/).
WIDGET_BUNDLE = REPO_ROOT / "backoffice" / "web" / "widget" / "dist" / "caredesk-widget.js"


def require(present: bool, reason: str) -> None:
    """Skip the test when something a browser test needs is absent; fail instead under CI=true."""
    if present:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests are required)")
    pytest.skip(reason)


def require_chromium() -> None:
    """Skip (or fail under CI=true) when Debian's Chromium is not installed."""
    require(
        CHROMIUM.exists(),
        f"{CHROMIUM} is missing: install Debian's browser with `apt-get install chromium`",
    )


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's Chromium launched by Playwright; closed, and Playwright stopped, on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
