"""Alembic's entry point for the back office's database.

`backoffice.core.schema.upgrade` hands over its connection (`config.attributes["connection"]`);
the `alembic` command line (backoffice/alembic.ini) connects to BACKOFFICE_DATABASE_URL, or to
var/backoffice.db when it is unset, with the app's own engine settings (SQLite: foreign keys on,
DDL inside BEGIN ... COMMIT, so a failed migration leaves nothing half done).
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection

from backoffice.core.config import DEFAULT_DATABASE_URL
from backoffice.core.db import make_engine
from backoffice.models import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    return os.environ.get("BACKOFFICE_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


def configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite alters a table by copying it ("batch" mode): later migrations work on both.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: the SQL, for a DBA to read or run."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        configure(given)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
