"""Revision 0010 lets the analytics store keep the assistant's words (kind `bot`) on SQLite and
PostgreSQL: the events stored before stay, the constraint still refuses other kinds, and the
downgrade drops the bot lines before it puts the old constraint back."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from backoffice.core import schema
from tests.backoffice.core.test_schema import differences, engine  # noqa: F401 - the fixture

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def add_event(engine: Engine, key: str, kind: str) -> None:  # noqa: F811
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO analytics_events (key, sender_id, at, kind, text) "
                "VALUES (:key, 'customer-1', :now, :kind, 'hello')"
            ),
            {"key": key, "kind": kind, "now": NOW},
        )


def kinds(engine: Engine) -> dict[str, str]:  # noqa: F811
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT key, kind FROM analytics_events")).all())


def test_bot_events_allowed_up_and_dropped_down(engine: Engine) -> None:  # noqa: F811
    schema.upgrade(engine, "0009")
    add_event(engine, "u1", "user")
    with pytest.raises(IntegrityError):
        add_event(engine, "b0", "bot")  # not yet
    schema.upgrade(engine)
    assert differences(engine) == []
    assert kinds(engine) == {"u1": "user"}

    add_event(engine, "b1", "bot")
    with pytest.raises(IntegrityError):
        add_event(engine, "x1", "note")  # still only the kinds events.py stores
    with pytest.raises(IntegrityError):
        add_event(engine, "b1", "bot")  # the key is still unique
    assert kinds(engine) == {"u1": "user", "b1": "bot"}

    schema.downgrade(engine, "0009")
    assert kinds(engine) == {"u1": "user"}
    with pytest.raises(IntegrityError):
        add_event(engine, "b2", "bot")
    schema.upgrade(engine)
    assert differences(engine) == []
    add_event(engine, "b3", "bot")
