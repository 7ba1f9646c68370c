"""The production endpoints' PostgreSQL tracker store and Redis lock store, private to one test.

endpoints.production.yml reads its stores from TRACKER_DB_* and REDIS_* variables. A test gets
a scratch database on the machine's PostgreSQL and its own Redis key prefix, so that it neither
sees nor leaves anything of another run; both are removed afterwards.

    with production_stores("tracker") as stores:
        with running_stack(REPO_ROOT / "endpoints.production.yml", env=stores.settings) as stack:
            ...
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.support.services import require_service


@dataclass(frozen=True)
class ProductionStores:
    suffix: str  # unique to this run: name other per-run things (queues, channels) with it
    redis_host: str
    redis_port: int
    settings: dict[str, str]  # TRACKER_DB_* and REDIS_* for the services' environment


@contextmanager
def production_stores(name: str) -> Iterator[ProductionStores]:
    """A scratch database `caredesk_<name>_<suffix>` and key prefix; skips without the servers."""
    pg_host, pg_port = require_service("postgres")
    redis_host, redis_port = require_service("redis")
    import psycopg2
    import redis

    suffix = uuid.uuid4().hex[:8]
    database = f"caredesk_{name}_{suffix}"
    key_prefix = f"caredesk{name}{suffix}"
    settings = {
        "TRACKER_DB_HOST": pg_host,
        "TRACKER_DB_PORT": str(pg_port),
        "TRACKER_DB_NAME": database,
        "TRACKER_DB_USER": "postgres",
        "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": redis_host,
        "REDIS_PORT": str(redis_port),
        "REDIS_DB": "0",
        "REDIS_KEY_PREFIX": key_prefix,
    }
    admin = psycopg2.connect(host=pg_host, port=pg_port, user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{database}"')
    try:
        yield ProductionStores(suffix, redis_host, redis_port, settings)
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        client = redis.Redis(host=redis_host, port=redis_port)
        for key in client.scan_iter(match=f"{key_prefix}*"):
            client.delete(key)
        client.close()
