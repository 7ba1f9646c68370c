"""What the console's browser tests share: one Chromium, and one back office with the helpdesk
on SQLite, per test module (a module that needs other settings defines its own `helpdesk`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.backoffice import write_departments_file
from tests.backoffice.web.test_console import Tab
from tests.support.browser import launched_chromium, require_chromium
from tests.support.helpdesk import Helpdesk, rasa_recorder, running_helpdesk


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Helpdesk]:
    """The back office with the helpdesk on SQLite; agents have the tests' AGENT_PASSWORDS."""
    folder = tmp_path_factory.mktemp("console")
    departments = write_departments_file(folder / "departments.yml")
    with (
        rasa_recorder() as rasa,
        running_helpdesk(f"sqlite:///{folder / 'helpdesk.db'}", "sqlite", rasa, departments) as hd,
    ):
        yield hd


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def tabs(browser: Any, helpdesk: Helpdesk) -> Iterator[Any]:
    """Opens signed-out console tabs on demand (`tabs()`), each closed after the test."""
    opened: list[Tab] = []

    def new_tab() -> Tab:
        tab = Tab(browser, helpdesk.base_url)
        opened.append(tab)
        return tab

    yield new_tab
    for tab in opened:
        tab.close()
