"""Which settings a process runs with: development (the default: `make run`, the tests) or
production (`CAREDESK_ENV=production`, with endpoints.production.yml).

Production settings refuse to start without what a public deployment needs (Telegram's secret
token, the shared Redis for rate limits and redeliveries) instead of running with a warning.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

ENVIRONMENT_ENV = "CAREDESK_ENV"
DEVELOPMENT = "development"
PRODUCTION = "production"


class SettingsError(RuntimeError):
    """A setting a process cannot run with; the message names the variable to fix."""


def is_production(env: Mapping[str, str] | None = None) -> bool:
    """True with `CAREDESK_ENV=production`; unset or `development` is development."""
    value = (os.environ if env is None else env).get(ENVIRONMENT_ENV, "").strip().lower()
    if value not in ("", DEVELOPMENT, PRODUCTION):
        raise SettingsError(
            f"{ENVIRONMENT_ENV} must be {DEVELOPMENT} or {PRODUCTION}, not {value!r}"
        )
    return value == PRODUCTION
