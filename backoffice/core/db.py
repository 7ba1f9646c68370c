"""Engine and sessions; SQLite for zero-setup runs, PostgreSQL for anything shared.

SQLite write transactions start with BEGIN IMMEDIATE (see `begin_write`): with WAL and
deferred transactions two concurrent read-then-write requests would fail with "database is
locked" instead of waiting their turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_WRITE_OPTION = "caredesk_sqlite_write"


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        # Customer data: a directory made for it is its owner's only (`var/`, mode 700).
        Path(database).expanduser().resolve().parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def make_engine(url: str, **kwargs: Any) -> Engine:
    # Bound values (names, addresses, phones) must not end up in exception text and logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            future=True,
            connect_args={"check_same_thread": False, "timeout": 30},
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            # Take transaction control away from pysqlite so the "begin" hook below decides.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get(SQLITE_WRITE_OPTION)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, future=True, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def begin_write(session: Session) -> None:
    """Call first in a writing unit of work: takes SQLite's write lock up front (else no-op)."""
    session.connection(execution_options={SQLITE_WRITE_OPTION: True})


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request, rolled back unless the service committed."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
