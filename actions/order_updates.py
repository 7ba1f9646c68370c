"""Proactive order updates in the conversation: the offer after an order is shown, "yes"
(subscribe), "stop" (unsubscribe), and the update itself when the back office sends one.

Subscriptions live in the order system (`POST`/`DELETE /api/v1/order-subscriptions`), not in a
slot: "yes" sends the proof the conversation already holds (the contact that verified the order,
or the shop's signed-in customer id), the channel the customer writes on and their language.
The back office's worker posts each update as the external event `EXTERNAL_order_update`
(caredesk_rules/order_updates.py names its entities); `action_order_update` words it in the
conversation's language, once per delivery id, and puts its order in the `order_id` slot, so
"talk to a person" right after it goes to logistics with that order.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.orders import (
    InvalidRequest,
    OrderNotFound,
    OrderSystemUnavailable,
    RuleViolation,
)
from actions.entities import entity
from actions.external_events import DELIVERY_ID, relayed_before
from actions.formatting import label
from actions.knowledge import load_knowledge
from actions.language import customer_language
from actions.orders import expired, orders_client, signed_in_contact, system_down
from actions.threads import in_thread
from actions.update_offer import S_ANSWERED, answered, update_channel
from actions.verification import (
    S_CONTACT,
    S_ORDER,
    S_PENDING,
    S_VERIFIED,
    shop_customer,
    verified_order,
)
from caredesk_rules.formatting import on_day
from caredesk_rules.ids import canonical_order_id
from caredesk_rules.order_updates import (
    CARRIER_ENTITY,
    EXPECTED_ENTITY,
    NEEDS_A_PERSON,
    ORDER_ENTITY,
    STATUS_ENTITY,
    TRACKING_ENTITY,
    TYPE_ENTITY,
)

UPDATE_EVENT = "order_update"  # the `caredesk` mark's event of a message that is an update
# The routing hints after an update: a late or failed delivery, any other news of the delivery.
DELIVERY_PROBLEM_INTENT = "report_delivery_problem"
TRACKING_INTENT = "track_order"
# What each event says; the others (none today) say the order's new status.
UPDATE_RESPONSES = {
    "packed": "utter_order_update_packed",
    "shipped": "utter_order_update_shipped",
    "out_for_delivery": "utter_order_update_out_for_delivery",
    "delivered": "utter_order_update_delivered",
    "delayed": "utter_order_update_delayed",
    "delivery_failed": "utter_order_update_delivery_failed",
    "cancelled": "utter_order_update_cancelled",
}
# Said without a date when the event gave none ("late, no new date yet").
WITHOUT_DATE = {
    "utter_order_update_shipped": "utter_order_update_shipped_no_date",
    "utter_order_update_delayed": "utter_order_update_delayed_no_date",
}


def proof(tracker: Tracker) -> dict[str, str] | None:
    """What shows the order is this customer's: the shop's signed-in customer id when their
    account proved it, else the contact that verified it."""
    customer, contact = shop_customer(tracker), tracker.get_slot(S_CONTACT)
    signed = signed_in_contact(tracker)
    if customer and signed and (not contact or contact == signed):
        return {"customer_id": customer}
    return {"contact": str(contact)} if contact else None


async def answer_updates_question(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """Yes subscribes the conversation to the offered order (the one it verified); no is fine.
    Either way the offer is not made again for that order in this conversation."""
    order_id = tracker.get_slot(S_VERIFIED)
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    done: list[EventType] = [SlotSet(S_PENDING, None)]
    if order_id:
        done.append(SlotSet(S_ANSWERED, [*answered(tracker), str(order_id)]))
    if intent != "affirm" or not order_id:
        dispatcher.utter_message(response="utter_order_updates_declined")
        return done
    if verified_order(tracker) is None and not signed_in_contact(tracker):
        # Answered later than a proof lasts: nothing is done on an old proof.
        return done + expired(dispatcher)
    shown, channel = proof(tracker), update_channel(tracker)
    if shown is None or channel is None:
        dispatcher.utter_message(response="utter_order_updates_declined")
        return done
    language = customer_language(tracker)
    try:
        await in_thread(
            orders_client().subscribe,
            str(order_id),
            tracker.sender_id,
            channel,
            language,
            **shown,
        )
    except RuleViolation:  # finished meanwhile: nothing more to follow
        dispatcher.utter_message(response="utter_order_updates_finished", order_id=order_id)
        return done
    except (OrderSystemUnavailable, OrderNotFound, InvalidRequest):
        return [SlotSet(S_PENDING, None), *system_down(dispatcher)]  # may be asked again
    dispatcher.utter_message(response="utter_order_updates_on", order_id=order_id)
    return done


def order_in_focus(tracker: Tracker) -> tuple[str | None, bool]:
    """(the order "stop" is about, whether the customer named it): an order id in the message,
    else the conversation's order (the latest update's, or the one asked about)."""
    named = canonical_order_id(entity(tracker, "order_id")) if entity(tracker, "order_id") else None
    if named:
        return named, True
    slot = tracker.get_slot(S_ORDER)
    return (canonical_order_id(str(slot)) if slot else None), False


class ActionStopOrderUpdates(Action):
    """ "Stop" / "dừng nhận tin": ends the updates about the order in focus, or all of them."""

    def name(self) -> str:
        return "action_stop_order_updates"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order_id, named = order_in_focus(tracker)
        client = orders_client()
        try:
            ended = await in_thread(client.unsubscribe, tracker.sender_id, order_id)
            if not ended and order_id and not named:
                # The order in view is not followed: "stop" means the ones that are.
                ended = await in_thread(client.unsubscribe, tracker.sender_id, None)
        except (OrderSystemUnavailable, InvalidRequest):
            return system_down(dispatcher)
        if ended:
            dispatcher.utter_message(
                response="utter_order_updates_stopped", order_ids=", ".join(ended)
            )
        elif tracker.latest_action_name == "action_deactivate_loop":
            # "stop" in the middle of a question: the question is what stopped.
            dispatcher.utter_message(response="utter_order_request_stopped")
        elif named:
            dispatcher.utter_message(response="utter_no_order_updates_for", order_id=order_id)
        else:
            dispatcher.utter_message(response="utter_no_order_updates")
        return []


def _day(value: str, language: str) -> str:
    try:
        return on_day(date.fromisoformat(value), language)
    except ValueError:
        return ""


def update_message(tracker: Tracker, language: str) -> tuple[str, dict[str, Any]]:
    """The response that words the update in the latest external event, and its values."""
    kind = entity(tracker, TYPE_ENTITY)
    expected = _day(entity(tracker, EXPECTED_ENTITY), language)
    response = UPDATE_RESPONSES.get(kind, "utter_order_update_status")
    if kind == "shipped" and not (
        entity(tracker, CARRIER_ENTITY) and entity(tracker, TRACKING_ENTITY)
    ):
        response = "utter_order_update_status"  # a repeat that named no carrier: the status
    elif not expected and response in WITHOUT_DATE:
        response = WITHOUT_DATE[response]
    return response, {
        "order_id": entity(tracker, ORDER_ENTITY),
        "status": label("order_status", entity(tracker, STATUS_ENTITY), language),
        "expected_delivery": expected,
        "carrier": entity(tracker, CARRIER_ENTITY),
        "tracking_number": load_knowledge().tracking(
            entity(tracker, CARRIER_ENTITY), entity(tracker, TRACKING_ENTITY)
        ),
    }


class ActionOrderUpdate(Action):
    """Says an order update the back office sent, once, marked with its delivery id (how the
    back office knows it was said); the order becomes the conversation's order."""

    def name(self) -> str:
        return "action_order_update"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        delivery_id = entity(tracker, DELIVERY_ID)
        order_id = canonical_order_id(entity(tracker, ORDER_ENTITY))
        if delivery_id and relayed_before(tracker, delivery_id):
            return []  # said already; its events are in the tracker
        if order_id is None:
            return []  # not an update the back office sends
        language = customer_language(tracker)
        response, values = update_message(tracker, language)
        kind = entity(tracker, TYPE_ENTITY)
        dispatcher.utter_message(
            response=response,
            **values,
            caredesk={
                "from": "bot",
                "event": UPDATE_EVENT,
                "order_id": order_id,
                "update_type": kind,
                **({DELIVERY_ID: delivery_id} if delivery_id else {}),
            },
        )
        # A form asking about another order keeps its order; otherwise this one is in focus.
        in_a_form = bool((tracker.active_loop or {}).get("name"))
        return [] if in_a_form else [SlotSet(S_ORDER, order_id)]


