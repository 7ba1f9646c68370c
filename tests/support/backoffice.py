"""Start the real back office for tests, on SQLite or on a throw-away PostgreSQL database."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy.engine import Engine

from backoffice.core.db import make_engine, make_session_factory
from backoffice.core.policies import Knowledge, load_knowledge
from backoffice.seed import clear_database, seed_demo_data
from tests.support.processes import REPO_ROOT, ServiceProcess, running_service

API_KEY = "test-" + secrets.token_hex(16)
KNOWLEDGE_FILE = REPO_ROOT / "knowledge" / "store.yml"
POSTGRES_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
# The back office as `make run` starts it (scripts/stack.py): its prestart step, then the server.
BACKOFFICE_SERVE = [sys.executable, "-m", "backoffice"]
BACKOFFICE_PRESTART = [[sys.executable, "-m", "backoffice", "migrate"]]


@dataclass
class Backoffice:
    """A running back office plus direct access to its database, to check what was written."""

    backend: str
    service: ServiceProcess
    database_url: str
    api_key: str
    engine: Engine
    knowledge: Knowledge

    @property
    def base_url(self) -> str:
        return self.service.base_url

    def reset(self) -> None:
        """Fresh demo data (dates relative to now), without restarting the server."""
        clear_database(self.engine)
        with make_session_factory(self.engine)() as session:
            seed_demo_data(session, self.knowledge)

    def session(self, contact: str | None = None, api_key: str | None = None) -> requests.Session:
        http = requests.Session()
        http.headers["X-API-Key"] = self.api_key if api_key is None else api_key
        if contact is not None:
            http.headers["X-Customer-Contact"] = contact
        return http


@contextmanager
def running_backoffice(
    database_url: str, backend: str, knowledge_file: Path = KNOWLEDGE_FILE
) -> Iterator[Backoffice]:
    env = {
        "BACKOFFICE_HOST": "127.0.0.1",
        "BACKOFFICE_PORT": "{port}",
        "BACKOFFICE_DATABASE_URL": database_url,
        "BACKOFFICE_API_KEY": API_KEY,
        "KNOWLEDGE_FILE": str(knowledge_file),
        "PUBLIC_BASE_URL": "http://127.0.0.1:{port}",
        "CAREDESK_SEED_DEMO": "true",
    }
    with running_service(
        f"backoffice-{backend}",
        BACKOFFICE_SERVE,
        env=env,
        health_url="http://127.0.0.1:{port}/health",
        startup_timeout=30.0,
        prestart=BACKOFFICE_PRESTART,
    ) as service:
        engine = make_engine(database_url)
        try:
            yield Backoffice(
                backend=backend,
                service=service,
                database_url=database_url,
                api_key=API_KEY,
                engine=engine,
                knowledge=load_knowledge(knowledge_file),
            )
        finally:
            engine.dispose()


@contextmanager
def temporary_postgres_database(prefix: str = "caredesk_test") -> Iterator[str]:
    """CREATE a uniquely named database, yield its URL, DROP it (even with open connections)."""
    import psycopg2

    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = psycopg2.connect(POSTGRES_ADMIN_DSN)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
