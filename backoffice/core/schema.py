"""Brings an existing database up to the models at start-up.

`create_all` creates missing tables but never touches a table that exists, so a column added
to a model later would be missing from a database created before it ("no such column" on the
first query). Such columns are added here, empty: only nullable columns without a server
default may be added to a model after its table has shipped.
"""

from __future__ import annotations

import logging

from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateColumn

logger = logging.getLogger(__name__)


class SchemaError(RuntimeError):
    """A column the code needs cannot be added to the existing table by itself."""


def add_missing_columns(engine: Engine, metadata: MetaData) -> list[str]:
    """Add the model columns an existing table lacks; return them as "table.column"."""
    inspector = inspect(engine)
    existing_tables = set(inspector.get_table_names())
    added: list[str] = []
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable or column.server_default is not None:
                    raise SchemaError(
                        f"{table.name}.{column.name} is missing and cannot be added empty"
                    )
                # Name and type as the dialect writes them, without the table's constraints and
                # indexes (SQLite cannot add those to an existing table).
                definition = CreateColumn(column).compile(dialect=engine.dialect)
                table_name = engine.dialect.identifier_preparer.quote(table.name)
                connection.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {definition}")
                added.append(f"{table.name}.{column.name}")
    for name in added:
        logger.info("database: added column %s", name)
    return added
