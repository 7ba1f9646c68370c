"""Start the real back office, on SQLite or on a throw-away PostgreSQL database, with its own
venv's Python (scripts/stack.py). Nothing here imports `backoffice`: the Rasa venv runs this
too, so the back office is reached through its HTTP API, its CLI (`python -m backoffice ...`)
and plain SQL on its database."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
import yaml
from sqlalchemy import MetaData, Table, create_engine, select
from sqlalchemy.engine import Engine

from caredesk_rules.accounts import PASSWORD_VARIABLES, SEEDED_AGENTS
from devstack.processes import REPO_ROOT, ServiceProcess, start_service
from scripts.stack import BACKOFFICE_PYTHON

API_KEY = "test-" + secrets.token_hex(16)
KNOWLEDGE_FILE = REPO_ROOT / "knowledge" / "store.yml"
POSTGRES_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
# The back office as `make run` starts it (scripts/stack.py): its prestart step, then the server.
BACKOFFICE_SERVE = [str(BACKOFFICE_PYTHON), "-m", "backoffice"]
BACKOFFICE_PRESTART = [[str(BACKOFFICE_PYTHON), "-m", "backoffice", "migrate"]]
# Every seeded account has its own password, as from .env (a Vietnamese passphrase: Unicode
# passwords travel through the API and the console's form like any other).
AGENT_PASSWORDS: dict[str, str] = {
    agent.username: f"mật khẩu của {agent.display_name}" for agent in SEEDED_AGENTS
}
# HELPDESK_<USERNAME>_PASSWORD for a back office under test
AGENT_PASSWORD_ENV: dict[str, str] = {
    PASSWORD_VARIABLES[username]: password for username, password in AGENT_PASSWORDS.items()
}
# Test back offices promise a person without anyone's console open (their hand-offs wait for a
# claim); tests of the presence rule turn it on (HANDOFF_NEEDS_AGENT_ONLINE, core/config.py).
WITHOUT_PRESENCE_ENV = {"HANDOFF_NEEDS_AGENT_ONLINE": "false"}
DEPARTMENTS_FILE = REPO_ROOT / "backoffice" / "config" / "departments.yml"
CLOSED_DEPARTMENT = "marketing"  # closed all day today in the test departments file


def write_departments_file(target: Path, closed: str = CLOSED_DEPARTMENT) -> Path:
    """The real departments file with every team open around the clock, except `closed`,
    which opens only tomorrow at 8:00 (so it is closed all of today, whatever the hour)."""
    raw = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    zone = ZoneInfo(raw.get("timezone") or "Asia/Ho_Chi_Minh")
    tomorrow = (datetime.now(zone) + timedelta(days=1)).strftime("%a").lower()
    for key, department in raw["departments"].items():
        if key == closed:
            department["business_hours"] = {tomorrow: "08:00-20:00"}
            department["first_response_minutes"] = 60  # promised: 9:00 tomorrow
        else:
            department["business_hours"] = {"mon-sun": "00:00-24:00"}
    target.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


# How old the demo data put back by Backoffice.reset may get: its dates are relative to the
# seeding, and the tests' look-ups (delivered "3 days ago", return windows) allow minutes.
RESEED_SECONDS = 600.0


def _tables(engine: Engine) -> list[Table]:
    """The back office's tables in dependency order, from the database itself (no import of
    `backoffice`); Alembic's bookkeeping stays as it is."""
    metadata = MetaData()
    metadata.reflect(engine)
    return [table for table in metadata.sorted_tables if table.name != "alembic_version"]


def table_rows(engine: Engine) -> dict[str, list[dict[str, object]]]:
    with engine.connect() as connection:
        return {
            table.name: [dict(row) for row in connection.execute(select(table)).mappings()]
            for table in _tables(engine)
        }


def restore_rows(engine: Engine, rows: dict[str, list[dict[str, object]]]) -> None:
    """Every table back to `rows`, in one transaction: children deleted first, parents
    inserted first."""
    tables = _tables(engine)
    with engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(table.delete())
        for table in tables:
            if rows.get(table.name):
                connection.execute(table.insert(), rows[table.name])


def reset_demo(env: Mapping[str, str]) -> None:
    """Every row deleted, then the accounts and fresh demo data (dates relative to now), by the
    back office's own CLI on the database `env` names; the running server stays."""
    command = [str(BACKOFFICE_PYTHON), "-m", "backoffice", "reset"]
    done = subprocess.run(
        command,
        env={**os.environ, **env, "CAREDESK_SEED_DEMO": "true"},
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    if done.returncode:
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n{output}")


@dataclass
class Backoffice:
    """A running back office plus direct access to its database, to check what was written."""

    backend: str
    service: ServiceProcess
    database_url: str
    api_key: str
    engine: Engine  # plain SQLAlchemy on the same database, to check what was written
    env: dict[str, str]  # the server's environment (the CLI reads the same settings)
    # The rows the CLI's last reset wrote, and when (time.monotonic()).
    _fresh: tuple[float, dict[str, list[dict[str, object]]]] | None = field(
        default=None, repr=False
    )

    @property
    def base_url(self) -> str:
        return self.service.base_url

    def reset(self) -> None:
        """Fresh demo data, without restarting the server. The back office's CLI seeds it (dates
        relative to now) at most every RESEED_SECONDS; in between, the rows it wrote are put
        back with plain SQL, milliseconds instead of a Python process per test."""
        if self._fresh is None or time.monotonic() - self._fresh[0] > RESEED_SECONDS:
            reset_demo(self.env)
            self._fresh = (time.monotonic(), table_rows(self.engine))
        else:
            restore_rows(self.engine, self._fresh[1])

    def session(self, contact: str | None = None, api_key: str | None = None) -> requests.Session:
        http = requests.Session()
        http.headers["X-API-Key"] = self.api_key if api_key is None else api_key
        if contact is not None:
            http.headers["X-Customer-Contact"] = contact
        return http


def start_backoffice(
    name: str, env: Mapping[str, str], startup_timeout: float = 240.0
) -> ServiceProcess:
    """The back office as `make run` starts it: its migrations, then the app on a free port.
    spaCy loads at start-up, and the routing model is learned when var/cache/routing has none
    for these inputs: minutes on a busy two-core machine (`startup_timeout`)."""
    return start_service(
        name,
        BACKOFFICE_SERVE,
        env=env,
        health_url="http://127.0.0.1:{port}/health",
        startup_timeout=startup_timeout,
        prestart=BACKOFFICE_PRESTART,
    )


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
        **WITHOUT_PRESENCE_ENV,
    }
    service = start_backoffice(f"backoffice-{backend}", env)
    try:
        engine = create_engine(database_url)
        try:
            yield Backoffice(
                backend=backend,
                service=service,
                database_url=database_url,
                api_key=API_KEY,
                engine=engine,
                env={
                    name: value.replace("{port}", str(service.port)) for name, value in env.items()
                },
            )
        finally:
            engine.dispose()
    finally:
        service.cleanup()


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
