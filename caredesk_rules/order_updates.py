"""Proactive order updates as they travel from the back office through Rasa to the assistant.

The back office's delivery worker (backoffice/orders/services/order_delivery.py) posts each
update to the conversation as Rasa's external event `UPDATE_INTENT`, its payload in the
entities named here; the assistant (actions/order_updates.py) reads the same names and words the
update in the conversation's language. One definition each, so the two sides cannot drift.
"""

from __future__ import annotations

import re
from typing import Final

UPDATE_INTENT: Final = "EXTERNAL_order_update"

# The entities of the external event. Not `order_id`: Rasa would fill the `order_id` slot from
# it by itself, even in the middle of a form about another order (the action sets it instead).
ORDER_ENTITY: Final = "update_order_id"
TYPE_ENTITY: Final = "update_type"
STATUS_ENTITY: Final = "update_status"
EXPECTED_ENTITY: Final = "expected_delivery"  # YYYY-MM-DD
CARRIER_ENTITY: Final = "carrier"
TRACKING_ENTITY: Final = "tracking_number"
# The update's idempotency key: the assistant says each key once and marks the message that
# says it (`caredesk.delivery_id`), which is how the worker knows Rasa relayed it. The same
# name as the helpdesk's external events use.
DELIVERY_ENTITY: Final = "delivery_id"

# The channels the back office delivers updates on, all through Rasa's trigger_intent: the widget
# and REST as they are; Telegram, Messenger (`facebook`) and Zalo within their platforms' rules
# (backoffice/orders/services/platform_rules.py). The assistant offers updates only on these, so
# nobody is promised what no sender delivers.
WIDGET_CHANNELS: Final[tuple[str, ...]] = ("socketio", "rest")
PLATFORM_CHANNELS: Final[tuple[str, ...]] = ("telegram", "facebook", "zalo")
UPDATE_CHANNELS: Final[tuple[str, ...]] = WIDGET_CHANNELS + PLATFORM_CHANNELS

# A platform's rate limit that outlasted the channel's own retries (channels/telegram): the output
# channel raises with this text, Rasa's 500 answer carries it, and the back office defers the
# update by the seconds it names instead of counting a failure.
RATE_LIMITED: Final = "platform rate limit, retry after"
_RATE_LIMITED_SECONDS = re.compile(re.escape(RATE_LIMITED) + r" (\d+(?:\.\d+)?)s")


def rate_limited(seconds: float) -> str:
    return f"{RATE_LIMITED} {seconds:g}s"


def retry_after(error: str) -> float | None:
    """The seconds a `rate_limited` text (anywhere in `error`) asks to wait, else None."""
    found = _RATE_LIMITED_SECONDS.search(error or "")
    return float(found.group(1)) if found else None


# An order in one of these takes no more events and cannot be followed (the back office's
# order_states.TERMINAL is this tuple); the assistant offers updates only about the others.
FINISHED_STATUSES: Final[tuple[str, ...]] = ("delivered", "cancelled")

# Events after which the customer is told what to do next: reply to reach a person.
NEEDS_A_PERSON: Final[tuple[str, ...]] = ("delayed", "delivery_failed")
