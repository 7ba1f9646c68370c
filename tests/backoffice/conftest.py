"""The back office as a real process, on SQLite and (when reachable) on PostgreSQL.

Servers are started once per session; `backoffice` re-seeds the database before each test,
so every test sees docs/contract.md's demo data with dates relative to now.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.backoffice import Backoffice, running_backoffice, temporary_postgres_database
from tests.support.services import require_service


@pytest.fixture(scope="session")
def backoffice_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backoffice]:
    database = Path(tmp_path_factory.mktemp("backoffice-sqlite")) / "backoffice.db"
    with running_backoffice(f"sqlite:///{database}", "sqlite") as backoffice:
        yield backoffice


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A fresh database for this test session on the local server, dropped afterwards."""
    require_service("postgres")
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def backoffice_postgres(postgres_database_url: str) -> Iterator[Backoffice]:
    with running_backoffice(postgres_database_url, "postgres") as backoffice:
        yield backoffice


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backoffice(request: pytest.FixtureRequest) -> Backoffice:
    running: Backoffice = request.getfixturevalue(f"backoffice_{request.param}")
    running.reset()
    return running
