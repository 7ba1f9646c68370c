"""Wires the helpdesk into the back-office app: departments, hub, delivery worker, typing relay;
with Redis configured (several processes), the hub's relay and the shared typing gate."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from backoffice.core.config import Settings
from backoffice.core.rasa import RasaClient
from backoffice.core.shared_redis import SharedRedis, shared_redis
from backoffice.helpdesk.services.business_hours import DepartmentDirectory, load_directory
from backoffice.helpdesk.services.handoffs import HandoffService
from backoffice.helpdesk.services.notifications import AgentHub, Notifier
from backoffice.helpdesk.services.outbox import DeliveryWorker
from backoffice.helpdesk.services.push_relay import CHANNEL, RedisRelay
from backoffice.helpdesk.services.typing import Gate, RasaTyping, Typing
from backoffice.helpdesk.services.typing_gate import SharedTypingGate
from caredesk_rules.typing import TypingGate

logger = logging.getLogger(__name__)

_TOKEN_IN_URL = re.compile(r"([?&]token=)[^&\s\"']+")


class _TokenRedactingFilter(logging.Filter):
    """Uvicorn logs websocket URLs with their query string: keep agents' tokens out of logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(a, str) and "token=" in a for a in record.args
        ):
            record.args = tuple(
                _TOKEN_IN_URL.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        if isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = _TOKEN_IN_URL.sub(r"\1[redacted]", record.msg)
        return True


def install_token_redaction() -> None:
    for name in ("uvicorn.error", "uvicorn.access"):
        target = logging.getLogger(name)
        if not any(isinstance(f, _TokenRedactingFilter) for f in target.filters):
            target.addFilter(_TokenRedactingFilter())


@dataclass
class Helpdesk:
    directory: DepartmentDirectory
    hub: AgentHub
    worker: DeliveryWorker
    typing: Typing
    relay: RedisRelay | None = None  # with Redis: the pushes to and from the other processes

    async def start(self) -> None:
        """On the event loop (the app's lifespan): the relay's tasks live on it."""
        if self.relay is not None:
            await self.relay.start()
        self.worker.start()

    async def stop(self) -> None:
        self.worker.stop()
        if self.relay is not None:
            await self.relay.stop()
        self.typing.close()
        if isinstance(self.typing.gate, SharedTypingGate):
            self.typing.gate.close()


def setup_helpdesk(settings: Settings, session_factory: sessionmaker) -> Helpdesk:
    """Fails fast (ConfigError) on a broken departments file (the accounts are seeded by the
    prestart step, backoffice/prestart.py)."""
    directory = load_directory(settings.departments_file)
    install_token_redaction()
    hub = AgentHub()
    client = RasaClient(settings.rasa_url, settings.rasa_auth_token.get_secret_value())

    def housekeeping() -> None:
        with session_factory() as session:
            notifier = Notifier(hub=hub, wake_outbox=worker.wake)
            HandoffService(
                session,
                directory,
                wait_seconds=settings.handoff_agent_wait_seconds,
                notifier=notifier,
            ).expire_waiting()

    worker = DeliveryWorker(
        session_factory,
        client,
        poll_seconds=settings.delivery_poll_seconds,
        max_attempts=settings.delivery_max_attempts,
        housekeeping=housekeeping,
        hub=hub,
    )
    logger.info(
        "helpdesk: departments from %s; external events to %s",
        directory.source,
        settings.rasa_url,
    )
    sender = RasaTyping(settings.rasa_url, settings.rasa_auth_token.get_secret_value())
    redis = shared_redis(settings)
    typing = Typing(hub, sender, typing_gate(redis))
    relay = None
    if redis is not None:
        channel = redis.key(CHANNEL)
        relay = RedisRelay(hub, redis.async_client, channel)
        logger.info(
            "helpdesk: pushes and typing shared through Redis at %s:%s (%s)",
            redis.host,
            redis.port,
            channel,
        )
    return Helpdesk(directory, hub, worker, typing, relay)


def typing_gate(redis: SharedRedis | None) -> Gate:
    """The typing throttle: in Redis when there is one (every process sees one memory)."""
    if redis is None:
        return TypingGate()
    return SharedTypingGate(redis.sync_client(), redis.key("typing", ""))
