"""The action server (rasa_sdk) that answers only Rasa: every request but `/health` must carry
`Authorization: Bearer $ACTION_SERVER_TOKEN`, which Rasa sends from its endpoints file
(`action_endpoint.headers`). Without it anyone who reaches port 5055 could post a tracker of
their making (a verified order, any sender id) and have the actions act on it.

    ACTION_SERVER_TOKEN=... python -m scripts.action_server --actions actions --port 5055

Same arguments as `python -m rasa_sdk`. The check is attached through rasa_sdk 3.6's own
extension point (the `attach_sanic_app_extensions` hook its `run()` calls), registered here
rather than through a `rasa_sdk_plugins` package found on the path: a guard that silently goes
missing when the path changes would fail open. The token comes from the environment only, never
the command line, and the server refuses to start without it.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from typing import Any

import pluggy
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_ENV = "ACTION_SERVER_TOKEN"  # noqa: S105 - the variable's name, not a secret
OPEN_PATHS = frozenset({"/health"})  # for load balancers and `make run`'s supervisor

logger = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("rasa_sdk")


def require_token(app: Sanic, token: str) -> None:
    """Refuse (401) every request to `app` outside `OPEN_PATHS` without the bearer token."""
    expected = f"Bearer {token}".encode()

    async def check(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get("Authorization", "").encode()
        if hmac.compare_digest(given, expected):
            return None
        logger.warning(
            "action server: %s %s refused without the token", request.method, request.path
        )
        return response.json({"error": "unauthorized"}, status=401)

    app.register_middleware(check, "request")


class RequireToken:
    """The rasa_sdk plugin that adds `require_token` to the server `run()` builds."""

    def __init__(self, token: str) -> None:
        self.token = token

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        require_token(app, self.token)


def main(argv: list[str] | None = None) -> Any:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(f"{TOKEN_ENV} is not set (environment or .env): refusing to start", file=sys.stderr)
        return 2
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser
    from rasa_sdk.plugin import plugin_manager

    plugin_manager().register(RequireToken(token))
    main_from_args(create_argument_parser().parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
