"""Revision 0009 adds the order history, the order subscriptions and the order events' outbox
on SQLite and PostgreSQL: existing orders keep everything and start with an empty history; the
tables refuse what the models refuse; down and up again."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from backoffice.core import schema
from tests.backoffice.core.test_schema import differences, engine  # noqa: F401 - the fixture

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
NEW_TABLES = {"order_history", "order_subscriptions", "order_events_outbox"}


def add_order(engine: Engine) -> None:  # noqa: F811
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO customers (id, name, email, phone, created_at) "
                "VALUES (1, 'An', 'an@example.com', '+84912345678', :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO orders (id, customer_id, status, placed_at, updated_at, "
                "payment_method, subtotal_vnd, shipping_fee_vnd, total_vnd) VALUES "
                "('ORD-10001', 1, 'processing', :now, :now, 'cod', 100000, 0, 100000)"
            ),
            {"now": NOW},
        )


def add_history(engine: Engine, event_type: str, event_id: str | None) -> None:  # noqa: F811
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO order_history (order_id, event_id, type, status_before, "
                "status_after, source, created_at) VALUES "
                "('ORD-10001', :event_id, :type, 'processing', 'processing', 'carrier', :now)"
            ),
            {"event_id": event_id, "type": event_type, "now": NOW},
        )


def test_order_events_tables_up_and_down(engine: Engine) -> None:  # noqa: F811
    schema.upgrade(engine, "0008")
    add_order(engine)
    schema.upgrade(engine)
    assert differences(engine) == []
    assert set(inspect(engine).get_table_names()) >= NEW_TABLES

    add_history(engine, "packed", "e1")
    add_history(engine, "delayed", None)
    add_history(engine, "delayed", None)  # events without an id may repeat
    with pytest.raises(IntegrityError):
        add_history(engine, "packed", "e1")  # the sender's id is unique per order
    with pytest.raises(IntegrityError):
        add_history(engine, "lost", "e2")  # not an event type
    with engine.connect() as connection:
        status = connection.execute(text("SELECT status FROM orders")).scalar_one()
        kept = connection.execute(text("SELECT count(*) FROM order_history")).scalar_one()
    assert (status, kept) == ("processing", 3)

    schema.downgrade(engine, "0008")
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, status FROM orders")).all() == [
            ("ORD-10001", "processing")
        ]
    schema.upgrade(engine)
    assert differences(engine) == []
