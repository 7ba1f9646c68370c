"""A database created before a column was added to a model gets the column at start-up, empty,
and keeps its rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, text

from backoffice.core.db import make_engine
from backoffice.core.schema import SchemaError, add_missing_columns
from backoffice.models import Base
from tests.support.backoffice import temporary_postgres_database
from tests.support.services import require_service


def old_outbox(metadata: MetaData) -> Table:
    """`outbox_events` as it was before delivery receipts (issue 10)."""
    current = Base.metadata.tables["outbox_events"]
    keep = ("delivery_key", "accepted_at", "failed_at", "ticket_message_id")
    return Table(
        "outbox_events",
        metadata,
        *(
            Column(c.name, c.type, primary_key=c.primary_key)
            for c in current.columns
            if c.name not in keep
        ),
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    require_service("postgres")
    with temporary_postgres_database("caredesk_schema") as url:
        yield url


def test_new_nullable_columns_are_added_and_rows_kept(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        old = MetaData()
        old_outbox(old)
        old.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO outbox_events (conversation_id, seq, intent, entities, "
                    "created_at, attempts, next_attempt_at) VALUES "
                    "('c', 1, 'EXTERNAL_agent_joined', '{}', CURRENT_TIMESTAMP, 0, "
                    "CURRENT_TIMESTAMP)"
                )
            )
        Base.metadata.create_all(engine)  # creates the other tables, leaves this one alone
        added = add_missing_columns(engine, Base.metadata)
        assert sorted(added) == [
            "outbox_events.accepted_at",
            "outbox_events.delivery_key",
            "outbox_events.failed_at",
            "outbox_events.ticket_message_id",
        ]
        columns = {c["name"] for c in inspect(engine).get_columns("outbox_events")}
        assert {"delivery_key", "accepted_at", "failed_at", "ticket_message_id"} <= columns
        with engine.connect() as connection:
            row = connection.execute(text("SELECT seq, delivery_key FROM outbox_events")).one()
        assert tuple(row) == (1, None)
        assert add_missing_columns(engine, Base.metadata) == []  # nothing twice
    finally:
        engine.dispose()


def test_a_required_column_is_never_added_silently(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'strict.db'}")
    try:
        Table("things", MetaData(), Column("id", Integer, primary_key=True)).metadata.create_all(
            engine
        )
        wanted = MetaData()
        Table(
            "things",
            wanted,
            Column("id", Integer, primary_key=True),
            Column("name", String(10), nullable=False),
        )
        with pytest.raises(SchemaError, match=r"things\.name"):
            add_missing_columns(engine, wanted)
    finally:
        engine.dispose()
