"""The database schema is Alembic's head revision (backoffice/migrations): one way to get there.

`upgrade` runs the migrations (the prestart step, `python -m backoffice migrate`, calls it before
the app starts); the app itself never changes the schema and refuses to start on a database
that is not at head (`require_head`), rather than failing on the first query that needs a
column a migration adds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from backoffice.core.db import SQLITE_WRITE_OPTION

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"
# PostgreSQL advisory lock taken while migrating (any fixed number; "caredesk" in ASCII).
LOCK_KEY = 0x6361726564657368


class SchemaError(RuntimeError):
    """The database is not at the schema this code needs."""


def alembic_config() -> Config:
    return Config(str(ALEMBIC_INI))


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One transaction that holds the database's migration lock: back offices started together
    migrate one after the other, and the later ones find nothing left to do."""
    with engine.connect() as connection:
        connection.execution_options(**{SQLITE_WRITE_OPTION: True})  # BEGIN IMMEDIATE
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            yield connection


def _run(engine: Engine, run: Callable[[Config], None]) -> None:
    with _migrating(engine) as connection:
        config = alembic_config()
        config.attributes["connection"] = connection  # read by backoffice/migrations/env.py
        run(config)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision`; a database the start-up code created before
    migrations is taken over with its rows (the baseline revision, docs/migrations.md)."""
    _run(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, lambda config: command.downgrade(config, revision))


def require_head(engine: Engine) -> None:
    """Raise SchemaError unless the database is at the head revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaError(
            f"the database is at revision {current or 'none (no migrations run)'}, this code "
            f"needs {head}: run `python -m backoffice migrate` first (docs/migrations.md)"
        )
