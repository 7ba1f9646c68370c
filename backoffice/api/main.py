"""Which routers exist (each capability's, and health) and which need the service key."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backoffice.analytics import api as analytics
from backoffice.analytics import dashboard
from backoffice.api.routes import health
from backoffice.core.security import require_api_key
from backoffice.helpdesk.api.routes import (
    agent,
    agent_tools,
    attachments,
    console,
    deliveries,
    handoffs,
    routing,
    tickets,
)
from backoffice.orders.api.routes import customers, invoices, orders, shop, subscriptions
from caredesk_rules.attachments import MAX_ATTACHMENT_BYTES

API_PREFIX = "/api/v1"

# Service-to-service API: every route below needs X-API-Key.
api_router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_api_key)])
api_router.include_router(orders.router)
api_router.include_router(customers.router)
api_router.include_router(subscriptions.router)
api_router.include_router(tickets.router)
api_router.include_router(handoffs.router)
api_router.include_router(deliveries.router)
api_router.include_router(routing.router)

# Agent console API: bearer tokens from /api/v1/agent/login instead of the service key.
AGENT_PREFIX = API_PREFIX + "/agent"
agent_router = APIRouter(prefix=API_PREFIX)
agent_router.include_router(agent.router)
agent_router.include_router(agent_tools.router)
# The analytics (issue 13): the same bearer tokens, of role cco or admin.
ANALYTICS_PREFIX = API_PREFIX + "/analytics"
agent_router.include_router(analytics.router)
# Customers' photos: an upload token (the widget) or X-API-Key (the channels), checked by the
# route itself; reading one also takes an agent's bearer token.
ATTACHMENTS_PREFIX = API_PREFIX + attachments.UPLOAD_PATH
attachment_router = APIRouter(prefix=API_PREFIX)
attachment_router.include_router(attachments.router)
# Bodies that carry a whole chat transcript may be larger than the default 16 KB, a photo too.
LARGER_BODY_LIMITS = {
    API_PREFIX + "/handoffs": 256 * 1024,
    API_PREFIX + "/tickets": 256 * 1024,
    ATTACHMENTS_PREFIX: MAX_ATTACHMENT_BYTES,
}

# Routes a browser or a supervisor reaches without the key.
public_router = APIRouter()
public_router.include_router(health.router)
public_router.include_router(invoices.router)
public_router.include_router(console.router)  # the agent console page (GET /console)
public_router.include_router(dashboard.router)  # the CCO dashboard page (GET /dashboard)
public_router.include_router(shop.router)  # demo shop + the chat widget's script (GET /shop)
