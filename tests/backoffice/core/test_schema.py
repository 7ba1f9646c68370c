"""Migrations give exactly the models' schema, on SQLite and PostgreSQL, from an empty database
and from a database the start-up code created before migrations (rows kept)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Index, MetaData, Table, UniqueConstraint, inspect, text
from sqlalchemy.engine import Engine

from backoffice.core import schema
from backoffice.core.db import make_engine
from backoffice.models import Base
from devstack.backoffice import temporary_postgres_database
from tests.support.services import require_service

# Added to `outbox_events` after it shipped (issue 10); the start-up code added them empty.
RECEIPT_COLUMNS = ("delivery_key", "accepted_at", "failed_at", "ticket_message_id")
# Tables a database from before 6f65e95 (agent sign-in throttling) and 183dc0a (verification
# limits) does not have.
LATER_TABLES = ("login_counters", "verification_failures")
# Tables revisions after the baseline create: no database from before migrations has them.
REVISION_TABLES = (
    "attachments",
    "canned_replies",
    "analytics_cursors",
    "analytics_events",
    "analytics_conversations",
    "order_history",
    "order_subscriptions",
    "order_events_outbox",
)
# Columns that revisions after the baseline add: a database from before migrations lacks them.
LATER_COLUMNS = {
    "ticket_messages": ("event", "event_data"),
    "tickets": ("routing", "contact_verified"),
    "agents": ("last_seen_at", "away"),
}
# Columns that revisions after the baseline drop: a database from before migrations has them.
EARLIER_COLUMNS = {
    "shipping_addresses": "district VARCHAR(100) NOT NULL DEFAULT ''",
    "agents": "is_admin BOOLEAN NOT NULL DEFAULT false",  # a role since 0007
}
# Later columns that CHECK constraints name (SQLite cannot drop those): the old table is made
# without them and their constraints.
LATER_CHECKED_COLUMNS = {
    "customers": ("loyalty_tier", "loyalty_points", "loyalty_spend_vnd"),
    "agents": ("role",),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        created = make_engine(f"sqlite:///{tmp_path / 'backoffice.db'}")
        yield created
        created.dispose()
        return
    require_service("postgres")
    with temporary_postgres_database("caredesk_schema") as url:
        created = make_engine(url)
        yield created
        created.dispose()


def differences(engine: Engine) -> list:
    """What autogenerate would change to make the database match the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def old_outbox(metadata: MetaData) -> Table:
    """`outbox_events` as it was before delivery receipts (issue 10)."""
    current = Base.metadata.tables["outbox_events"]
    return Table(
        "outbox_events",
        metadata,
        *(c.copy() for c in current.columns if c.name not in RECEIPT_COLUMNS),
        UniqueConstraint("conversation_id", "seq", name="uq_outbox_events_conversation_seq"),
        Index("ix_outbox_events_pending", "delivered_at", "conversation_id", "seq"),
    )


def create_old_database(engine: Engine, *, without: tuple[str, ...] = ()) -> None:
    """What the start-up code's `create_all` made before issue 10, with one outbox row."""
    old = MetaData()
    for table in Base.metadata.sorted_tables:
        if table.name == "outbox_events":
            old_outbox(old)
        elif table.name in LATER_CHECKED_COLUMNS:
            later = LATER_CHECKED_COLUMNS[table.name]
            Table(table.name, old, *(c.copy() for c in table.columns if c.name not in later))
        elif table.name not in (*without, *REVISION_TABLES):
            table.to_metadata(old)
    old.create_all(engine)
    with engine.begin() as connection:
        for table_name, columns in LATER_COLUMNS.items():
            for column in columns:
                connection.exec_driver_sql(f"ALTER TABLE {table_name} DROP COLUMN {column}")
        for table_name, column in EARLIER_COLUMNS.items():
            connection.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {column}")
        connection.execute(
            text(
                "INSERT INTO outbox_events (conversation_id, seq, intent, entities, "
                "created_at, attempts, next_attempt_at) VALUES "
                "('c', 1, 'EXTERNAL_agent_joined', '{}', CURRENT_TIMESTAMP, 0, CURRENT_TIMESTAMP)"
            )
        )


def test_upgrade_head_on_an_empty_database_gives_exactly_the_models(engine: Engine) -> None:
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    assert table_names(engine) == set(Base.metadata.tables)
    assert differences(engine) == []
    schema.require_head(engine)


def test_downgrade_to_base_then_upgrade_again(engine: Engine) -> None:
    schema.upgrade(engine)
    schema.downgrade(engine, "base")
    assert table_names(engine) == set()
    assert schema.current_revision(engine) is None
    schema.upgrade(engine)
    assert differences(engine) == []


def test_a_database_from_before_receipts_is_taken_over_with_its_rows(engine: Engine) -> None:
    create_old_database(engine, without=LATER_TABLES)
    assert differences(engine) != []
    schema.upgrade(engine)
    assert differences(engine) == []
    assert schema.current_revision(engine) == schema.head_revision()
    with engine.connect() as connection:
        row = connection.execute(text("SELECT seq, intent, delivery_key FROM outbox_events")).one()
    assert tuple(row) == (1, "EXTERNAL_agent_joined", None)


def test_a_database_whose_columns_start_up_added_gets_their_constraints(engine: Engine) -> None:
    """The start-up code added the receipt columns empty, without the unique delivery key, the
    foreign key and the index: the baseline adds those."""
    create_old_database(engine)
    preparer = engine.dialect.identifier_preparer
    table = Base.metadata.tables["outbox_events"]
    with engine.begin() as connection:
        for name in RECEIPT_COLUMNS:
            column = table.columns[name]
            kind = column.type.compile(dialect=engine.dialect)
            connection.exec_driver_sql(
                f"ALTER TABLE outbox_events ADD COLUMN {preparer.quote(name)} {kind}"
            )
    assert differences(engine) != []
    schema.upgrade(engine)
    assert differences(engine) == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM outbox_events")).scalar_one() == 1


def test_back_offices_started_together_migrate_one_after_the_other(engine: Engine) -> None:
    """Two `migrate` runs at once (replicas starting together): both succeed, once."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            schema.upgrade(engine)
        except BaseException as exc:  # reported below, from the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert differences(engine) == []


def test_the_app_refuses_a_database_that_is_not_at_head(engine: Engine) -> None:
    with pytest.raises(schema.SchemaError, match="python -m backoffice migrate"):
        schema.require_head(engine)
    create_old_database(engine)
    with pytest.raises(schema.SchemaError, match="none"):
        schema.require_head(engine)


def test_the_old_receipt_columns_are_nullable_only() -> None:
    """Why an old outbox row stays valid: every column added after the table shipped is
    nullable and has no server default."""
    table = Base.metadata.tables["outbox_events"]
    for name in RECEIPT_COLUMNS:
        column: Column = table.columns[name]
        assert column.nullable and column.server_default is None
