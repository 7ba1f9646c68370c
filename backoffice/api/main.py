"""Which routers exist and which need the service key; add new resources (helpdesk...) here."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backoffice.api.routes import health, invoices, orders
from backoffice.core.security import require_api_key

API_PREFIX = "/api/v1"

# Service-to-service API: every route below needs X-API-Key.
api_router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_api_key)])
api_router.include_router(orders.router)

# Routes a browser or a supervisor reaches without the key.
public_router = APIRouter()
public_router.include_router(health.router)
public_router.include_router(invoices.router)
