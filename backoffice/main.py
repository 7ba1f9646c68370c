"""Application factory: one FastAPI app per call, so tests and tools can run isolated instances.

The app never changes the schema nor seeds: `python -m backoffice migrate` does both before it
starts (backoffice/prestart.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backoffice import __version__
from backoffice.analytics.ingest import ingester_from_settings
from backoffice.api.main import (
    AGENT_PREFIX,
    ANALYTICS_PREFIX,
    API_PREFIX,
    ATTACHMENTS_PREFIX,
    LARGER_BODY_LIMITS,
    agent_router,
    api_router,
    attachment_router,
    public_router,
)
from backoffice.api.routes.docs import OPENAPI_URL, install_api_docs
from backoffice.core.config import Settings, load_settings
from backoffice.core.db import make_engine, make_session_factory
from backoffice.core.errors import install_error_handlers
from backoffice.core.middleware import BodySizeLimitMiddleware
from backoffice.core.security import ApiKeyMiddleware
from backoffice.core.verification import digest_key
from backoffice.helpdesk.runtime import setup_helpdesk
from backoffice.helpdesk.services.routing.router import load_router
from backoffice.orders.policies import load_knowledge
from backoffice.orders.services.order_delivery import order_update_worker
from backoffice.orders.services.platform_senders import configured_templates

logger = logging.getLogger(__name__)

DESCRIPTION = """
Reference order system for caredesk. Service-to-service API under `/api/v1` (header
`X-API-Key`); customer-scoped calls also need `X-Customer-Contact` (the email or phone on the
order). Errors are always `{"error": {"code": ..., "message": ...}}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    knowledge = load_knowledge(settings.knowledge_file)  # fail fast on broken business rules
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    helpdesk = setup_helpdesk(settings, session_factory)
    # Order updates to the subscribed conversations, through Rasa, on a thread of its own.
    order_updates = order_update_worker(
        session_factory,
        settings.rasa_url,
        settings.rasa_auth_token.get_secret_value(),
        settings.delivery_poll_seconds,
        configured_templates(settings),
    )
    # Rasa's events into the analytics store, on a thread of its own (ANALYTICS_EVENTS_URL).
    ingester = ingester_from_settings(
        session_factory,
        settings.analytics_events_url.get_secret_value(),
        settings.analytics_events_queue,
    )

    def warm_up_routing() -> None:
        """spaCy and the routing classifier take seconds to load: not while a customer waits.
        The app answers (health included) only once routing is ready."""
        load_router(settings.departments_file).route("my order arrived broken", None, "en")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(warm_up_routing)
        await helpdesk.start()
        order_updates.start()
        if ingester is not None:
            ingester.start()
        yield
        if ingester is not None:
            ingester.stop()
        order_updates.stop()
        await helpdesk.stop()
        engine.dispose()

    # The API docs show every route and schema: for developers (CAREDESK_ENV=development),
    # not served in production (backoffice/api/routes/docs.py).
    docs = settings.api_docs
    app = FastAPI(
        title="caredesk back office",
        version=__version__,
        description=DESCRIPTION,
        license_info={"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        lifespan=lifespan,
        openapi_url=OPENAPI_URL if docs else None,
        docs_url=None,  # served from local files below, not from a CDN
        redoc_url=None,
    )
    if docs:
        install_api_docs(app)
    app.state.settings = settings
    app.state.knowledge = knowledge
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.verification_key = digest_key(settings.api_key.get_secret_value())
    app.state.helpdesk = helpdesk
    app.state.order_updates = order_updates
    app.state.directory = helpdesk.directory
    install_error_handlers(app)
    # Starlette runs the middleware added last first: the key check precedes the size check,
    # so a caller without the key gets a 401 and nothing else.
    app.add_middleware(BodySizeLimitMiddleware, larger=LARGER_BODY_LIMITS)
    app.add_middleware(
        ApiKeyMiddleware,
        prefix=API_PREFIX + "/",
        exempt=(AGENT_PREFIX + "/", ATTACHMENTS_PREFIX, ANALYTICS_PREFIX + "/"),
    )
    app.include_router(public_router)
    app.include_router(api_router)
    app.include_router(agent_router)
    app.include_router(attachment_router)
    return app
