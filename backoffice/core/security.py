"""Service-to-service authentication: only our action server (holding the key) may call the API."""

from __future__ import annotations

import hmac

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from backoffice.core.errors import UnauthorizedError

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def require_api_key(request: Request, api_key: str | None = Security(api_key_header)) -> None:
    expected: str = request.app.state.settings.api_key.get_secret_value()
    # compare_digest keeps the comparison time independent of how much of the key matched.
    if not api_key or not hmac.compare_digest(api_key.encode(), expected.encode()):
        raise UnauthorizedError(headers={"WWW-Authenticate": "ApiKey"})