def update_before_request(tracker: Tracker) -> tuple[str, str] | None:
    """(order id, event type) of an order update shown since the customer's message before
    their latest one: a bare "talk to a person" is about that order's delivery. None when no
    update came in between."""
    request_seen = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "session_started":
            return None
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if str(intent).startswith("EXTERNAL_"):
                continue
            if request_seen:
                return None
            request_seen = True
            continue
        mark = (event.get("metadata") or {}).get("caredesk") if kind == "bot" else None
        if request_seen and isinstance(mark, dict) and mark.get("event") == UPDATE_EVENT:
            order_id = str(mark.get("order_id") or "")
            return (order_id, str(mark.get("update_type") or "")) if order_id else None
    return None


def update_problem(tracker: Tracker) -> tuple[str, str] | None:
    """What such a request is about, as words and an intent hint for the helpdesk's routing:
    the order's delivery (logistics), a problem when the update was a late or failed one."""
    found = update_before_request(tracker)
    if found is None:
        return None
    order_id, update = found
    if update in NEEDS_A_PERSON:
        problem = "is late" if update == "delayed" else "could not be delivered"
        return f"The delivery of order {order_id} {problem}", DELIVERY_PROBLEM_INTENT
    return f"A question about the delivery of order {order_id}", TRACKING_INTENT
