"""A real back office reading Rasa's SQL event broker table (a file the tests publish to with
Rasa's own broker, rasa_events.py): one per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.helpdesk import Helpdesk, helpdesk_reading_events


@pytest.fixture(scope="module")
def events_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rasa-events") / "rasa_events.db"


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory, events_db: Path) -> Iterator[Helpdesk]:
    with helpdesk_reading_events(tmp_path_factory.mktemp("analytics"), events_db) as running:
        yield running
