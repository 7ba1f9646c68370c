"""Every table of the back office: importing this module registers every capability's models
on `Base.metadata`, which Alembic compares the database with (migrations/env.py) and a reset
empties."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from backoffice.analytics import models as analytics
from backoffice.core.models import Base as Base
from backoffice.helpdesk import models as helpdesk
from backoffice.orders import models as orders

__all__ = ["Base", "analytics", "clear_database", "helpdesk", "orders"]


def clear_database(engine: Engine) -> None:
    """Delete every back-office row (tables stay), children first."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
