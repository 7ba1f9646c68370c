"""`python -m backoffice`: serve the back office with uvicorn on BACKOFFICE_HOST:BACKOFFICE_PORT.

`python -m backoffice migrate` is the step to run before it (backoffice/prestart.py): the
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

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from backoffice.core.config import ConfigError, Settings, load_settings
from backoffice.core.logging import install_redaction, uvicorn_log_config
from backoffice.core.schema import SchemaError
from backoffice.orders.policies import PolicyError


def serve(settings: Settings) -> int:
    import uvicorn

    from backoffice.core.schema import require_head
    from backoffice.main import create_app

    app = create_app(settings)
    require_head(app.state.engine)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=uvicorn_log_config(),
        proxy_headers=False,
        server_header=False,
    )
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
