"""`python -m backoffice`: serve the back office with uvicorn on BACKOFFICE_HOST:BACKOFFICE_PORT."""

from __future__ import annotations

import logging
import logging.config
import sys

import uvicorn
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from backoffice.core.config import ConfigError, load_settings
from backoffice.core.logging import install_redaction, uvicorn_log_config
from backoffice.core.policies import PolicyError


def main() -> int:
    logging.config.dictConfig(uvicorn_log_config())
    install_redaction()
    try:
        settings = load_settings()
        from backoffice.main import create_app

        app = create_app(settings)
    except (ConfigError, PolicyError) as exc:
        print(f"backoffice: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = getattr(exc, "orig", None) or exc
        print(f"backoffice: cannot use the database {where}: {reason}", file=sys.stderr)
        return 2
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=uvicorn_log_config(),
        proxy_headers=False,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
