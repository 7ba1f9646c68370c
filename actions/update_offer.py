"""The offer of an order's updates, made after the order is shown (actions/orders.py): one
Yes/No question, only where the updates can come (actions/order_updates.py answers it)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.orders import Order
from actions.verification import S_PENDING, input_channel
from caredesk_rules.handoff_states import is_active
from caredesk_rules.order_updates import FINISHED_STATUSES, UPDATE_CHANNELS

UPDATES_QUESTION = "order_updates"  # the `pending_confirmation` value while the offer is open
S_ANSWERED = "order_updates_answered"  # the orders whose offer was answered here


def update_channel(tracker: Tracker) -> str | None:
    """The channel updates would reach the customer on, if the back office delivers there."""
    channel = input_channel(tracker)
    return channel if channel in UPDATE_CHANNELS else None


def answered(tracker: Tracker) -> list[str]:
    value = tracker.get_slot(S_ANSWERED)
    return [str(v) for v in value] if isinstance(value, list) else []


def offer_updates(
    dispatcher: CollectingDispatcher, tracker: Tracker, order: Order
) -> list[EventType]:
    """After an order is shown: one Yes/No question about its updates here, unless the order is
    finished, the channel gets no updates yet, the offer was answered already, or a person has
    the conversation."""
    if (
        order.status in FINISHED_STATUSES
        or update_channel(tracker) is None
        or order.id in answered(tracker)
        or is_active(tracker.get_slot("handoff_state"))
    ):
        return []
    dispatcher.utter_message(response="utter_offer_order_updates", order_id=order.id)
    return [SlotSet(S_PENDING, UPDATES_QUESTION)]
