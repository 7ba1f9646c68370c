"""Revision 0007 turns `is_admin` into a role (admins stay admins) and back, on SQLite and
PostgreSQL, keeping every account."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.engine import Engine

from backoffice.core import schema
from tests.backoffice.core.test_schema import differences, engine  # noqa: F401 - the fixture

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def add_agent(engine: Engine, username: str, is_admin: bool) -> None:  # noqa: F811
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO agents (username, display_name, password_hash, departments, "
                "is_admin, active, created_at, away) "
                "VALUES (:u, :u, 'x', '[]', :admin, true, :now, false)"
            ),
            {"u": username, "admin": is_admin, "now": NOW},
        )


def test_admins_keep_their_powers_as_a_role_and_back(engine: Engine) -> None:  # noqa: F811
    schema.upgrade(engine, "0006")
    add_agent(engine, "admin", True)
    add_agent(engine, "billing", False)
    schema.upgrade(engine)
    assert differences(engine) == []
    with engine.connect() as connection:
        roles = dict(connection.execute(text("SELECT username, role FROM agents")).all())
    assert roles == {"admin": "admin", "billing": "agent"}
    schema.downgrade(engine, "0006")
    with engine.connect() as connection:
        admins = dict(connection.execute(text("SELECT username, is_admin FROM agents")).all())
    assert {name: bool(flag) for name, flag in admins.items()} == {"admin": True, "billing": False}
