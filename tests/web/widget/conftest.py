"""What the widget's browser tests share: one Chromium per test module, once the bundle is built
(`test_widget.py` launches its own, after the running stack)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import WIDGET_BUNDLE, launched_chromium, require_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    if not WIDGET_BUNDLE.is_file():
        pytest.fail(f"{WIDGET_BUNDLE} is missing: run `make widget` (make test does)")
    with launched_chromium() as chromium:
        yield chromium
