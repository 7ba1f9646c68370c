"""`python -m backoffice`: serve the back office with uvicorn on BACKOFFICE_HOST:BACKOFFICE_PORT.

`BACKOFFICE_WORKERS` > 1 serves with that many uvicorn worker processes (they share Redis,
REDIS_HOST, for the consoles' pushes: core/config.py). `python -m backoffice migrate` is the
step to run before it, once, not in each worker (backoffice/prestart.py): the
schema to the head revision, the helpdesk's accounts and, with CAREDESK_SEED_DEMO=true, the
demo data. The server refuses a database that is not at the head revision.

`python -m backoffice reset` deletes every row, then runs the same step: a fresh demo (dates
relative to now) while a server keeps running, which the tests' shared stack needs between
tests without importing the back office (devstack/backoffice.py).
"""

from __future__ import annotations

import argparse
import logging
import logging.config
import sys
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from backoffice.core.config import ConfigError, Settings, load_settings
from backoffice.core.logging import install_redaction, uvicorn_log_config
from backoffice.core.schema import SchemaError
from backoffice.orders.policies import PolicyError

APP_FACTORY = "backoffice.main:create_app"  # what each worker process imports and calls


def serve(settings: Settings) -> int:
    """One process, or BACKOFFICE_WORKERS uvicorn worker processes on one port (uvicorn's
    supervisor restarts a worker that dies). Each worker builds its own app from the same
    environment; this process builds one first, so a broken setting, knowledge file or an
    un-migrated database is refused here, once, before any worker starts (a worker that
    failed at start-up would only be restarted again and again)."""
    import uvicorn

    from backoffice.core.schema import require_head
    from backoffice.main import create_app

    app = create_app(settings)
    require_head(app.state.engine)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": uvicorn_log_config(),
        "proxy_headers": False,
        "server_header": False,
    }
    if settings.workers == 1:
        uvicorn.run(app, **options)
        return 0
    app.state.engine.dispose()  # the workers open their own connections
    uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **options)
    return 0


def migrate(settings: Settings) -> int:
    from backoffice.prestart import prestart

    prestart(settings)
    return 0


def reset(settings: Settings) -> int:
    if not settings.seed_demo:
        raise ConfigError("reset deletes every row: only for a demo (CAREDESK_SEED_DEMO=true)")
    from backoffice.core.db import make_engine
    from backoffice.models import clear_database
    from backoffice.prestart import prestart

    engine = make_engine(settings.database_url)
    try:
        clear_database(engine)
    finally:
        engine.dispose()
    prestart(settings)
    return 0


COMMANDS = {"serve": serve, "migrate": migrate, "reset": reset}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backoffice", description=__doc__)
    parser.add_argument("command", nargs="?", choices=sorted(COMMANDS), default="serve")
    args = parser.parse_args(argv)
    logging.config.dictConfig(uvicorn_log_config())
    install_redaction()
    settings: Settings | None = None
    try:
        settings = load_settings()
        return COMMANDS[args.command](settings)
    except (ConfigError, PolicyError, SchemaError) as exc:
        print(f"backoffice: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        assert settings is not None
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = getattr(exc, "orig", None) or exc
        print(f"backoffice: cannot use the database {where}: {reason}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
