"""A seeded database per test for the order services (docs/contract.md's demo data, seeded
once per module at a fixed moment): SQLite (a copy of the seeded file) and PostgreSQL (the
seeded rows put back before each test); and order services on fresh sessions."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.core.config import DEFAULT_KNOWLEDGE_FILE
from backoffice.core.db import make_engine, make_session_factory
from backoffice.models import Base
from backoffice.orders.policies import Knowledge, load_knowledge
from backoffice.orders.seed import seed_demo_data
from backoffice.orders.services.orders import OrderService
from devstack.backoffice import restore_rows, table_rows, temporary_postgres_database
from tests.support.services import require_service

# A Friday, 10:00 in Hà Nội.
SEEDED_AT = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def seeded_orders_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("orders-template") / "orders.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        seed_demo_data(session, load_knowledge(DEFAULT_KNOWLEDGE_FILE), now=SEEDED_AT)
    engine.dispose()  # the last connection checkpoints the WAL into the main file
    return path


SeededRows = dict[str, list[dict[str, object]]]


@pytest.fixture(scope="module")
def seeded_postgres() -> Iterator[tuple[Engine, SeededRows]]:
    require_service("postgres")
    with temporary_postgres_database("caredesk_orders") as url:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        with make_session_factory(engine)() as session:
            seed_demo_data(session, load_knowledge(DEFAULT_KNOWLEDGE_FILE), now=SEEDED_AT)
        yield engine, table_rows(engine)
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def orders_db(
    request: pytest.FixtureRequest, tmp_path: Path, seeded_orders_template: Path
) -> Iterator[Engine]:
    if request.param == "postgres":
        engine, rows = request.getfixturevalue("seeded_postgres")
        restore_rows(engine, rows)
        yield engine
        return
    database = tmp_path / "orders.db"
    shutil.copyfile(seeded_orders_template, database)
    engine = make_engine(f"sqlite:///{database}")
    yield engine
    engine.dispose()


@pytest.fixture
def orders_at(orders_db: Engine) -> Iterator[Callable[..., OrderService]]:
    """`orders_at(now)`: an order service on a fresh session whose clock reads `now`."""
    knowledge: Knowledge = load_knowledge(DEFAULT_KNOWLEDGE_FILE)
    sessions: list[Session] = []

    def build(now: datetime = SEEDED_AT) -> OrderService:
        session = make_session_factory(orders_db)()
        sessions.append(session)
        return OrderService(session, knowledge.policies, clock=lambda: now, shop_tz=knowledge.tz())

    yield build
    for session in sessions:
        session.close()
