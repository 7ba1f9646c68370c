"""Redeliveries answered once. Telegram re-sends an update, Meta a notification and Zalo an event
when the answer is late or not a 2xx; with several Rasa replicas the copy may reach another
replica. Each channel names what it received (Telegram's update_id, Messenger's message mid,
Zalo's msg_id) and handles it only the first time any replica sees it within the window
(`channels.shared_store`: Redis in production settings).
"""

from __future__ import annotations

import logging

from channels.shared_store import SharedStore, shared_store

logger = logging.getLogger(__name__)

# Telegram retries an update for about a day; Meta for up to a day; Zalo for 12 hours.
REMEMBER_SECONDS = 26 * 3600


class Redeliveries:
    def __init__(self, store: SharedStore, seconds: float = REMEMBER_SECONDS) -> None:
        self.store = store
        self.seconds = seconds

    async def first_time(self, channel: str, delivery_id: str) -> bool:
        """Record that `channel` received `delivery_id`; False when it already had."""
        first = await self.store.claim(f"seen:{channel}:{delivery_id}", self.seconds)
        if not first:
            logger.info("%s: redelivery of %s ignored", channel, delivery_id)
        return first


_redeliveries: Redeliveries | None = None


def redeliveries() -> Redeliveries:
    """This process's record of deliveries, in the shared store."""
    global _redeliveries
    if _redeliveries is None:
        _redeliveries = Redeliveries(shared_store())
    return _redeliveries
