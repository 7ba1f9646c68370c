"""External events (Rasa's `trigger_intent`, intents `EXTERNAL_*`): the helpdesk's and the order
updates'. Each carries an idempotency key; the message that says it carries the key in its
`caredesk` mark, which is how the back office knows Rasa relayed it, and a key is said once."""

from __future__ import annotations

from rasa_sdk import Tracker

from caredesk_rules.order_updates import DELIVERY_ENTITY

# The key's entity, and the key of the `caredesk` mark on the message that says it
# (backoffice/core/rasa.py).
DELIVERY_ID = DELIVERY_ENTITY


def relayed_before(tracker: Tracker, delivery_id: str) -> bool:
    """Whether a bot message of this conversation already said the event with this key: the
    back office posts an event again when Rasa's answer was lost, and the customer hears it
    once."""
    for event in tracker.events:
        if event.get("event") != "bot":
            continue
        mark = (event.get("metadata") or {}).get("caredesk")
        if isinstance(mark, dict) and mark.get(DELIVERY_ID) == delivery_id:
            return True
    return False
