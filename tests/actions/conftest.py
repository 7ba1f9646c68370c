"""Order actions run in-process against the real back office (SQLite), re-seeded for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import actions.handoff
import actions.orders
from actions.clients.helpdesk import HelpdeskClient
from actions.clients.orders import OrdersClient
from devstack.backoffice import Backoffice, running_backoffice


@pytest.fixture(scope="session")
def actions_backoffice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backoffice]:
    database = Path(tmp_path_factory.mktemp("actions-backoffice")) / "backoffice.db"
    with running_backoffice(f"sqlite:///{database}", "sqlite") as backoffice:
        yield backoffice


@pytest.fixture
def order_system(actions_backoffice: Backoffice) -> Iterator[Backoffice]:
    """Points the actions' shared client at the running back office."""
    actions_backoffice.reset()
    actions.orders._client = OrdersClient(
        actions_backoffice.base_url, actions_backoffice.api_key, timeout=5, retries=1
    )
    yield actions_backoffice
    actions.orders._client = None


@pytest.fixture
def order_system_down() -> Iterator[None]:
    """A client whose order system refuses connections."""
    from devstack.processes import free_port

    actions.orders._client = OrdersClient(
        f"http://127.0.0.1:{free_port()}", "key", timeout=1, retries=0
    )
    yield
    actions.orders._client = None


@pytest.fixture
def helpdesk(order_system: Backoffice) -> Iterator[Backoffice]:
    """The same back office serves the helpdesk API."""
    actions.handoff._client = HelpdeskClient(order_system.base_url, order_system.api_key, timeout=5)
    yield order_system
    actions.handoff._client = None
