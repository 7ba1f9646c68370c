"""The database schema is Alembic's head revision (backoffice/migrations): one way to get there.

`upgrade` runs the migrations (the prestart step, `python -m backoffice migrate`, calls it before
the app starts); the app itself never changes the schema and refuses to start on a database
that is not at head (`require_head`), rather than failing on the first query that needs a
column a migration adds.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"


class SchemaError(RuntimeError):
    """The database is not at the schema this code needs."""


def alembic_config() -> Config:
    return Config(str(ALEMBIC_INI))


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision`; a database the start-up code created before
    migrations is taken over with its rows (the baseline revision, docs/migrations.md)."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection  # read by backoffice/migrations/env.py
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def require_head(engine: Engine) -> None:
    """Raise SchemaError unless the database is at the head revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaError(
            f"the database is at revision {current or 'none (no migrations run)'}, this code "
            f"needs {head}: run `python -m backoffice migrate` first (docs/migrations.md)"
        )
