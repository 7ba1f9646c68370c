"""Service-to-service authentication: only our action server (holding the key) may call the API.

Two layers on purpose: the middleware answers 401 before anything else looks at the request
(body parsing, validation, routing), so callers without the key learn nothing, not even which
routes exist; the dependency declares the scheme in OpenAPI and guards routers mounted elsewhere.
"""

from __future__ import annotations

import hmac
import json

from fastapi import Request, Security
from fastapi.security import APIKeyHeader
from starlette.types import ASGIApp, Receive, Scope, Send

from backoffice.core.errors import UnauthorizedError

API_KEY_HEADER = "X-API-Key"
api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)


def key_matches(presented: str | bytes | None, expected: str) -> bool:
    if not presented:
        return False
    if isinstance(presented, str):
        presented = presented.encode("utf-8", "surrogateescape")
    # compare_digest keeps the time independent of how much of the key matched.
    return hmac.compare_digest(presented, expected.encode())


def require_api_key(request: Request, api_key: str | None = Security(api_key_header)) -> None:
    if not key_matches(api_key, request.app.state.settings.api_key.get_secret_value()):
        raise UnauthorizedError(headers={"WWW-Authenticate": "ApiKey"})


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, prefix: str = "/api/", exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.prefix = prefix
        self.exempt = exempt  # path prefixes with their own auth (the agent console's tokens)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if not path.startswith(self.prefix) or path.startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        expected = scope["app"].state.settings.api_key.get_secret_value()
        presented = dict(scope["headers"]).get(API_KEY_HEADER.lower().encode())
        if key_matches(presented, expected):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {"error": {"code": UnauthorizedError.code, "message": UnauthorizedError.message}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b"ApiKey"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
