"""`python -m backoffice migrate`: what runs before the app starts (the prestart step of
FastAPI's full-stack template), each part idempotent, so it runs before every start:

1. the schema to Alembic's head revision (backoffice/migrations, docs/migrations.md), a database
   created before migrations included;
2. the helpdesk's accounts when there is none (one password each from
   HELPDESK_<USERNAME>_PASSWORD), and the old shared password retired where still in use;
   the console's saved replies from backoffice/config/canned_replies.yml when there is none;
3. with CAREDESK_SEED_DEMO=true only, the demo shop's customers and orders (docs/contract.md)
   when the database has no order: `make run` turns it on, production refuses it.
"""

from __future__ import annotations

import logging

from backoffice.core import schema
from backoffice.core.config import Settings
from backoffice.core.db import make_engine, make_session_factory
from backoffice.helpdesk.seed import seed_from_settings
from backoffice.helpdesk.services.canned_replies import seed_canned_replies_if_empty
from backoffice.orders.policies import load_knowledge
from backoffice.orders.seed import seed_if_empty

logger = logging.getLogger(__name__)


def prestart(settings: Settings) -> None:
    # Read before touching the database: a broken knowledge file fails with nothing changed.
    knowledge = load_knowledge(settings.knowledge_file) if settings.seed_demo else None
    engine = make_engine(settings.database_url)
    try:
        before = schema.current_revision(engine)
        schema.upgrade(engine)
        after = schema.current_revision(engine)
        if before != after:
            logger.info("database migrated from %s to %s", before or "nothing", after)
        factory = make_session_factory(engine)
        seed_from_settings(factory, settings)
        seed_canned_replies_if_empty(factory)  # the saved replies' starting set
        if knowledge is not None:
            seed_if_empty(factory, knowledge)
    finally:
        engine.dispose()
