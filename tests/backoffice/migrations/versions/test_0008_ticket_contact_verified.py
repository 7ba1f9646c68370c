"""Revision 0008 marks which stored tickets carry a contact the customer proved, on SQLite and
PostgreSQL: those whose order summary is the verified order's, not an order id only given."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.engine import Engine

from backoffice.core import schema
from tests.backoffice.core.test_schema import differences, engine  # noqa: F401 - the fixture

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
OLD_TICKETS = [
    # id, email, order summary as the assistant sent it before
    (1, "an.nguyen@example.com", {"order_id": "ORD-10001", "status": "shipped"}),
    (2, "an.nguyen@example.com", {"order_id": "ORD-10001", "note": "given, not verified"}),
    (3, "an.nguyen@example.com", None),
    (4, None, {"order_id": "ORD-10001", "status": "shipped"}),
]


def test_tickets_of_a_verified_order_are_marked_verified(engine: Engine) -> None:  # noqa: F811
    schema.upgrade(engine, "0007")
    with engine.begin() as connection:
        for number, email, summary in OLD_TICKETS:
            connection.execute(
                text(
                    "INSERT INTO tickets (id, department, priority, status, contact_email, "
                    "order_summary, language, subject, created_at, updated_at) VALUES (:id, "
                    "'billing', 'normal', 'new', :email, :summary, 'en', 'x', :now, :now)"
                ),
                {
                    "id": number,
                    "email": email,
                    "summary": None if summary is None else json.dumps(summary),
                    "now": NOW,
                },
            )
    schema.upgrade(engine)
    assert differences(engine) == []
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, contact_verified FROM tickets ORDER BY id"))
        assert [(number, bool(verified)) for number, verified in rows] == [
            (1, True),
            (2, False),
            (3, False),
            (4, False),
        ]
    schema.downgrade(engine, "0007")
    schema.upgrade(engine)
