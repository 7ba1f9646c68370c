"""Helpdesk servers (SQLite and PostgreSQL) wired to a recorder standing in for Rasa.

One server per backend for the whole session; tests isolate themselves with fresh
conversation ids, so nothing is reset between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.backoffice import temporary_postgres_database, write_departments_file
from tests.support.helpdesk import Helpdesk, RasaRecorder, rasa_recorder, running_helpdesk
from tests.support.services import require_service


@pytest.fixture(scope="session")
def rasa() -> Iterator[RasaRecorder]:
    with rasa_recorder() as recorder:
        yield recorder


@pytest.fixture(scope="session")
def departments_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_departments_file(tmp_path_factory.mktemp("departments") / "departments.yml")


@pytest.fixture(scope="session")
def helpdesk_sqlite(
    tmp_path_factory: pytest.TempPathFactory, rasa: RasaRecorder, departments_file: Path
) -> Iterator[Helpdesk]:
    database = tmp_path_factory.mktemp("helpdesk-sqlite") / "helpdesk.db"
    with running_helpdesk(f"sqlite:///{database}", "sqlite", rasa, departments_file) as helpdesk:
        yield helpdesk


@pytest.fixture(scope="session")
def helpdesk_postgres(rasa: RasaRecorder, departments_file: Path) -> Iterator[Helpdesk]:
    require_service("postgres")
    with (
        temporary_postgres_database("caredesk_helpdesk") as url,
        running_helpdesk(url, "postgres", rasa, departments_file) as helpdesk,
    ):
        yield helpdesk


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def helpdesk(request: pytest.FixtureRequest) -> Helpdesk:
    running: Helpdesk = request.getfixturevalue(f"helpdesk_{request.param}")
    return running


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test, for tests that start their own server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'helpdesk.db'}"
        return
    require_service("postgres")
    with temporary_postgres_database("caredesk_helpdesk") as url:
        yield url
