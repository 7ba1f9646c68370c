"""One write transaction per service call: all or nothing, and never left open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from backoffice.core.db import begin_write


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@contextmanager
def writing(session: Session) -> Iterator[None]:
    """SQLite's write lock up front (else two read-then-write requests deadlock), commit at the
    end, roll back on any error so a refused request leaves nothing half-written."""
    if session.in_transaction():
        session.commit()  # end an earlier read so the write lock is taken on BEGIN
    begin_write(session)
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    if session.in_transaction():
        session.commit()
