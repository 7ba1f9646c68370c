"""Order updates delivered through Rasa: the sender `OrderUpdateConsumer` calls for the website
widget (socketio) and REST conversations, and the thread that runs the consumer.

Each update goes into its conversation as Rasa's external event (`caredesk_rules.order_updates`:
`EXTERNAL_order_update`, the payload in entities, the row's `delivery_key` as `delivery_id`)
with `output_channel=latest`, the client the helpdesk's outbox uses (backoffice/core/rasa.py).
The assistant's `action_order_update` words it in the conversation's language and marks its
message with the key, so it is in the transcript (the widget shows what it missed when it
reconnects) and a post repeated after a lost answer is never said twice. The outcome:

- Rasa's answer holds the marked message: `Sent`;
- Rasa could not be reached (down, restarting): `Deferred`, tried again after a backoff and
  never given up for it (nothing was posted; the update is not the problem);
- Rasa answered without relaying it (an error, the action server down): a failed attempt
  (`NotRelayed`), retried with backoff until the outbox's attempts run out.

A platform whose rate limit outlasted its channel's own retries (Telegram's 429 with
`retry_after`): `Deferred` by the seconds it asked for. Telegram, Messenger and Zalo have
senders of their own around this one (platform_senders.py: their platforms' rules, decided
before anything is triggered).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import sessionmaker

from backoffice.core.polling import PollingThread
from backoffice.core.rasa import RasaClient, relayed_mark
from backoffice.core.unit_of_work import utcnow
from backoffice.orders.services.order_outbox import (
    Deferred,
    OrderUpdateConsumer,
    OrderUpdateOutbox,
    Outcome,
    PendingUpdate,
    Sent,
    deferral_delay,
)
from backoffice.orders.services.platform_senders import PlatformTemplates, platform_senders
from caredesk_rules.order_updates import (
    CARRIER_ENTITY,
    DELIVERY_ENTITY,
    EXPECTED_ENTITY,
    ORDER_ENTITY,
    STATUS_ENTITY,
    TRACKING_ENTITY,
    TYPE_ENTITY,
    UPDATE_INTENT,
    WIDGET_CHANNELS,
)

logger = logging.getLogger(__name__)

BATCH = 50
# Updates sent at once, each to another conversation (Rasa answers each trigger in turn while the
# others wait on the network; one at a time, 1,000 conversations took 100 s: bench/order_updates).
PARALLEL_SENDS = 8
NOT_RELAYED = "Rasa answered but did not relay the update (is the action server up?)"

# The payload's fields (order_outbox.update_payload) -> the event's entities.
_ENTITIES = {
    "order_id": ORDER_ENTITY,
    "type": TYPE_ENTITY,
    "status": STATUS_ENTITY,
    "expected_delivery": EXPECTED_ENTITY,
    "carrier": CARRIER_ENTITY,
    "tracking_number": TRACKING_ENTITY,
}


class NotRelayed(Exception):
    """Rasa answered, but the assistant did not say the update: a failed attempt."""


def update_entities(update: PendingUpdate) -> dict[str, str]:
    """The external event's entities: the payload's fields that have a value, and the key."""
    entities = {
        entity: str(update.payload[field])
        for field, entity in _ENTITIES.items()
        if update.payload.get(field) not in (None, "")
    }
    return {**entities, DELIVERY_ENTITY: update.delivery_key}


class RasaUpdateSender:
    """Posts one update into its conversation and says how it went (the consumer records it)."""

    def __init__(self, client: RasaClient, clock: Callable[[], datetime] = utcnow) -> None:
        self.client = client
        self.clock = clock

    def __call__(self, update: PendingUpdate) -> Outcome:
        answer = self.client.trigger_intent(
            update.conversation_id, UPDATE_INTENT, update_entities(update)
        )
        if answer.ok and relayed_mark(answer.tracker, update.delivery_key) is not None:
            return Sent()
        if not answer.reached:
            now = self.clock()
            until = now + timedelta(seconds=deferral_delay(update, now))
            return Deferred(until, f"Rasa not reachable: {answer.error}")
        if answer.retry_after is not None:
            until = self.clock() + timedelta(seconds=answer.retry_after)
            return Deferred(until, f"{update.channel} rate limit: {answer.retry_after:g}s")
        raise NotRelayed(answer.error or NOT_RELAYED)


def order_update_consumer(
    outbox: OrderUpdateOutbox, client: RasaClient, templates: PlatformTemplates | None = None
) -> OrderUpdateConsumer:
    """The consumer with a sender for every channel updates are offered on: Rasa as it is for
    the widget and REST, within each platform's rules for Telegram, Messenger and Zalo."""
    consumer = OrderUpdateConsumer(outbox)
    through_rasa = RasaUpdateSender(client, outbox.clock)
    consumer.on(*WIDGET_CHANNELS)(through_rasa)
    senders = platform_senders(
        through_rasa, client, outbox.session_factory, templates or PlatformTemplates(), outbox.clock
    )
    for channel, sender in senders.items():
        consumer.on(channel)(sender)
    return consumer


class OrderUpdateWorker(PollingThread):
    """Background thread: every `poll_seconds` (or when woken) hands out every due update."""

    thread_name = "order-updates"

    def __init__(self, consumer: OrderUpdateConsumer, client: RasaClient, poll_seconds: float):
        super().__init__(poll_seconds)
        self.consumer = consumer
        self.client = client

    def closed(self) -> None:
        self.client.close()

    def work_round(self) -> None:
        self.deliver_due()

    def deliver_due(self) -> dict[int, str]:
        """Rounds until nothing due moves; the state each update handed out was left in."""
        states: dict[int, str] = {}
        while not self.stopping:
            round_states = self.consumer.run_once(BATCH, PARALLEL_SENDS)
            states.update(round_states)
            if "sent" not in round_states.values():
                return states  # nothing due, or all of it waits for a retry
        return states


def order_update_worker(
    session_factory: sessionmaker,
    rasa_url: str,
    rasa_token: str,
    poll_seconds: float,
    templates: PlatformTemplates | None = None,
    **outbox_options: Any,
) -> OrderUpdateWorker:
    """The worker the app starts: its own Rasa client (a requests session per thread)."""
    client = RasaClient(rasa_url, rasa_token)
    outbox = OrderUpdateOutbox(session_factory, **outbox_options)
    return OrderUpdateWorker(order_update_consumer(outbox, client, templates), client, poll_seconds)
