"""The client is tested against the real back office (SQLite), re-seeded for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.backoffice import Backoffice, running_backoffice


@pytest.fixture(scope="session")
def backoffice_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backoffice]:
    database = Path(tmp_path_factory.mktemp("client-backoffice")) / "backoffice.db"
    with running_backoffice(f"sqlite:///{database}", "sqlite") as backoffice:
        yield backoffice


@pytest.fixture
def backoffice(backoffice_server: Backoffice) -> Backoffice:
    backoffice_server.reset()
    return backoffice_server
