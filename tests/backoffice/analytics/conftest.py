"""A real back office reading Rasa's SQL event broker table (a file the tests publish to with
Rasa's own broker, rasa_events.py): one per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.backoffice import write_departments_file
from tests.support.helpdesk import Helpdesk, rasa_recorder, running_helpdesk


@pytest.fixture(scope="module")
def events_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rasa-events") / "rasa_events.db"


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory, events_db: Path) -> Iterator[Helpdesk]:
    folder = tmp_path_factory.mktemp("analytics")
    departments = write_departments_file(folder / "departments.yml")
    with (
        rasa_recorder() as rasa,
        running_helpdesk(
            f"sqlite:///{folder / 'backoffice.db'}",
            "sqlite",
            rasa,
            departments,
            extra_env={"ANALYTICS_EVENTS_URL": f"sqlite:///{events_db}"},
        ) as running,
    ):
        yield running
