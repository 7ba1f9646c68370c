"""Order conversations: verify the customer first, then track, cancel, re-address, return,
refund status and invoice, each change confirmed before it is made.

Whether the customer may see an order is the order system's answer: it counts failed attempts
across conversations and locks (then a person is offered). A proof lasts as long as
actions/verification.py says; a shop's signed-in customer needs no contact for their own orders.

Business rules live in the order system; these actions only translate between the conversation
and `OrdersClient`. Every blocking call runs in a worker thread, so one slow order system never
stalls the other conversations on this action server.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.orders import (
    LOCKED,
    Address,
    CustomerNotFound,
    InvalidRequest,
    Loyalty,
    Order,
    OrderNotFound,
    OrdersClient,
    OrderSummary,
    OrderSystemUnavailable,
    RuleViolation,
    Shipment,
    Verification,
)
from actions.formatting import items_summary, label
from actions.knowledge import load_knowledge
from actions.language import customer_language
from actions.threads import in_thread
from actions.update_offer import offer_updates
from actions.verification import (
    S_CONTACT,
    S_ORDER,
    S_PENDING,
    S_VERIFIED,
    conversation_client,
    forgotten,
    lock_ends,
    shop_customer,
    used,
    verification_expired,
    verified_order,
)
from caredesk_rules.addresses import PROVINCE, WARD, AddressProblem, parse_address
from caredesk_rules.contacts import canonical_contact
from caredesk_rules.formatting import (
    address,
    at_moment,
    by_day,
    day,
    local,
    money,
    now_in_shop,
    number,
    on_day,
    short_day,
)
from caredesk_rules.ids import is_order_id
from caredesk_rules.vietnamese import fold

FORM = "order_verification_form"

# Slots (the verification's own are in actions/verification.py)
S_OPERATION = "order_operation"
S_ADDRESS = "new_address"
S_REASON = "return_reason"

# "Which order?" offers a signed-in customer this many of their latest orders as buttons.
RECENT_ORDERS = 5
BUTTON_ITEM_CHARS = 30

_RETURN_REFUSALS = {
    "not_delivered": "utter_cannot_return_not_delivered",
    "cancelled": "utter_cannot_return_cancelled",
}  # "window_expired" and anything else: cannot_return_window (the warranty decides the words)

_client: OrdersClient | None = None


def orders_client() -> OrdersClient:
    """One client (one connection pool) per action server process."""
    global _client
    if _client is None:
        _client = OrdersClient()
    return _client


def valid_contact(value: str) -> str | None:
    """The canonical email or phone, as the order system compares it, or None."""
    contact = canonical_contact(value)
    return contact[1] if contact else None


def validate_contact_slot(value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The `customer_contact` slot, canonical, or None with a word on the expected format
    (a slot cleared on purpose stays cleared without one)."""
    contact = valid_contact(value) if isinstance(value, str) else None
    if contact is None and value is not None:
        dispatcher.utter_message(response="utter_invalid_contact")
    return {S_CONTACT: contact}


def signed_in_contact(tracker: Tracker) -> str | None:
    """The shop's signed-in customer as a contact the order system knows (their email)."""
    customer = shop_customer(tracker)
    return valid_contact(customer) if customer else None


def given_in_message(tracker: Tracker) -> set[str]:
    """The verification slots the latest message itself filled."""
    entities = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
    given = {S_ORDER} if "order_id" in entities else set()
    return given | ({S_CONTACT} if entities & {"email", "phone"} else set())


def expired(dispatcher: CollectingDispatcher) -> list[EventType]:
    """The proof is too old: say so, and forget it and the contact that made it."""
    dispatcher.utter_message(response="utter_verification_expired")
    return forgotten()


def order_facts(order: Order, language: str) -> dict[str, Any]:
    """The values the order responses are filled with, in the customer's language."""
    return {
        "order_id": order.id,
        "status": label("order_status", order.status, language),
        "items": items_summary((i.name, i.quantity) for i in order.items),
        "total": money(order.total_vnd, language),
        "placed_at": on_day(order.placed_at, language),
        "return_window_days": load_knowledge().facts(language).get("return_window_days", 30),
    }


def cannot_cancel(order: Order) -> str:
    """Why an order that is not cancellable cannot be: what comes next depends on where it is
    (a delivered order is not told "once it arrives")."""
    if order.status == "cancelled":
        return "utter_already_cancelled"
    if order.status == "delivered" and order.returnable:
        return "utter_cannot_cancel_delivered"
    if order.status == "delivered":
        return "utter_cannot_cancel_delivered_late"
    return "utter_cannot_cancel"


def cannot_readdress(order: Order) -> tuple[str, dict[str, Any]]:
    """Why the address of an order cannot change; a carrier redirect is offered only for a
    parcel a named carrier is carrying."""
    if order.status == "cancelled":
        return "utter_cannot_readdress_cancelled", {}
    if order.status == "delivered":
        return "utter_cannot_readdress_delivered", {}
    if not (order.shipment and order.shipment.carrier):
        return "utter_cannot_readdress_no_carrier", {}
    return "utter_cannot_readdress", {"carrier": order.shipment.carrier}


def cannot_return_window(order: Order, language: str) -> tuple[str, dict[str, Any]]:
    """Outside the return window: the warranty is offered only while it lasts."""
    until = order.warranty_until
    if until is None or local(until).date() < now_in_shop().date():
        return "utter_cannot_return_window_no_warranty", {}
    return "utter_cannot_return_window", {"warranty_until": day(until, language)}


# A faulty or wrong item comes back free; any other reason pays the return shipping
# (knowledge/store.yml `return_shipping_fee_vnd`). Folded words, matched as whole words.
_FREE_RETURN_WORDS = re.compile(
    r"\b(?:faulty|defect\w*|broken|broke|damaged|wrong|not working|doesn'?t work|does not work"
    r"|loi|hong|bi hu|hu hong|sai|nham|bi be|bi vo|bi nut|khong dung"
    r"|khong hoat dong|khong chay|khong len)\b"
)


def free_return(reason: str) -> bool:
    """Whether the customer's reason is a faulty or wrong item (no return shipping fee)."""
    return bool(_FREE_RETURN_WORDS.search(fold(reason)))


def refund_response(status: str) -> str:
    """A finished refund is not "expected by" anything; a refused one is not on its way."""
    return {"refunded": "utter_refund_done", "rejected": "utter_refund_rejected"}.get(
        status, "utter_refund_status"
    )


# What the customer is told when an address lacks a part (caredesk_rules.addresses); the form
# then asks for the whole address again, with its format.
_ADDRESS_PROBLEMS = {WARD: "utter_address_needs_ward", PROVINCE: "utter_address_unknown_province"}


def new_address_slot(value: Any, dispatcher: CollectingDispatcher) -> str | None:
    """An address as typed (old three-level form, no diacritics, "P.", "Q.", "TP HCM" too) ->
    the two-level form the customer is asked to confirm, or None after saying what is missing."""
    try:
        parsed = parse_address(value if isinstance(value, str) else "")
    except AddressProblem as problem:
        dispatcher.utter_message(
            response=_ADDRESS_PROBLEMS.get(problem.field, "utter_invalid_address")
        )
        return None
    return address(parsed.street, parsed.ward, parsed.province)


def loyalty_answer(standing: Loyalty, language: str) -> list[tuple[str, dict[str, Any]]]:
    """The responses that tell a customer their tier, points and the way to the next tier."""
    tier = label("loyalty_tier", standing.tier, language)
    if standing.points:
        answer = [
            (
                "utter_loyalty_status",
                {
                    "tier": tier,
                    "points": number(standing.points, language),
                    "points_value": money(standing.points_value_vnd, language),
                },
            )
        ]
    else:
        answer = [("utter_loyalty_status_no_points", {"tier": tier})]
    if standing.next_tier is None:
        answer.append(("utter_loyalty_top_tier", {"tier": tier}))
    else:
        next_tier = label("loyalty_tier", standing.next_tier, language)
        to_spend = standing.next_tier_spend_vnd or 0
        if to_spend:
            answer.append(
                (
                    "utter_loyalty_next_tier",
                    {"next_tier": next_tier, "to_spend": money(to_spend, language)},
                )
            )
        else:
            answer.append(("utter_loyalty_next_tier_reached", {"next_tier": next_tier}))
    return answer


def order_button(order: OrderSummary, language: str) -> dict[str, str]:
    """'ORD-10001 · 04/12 · Tai nghe Bluetooth Sony… +1', answering with the order id."""
    first = order.items[0].name if order.items else ""
    if len(first) > BUTTON_ITEM_CHARS:  # cut at a word: "Chuột không dây Logitech…"
        first = first[:BUTTON_ITEM_CHARS].rsplit(" ", 1)[0].rstrip(" ,-/") + "…"
    more = f" +{len(order.items) - 1}" if len(order.items) > 1 else ""
    parts = [order.id, short_day(order.placed_at, language), first + more]
    return {
        "title": " · ".join(p for p in parts if p),
        "payload": f'/inform{{"order_id":"{order.id}"}}',
    }


def say_shipment(dispatcher: CollectingDispatcher, shipment: Shipment, language: str) -> None:
    """Who carries a shipped order, its tracking number and, when known, its expected day."""
    expected = shipment.expected_delivery
    dispatcher.utter_message(
        response="utter_order_shipment" if expected else "utter_order_shipment_no_date",
        carrier=shipment.carrier,
        tracking_number=load_knowledge().tracking(shipment.carrier, shipment.tracking_number),
        expected_delivery=on_day(expected, language) if expected else "",
    )


async def said_when_it_arrives(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Asked "when will it arrive?" in a conversation that just proved a shipped order: that order's
    expected day, not the delivery policy. False when there is no such order to speak of."""
    order_id = verified_order(tracker)
    contact = tracker.get_slot(S_CONTACT) or signed_in_contact(tracker)
    if not order_id or not contact:
        return False
    try:
        order = await in_thread(orders_client().get_order, order_id, contact)
    except (OrderNotFound, OrderSystemUnavailable, InvalidRequest):
        return False  # the policy still answers the question
    if order.status != "shipped" or order.shipment is None:
        return False
    say_shipment(dispatcher, order.shipment, customer_language(tracker))
    return True


def system_down(dispatcher: CollectingDispatcher) -> list[EventType]:
    dispatcher.utter_message(response="utter_order_system_down")
    return []


class ValidateOrderVerificationForm(FormValidationAction):
    """Formats only; whether the details match an order is asked once the form is complete.

    A proof that expired is dropped first, with what the customer did not give again in this
    message, so the form asks for it again."""

    def name(self) -> str:
        return "validate_order_verification_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not verification_expired(tracker):
            return await super().run(dispatcher, tracker, domain)
        given = given_in_message(tracker)
        # A signed-in customer is proven again by their account, without a word about it.
        lapsed = forgotten() if signed_in_contact(tracker) else expired(dispatcher)
        events = [e for e in lapsed if e["name"] not in given]
        if S_ORDER not in given:
            events.append(SlotSet(S_ORDER, None))
        tracker.add_slots(events)
        return events + await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # The shop vouches for its signed-in customer: the order id is enough (their points
        # need none), unless their account turned out not to own it and the contact was asked.
        if signed_in_contact(tracker) and tracker.get_slot("requested_slot") != S_CONTACT:
            return [] if tracker.get_slot(S_OPERATION) == "loyalty" else [S_ORDER]
        return domain_slots

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if is_order_id(value):
            return {S_ORDER: value}
        if value is not None:
            dispatcher.utter_message(response="utter_invalid_order_id")
        return {S_ORDER: None}

    def validate_customer_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_contact_slot(value, dispatcher)


ORDER_QUESTIONS = frozenset(
    {
        "utter_ask_order_id",
        "utter_ask_order_id_or_sign_in",
        "utter_ask_which_order",
        "utter_remind_which_order",
        "utter_remind_order_id",
    }
)


def asked_since_form_started(tracker: Tracker) -> set[str]:
    """The "which order?" questions already asked since the order form last started."""
    asked: set[str] = set()
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == FORM:
            break
        if event.get("event") == "bot":
            response = (event.get("metadata") or {}).get("utter_action")
            if response in ORDER_QUESTIONS:
                asked.add(str(response))
    else:
        return set()  # the form never started in this tracker: this is the first question
    return asked


class ActionAskOrderId(Action):
    """The form's "which order?": a signed-in customer picks one of their latest orders from
    buttons (or types another number); points need an order only from a customer who is not
    signed in, told they can sign in instead."""

    def name(self) -> str:
        return "action_ask_order_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        contact = signed_in_contact(tracker)
        asked = asked_since_form_started(tracker)
        if asked:
            # Asked already and the customer talked about something else: a short reminder,
            # not the same question (and its buttons) after every answer.
            shown = "utter_ask_which_order" in asked
            dispatcher.utter_message(
                response="utter_remind_which_order" if shown else "utter_remind_order_id"
            )
            return []
        if contact is None:
            loyalty = tracker.get_slot(S_OPERATION) == "loyalty"
            dispatcher.utter_message(
                response="utter_ask_order_id_or_sign_in" if loyalty else "utter_ask_order_id"
            )
            return []
        try:
            orders = await in_thread(orders_client().recent_orders, contact, RECENT_ORDERS)
        except (OrderSystemUnavailable, InvalidRequest):
            orders = ()  # the number still works: ask for it as usual
        if not orders:
            dispatcher.utter_message(response="utter_ask_order_id")
            return []
        language = customer_language(tracker)
        dispatcher.utter_message(
            response="utter_ask_which_order",
            buttons=[order_button(order, language) for order in orders],
        )
        return []


class ActionHandleOrderRequest(Action):
    """Verifies the order id + contact (once per order while the proof lasts), then answers."""

    def name(self) -> str:
        return "action_handle_order_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order_id, typed = tracker.get_slot(S_ORDER), tracker.get_slot(S_CONTACT)
        language = customer_language(tracker)
        operation = tracker.get_slot(S_OPERATION) or "track"
        signed_in = signed_in_contact(tracker)
        if operation == "loyalty" and signed_in:
            return await self._loyalty(dispatcher, "", signed_in, language)
        events: list[EventType] = []
        if verification_expired(tracker):
            events, typed = (forgotten() if signed_in else expired(dispatcher)), None
        contact = typed or signed_in
        if not order_id or not contact:
            return [*events, FollowupAction(FORM)]
        if verified_order(tracker) != order_id:
            try:
                answer = await in_thread(
                    orders_client().verify, order_id, contact, conversation_client(tracker)
                )
            except (OrderSystemUnavailable, InvalidRequest):
                return events + system_down(dispatcher)
            if answer.status == LOCKED:
                return events + self._locked(dispatcher, answer, language)
            if not answer.verified and not typed:
                # Not on the signed-in customer's account: it may be an order they look after
                # for someone; the contact on it still proves it.
                dispatcher.utter_message(response="utter_order_not_on_account", order_id=order_id)
                return [*events, ActiveLoop(FORM), SlotSet("requested_slot", S_CONTACT)]
            if not answer.verified:
                return events + self._failed(dispatcher, answer, order_id)
            events.append(SlotSet(S_CONTACT, contact))
        events += used(order_id)
        handler = None if operation == "track" else getattr(self, f"_{operation}", None)
        try:
            if handler is None:  # where the order is, then the offer of its updates
                order = await self._track(dispatcher, order_id, contact, language)
                return events + offer_updates(dispatcher, tracker, order)
            answered: list[EventType] = await handler(dispatcher, order_id, contact, language)
            return events + answered
        except OrderNotFound:
            # Verified a moment ago, gone now: nothing to show, and nothing to keep.
            return [*forgotten(), *system_down(dispatcher)]
        except OrderSystemUnavailable:
            return events + system_down(dispatcher)

    @staticmethod
    def _failed(
        dispatcher: CollectingDispatcher, answer: Verification, order_id: str
    ) -> list[EventType]:
        """A typo is most often in the contact: the order number is kept and the contact asked
        again (a new order number in the reply replaces it). Said the same for an order that
        does not exist, so the answer never tells which of the two was wrong."""
        left = answer.attempts_left or 1
        if left == 1:
            dispatcher.utter_message(
                response="utter_verification_failed_last_try", order_id=order_id
            )
        else:
            dispatcher.utter_message(
                response="utter_verification_failed", attempts_left=left, order_id=order_id
            )
        # Back into the form without running it now: run now, it would re-read the same
        # details from the message that just failed.
        return [
            SlotSet(S_CONTACT, None),
            ActiveLoop(FORM),
            SlotSet("requested_slot", S_CONTACT),
        ]

    @staticmethod
    def _locked(
        dispatcher: CollectingDispatcher, answer: Verification, language: str
    ) -> list[EventType]:
        """The order system stopped checking this order for a while: a person can help."""
        dispatcher.utter_message(
            response="utter_verification_locked",
            locked_until=lock_ends(answer.locked_until, language),
        )
        return [SlotSet(S_ORDER, None), SlotSet(S_CONTACT, None)]

    async def _track(
        self, dispatcher: CollectingDispatcher, order_id: str, contact: str, language: str
    ) -> Order:
        """Says where the order is; the order, for the offer of its updates that follows."""
        order = await in_thread(orders_client().get_order, order_id, contact)
        dispatcher.utter_message(response="utter_order_status", **order_facts(order, language))
        shipment = order.shipment
        if shipment and order.status == "shipped":
            say_shipment(dispatcher, shipment, language)
            latest = max(shipment.events, key=lambda e: e.at) if shipment.events else None
            if latest is not None:
                dispatcher.utter_message(
                    response="utter_order_latest_update",
                    event_time=at_moment(latest.at, now_in_shop(), language),
                    event_location=latest.location,
                    event_description=(
                        latest.description_vi if language == "vi" else latest.description_en
                    ),
                )
        elif shipment and order.status == "delivered" and shipment.delivered_at:
            dispatcher.utter_message(
                response="utter_order_delivered",
                delivered_at=on_day(shipment.delivered_at, language),
            )
        return order

    async def _cancel(
        self, dispatcher: CollectingDispatcher, order_id: str, contact: str, language: str
    ) -> list[EventType]:
        order = await in_thread(orders_client().get_order, order_id, contact)
        facts = order_facts(order, language)
        if not order.cancellable:
            dispatcher.utter_message(response=cannot_cancel(order), **facts)
            return []
        fee = int(load_knowledge().facts(language).get("cancellation_fee_vnd", 0))
        if fee:
            dispatcher.utter_message(
                response="utter_confirm_cancel_with_fee", fee=money(fee, language), **facts
            )
        else:
            dispatcher.utter_message(response="utter_confirm_cancel", **facts)
        return [SlotSet(S_PENDING, "cancel")]

    async def _change_address(
        self, dispatcher: CollectingDispatcher, order_id: str, contact: str, language: str
    ) -> list[EventType]:
        order = await in_thread(orders_client().get_order, order_id, contact)
        if not order.readdressable:
            response, values = cannot_readdress(order)
            dispatcher.utter_message(response=response, **order_facts(order, language), **values)
            return []
        return [SlotSet(S_ADDRESS, None), FollowupAction("address_form")]

    async def _return(
        self, dispatcher: CollectingDispatcher, order_id: str, contact: str, language: str
    ) -> list[EventType]:
        order = await in_thread(orders_client().get_order, order_id, contact)
        facts = order_facts(order, language)
        if order.returnable:
            return [SlotSet(S_REASON, None), FollowupAction("return_form")]
        if order.status == "cancelled":
            dispatcher.utter_message(response="utter_cannot_return_cancelled", **facts)
        elif order.status != "delivered":
            dispatcher.utter_message(response="utter_cannot_return_not_delivered", **facts)
        else:
            response, values = cannot_return_window(order, language)
            dispatcher.utter_message(response=response, **facts, **values)
        return []

    async def _loyalty(
        self, dispatcher: CollectingDispatcher, order_id: str, contact: str, language: str
    ) -> list[EventType]:
        """The customer's tier and points (the order only proved who they are)."""
        try:
            standing = await in_thread(orders_client().loyalty, contact)
        except CustomerNotFound:
            dispatcher.utter_message(response="utter_loyalty_not_found")
            return []
        except (OrderSystemUnavailable, InvalidRequest):
            return system_down(dispatcher)
        for response, values in loyalty_answer(standing, language):
            dispatcher.utter_message(response=response, **values)
        return []

    async def _refund_status(
        self, dispatcher: CollectingDispatcher, order_id: str, contact: str, language: str
    ) -> list[EventType]:
        refund = await in_thread(orders_client().get_refund, order_id, contact)
        if refund is None:
            dispatcher.utter_message(response="utter_no_refund", order_id=order_id)
            return []
        dispatcher.utter_message(
            response=refund_response(refund.status),
            order_id=order_id,
            refund_id=refund.id,
            status=label("refund_status", refund.status, language),
            amount=money(refund.amount_vnd, language),
            method=label("payment_method", refund.method, language),
            expected_by=by_day(refund.expected_by, language),
        )
        return []

    async def _invoice(
        self, dispatcher: CollectingDispatcher, order_id: str, contact: str, language: str
    ) -> list[EventType]:
        invoice = await in_thread(orders_client().get_invoice, order_id, contact)
        if invoice is None:
            dispatcher.utter_message(response="utter_no_invoice", order_id=order_id)
            return []
        dispatcher.utter_message(
            response="utter_invoice",
            order_id=order_id,
            invoice_number=invoice.invoice_number,
            total=money(invoice.total_vnd, language),
            vat=money(invoice.vat_vnd, language),
            url=invoice.url,
        )
        return []


class ValidateAddressForm(FormValidationAction):
    def name(self) -> str:
        return "validate_address_form"

    def validate_new_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {S_ADDRESS: new_address_slot(value, dispatcher)}


class ValidateReturnForm(FormValidationAction):
    def name(self) -> str:
        return "validate_return_form"

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        if 2 <= len(text) <= 500:
            return {S_REASON: text}
        dispatcher.utter_message(response="utter_ask_return_reason")
        return {S_REASON: None}


class ActionAskToConfirmAddress(Action):
    def name(self) -> str:
        return "action_ask_to_confirm_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_confirm_address",
            order_id=tracker.get_slot(S_VERIFIED),
            address=tracker.get_slot(S_ADDRESS),
        )
        return [SlotSet(S_PENDING, "change_address")]


class ActionAskToConfirmReturn(Action):
    def name(self) -> str:
        return "action_ask_to_confirm_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = customer_language(tracker)
        order_id, contact = verified_order(tracker), tracker.get_slot(S_CONTACT)
        if not order_id or not contact:
            return expired(dispatcher)  # the reason took longer than a proof lasts
        try:
            order = await in_thread(orders_client().get_order, order_id, contact)
        except (OrderSystemUnavailable, OrderNotFound):
            return system_down(dispatcher)
        reason = tracker.get_slot(S_REASON) or ""
        fee = int(load_knowledge().facts(language).get("return_shipping_fee_vnd", 0))
        charged = 0 if free_return(reason) else min(fee, order.total_vnd)
        dispatcher.utter_message(
            response="utter_confirm_return_with_fee" if charged else "utter_confirm_return",
            reason=reason,
            amount=money(order.total_vnd, language),
            fee=money(charged, language),
            refund=money(order.total_vnd - charged, language),
            method=label("payment_method", order.payment_method, language),
            **order_facts(order, language),
        )
        return [SlotSet(S_PENDING, "return"), *used(order_id)]


class OrderConfirmation:
    """A yes or no to an order change: carries it out (or drops it); see actions/confirmations."""

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        pending = tracker.get_slot(S_PENDING)
        order_id, contact = verified_order(tracker), tracker.get_slot(S_CONTACT)
        if pending and verification_expired(tracker):
            # Asked longer ago than a proof lasts: nothing is changed on an old proof.
            stale = tracker.get_slot(S_VERIFIED)
            events = [SlotSet(S_PENDING, None), *expired(dispatcher)]
            dispatcher.utter_message(response="utter_change_not_made", order_id=stale)
            return events
        if not pending or not order_id or not contact:
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet(S_PENDING, None)] if pending else []
        done = [SlotSet(S_PENDING, None), *used(order_id)]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent != "affirm":
            dispatcher.utter_message(response="utter_change_not_made", order_id=order_id)
            return done
        language = customer_language(tracker)
        try:
            if pending == "cancel":
                await self._cancel(dispatcher, order_id, contact, language)
            elif pending == "change_address":
                await self._change_address(dispatcher, tracker, order_id, contact)
            elif pending == "return":
                await self._return(dispatcher, tracker, order_id, contact, language)
        except OrderSystemUnavailable:
            system_down(dispatcher)
        except RuleViolation as refused:
            # The order moved on since we asked (e.g. it shipped): say what it is now.
            order = await in_thread(orders_client().get_order, order_id, contact)
            values: dict[str, Any] = {}
            if pending == "cancel":
                response = cannot_cancel(order)
            elif pending == "change_address":
                response, values = cannot_readdress(order)
            else:
                response = _RETURN_REFUSALS.get(str(refused.details.get("reason")), "")
                if not response:
                    response, values = cannot_return_window(order, language)
            dispatcher.utter_message(response=response, **order_facts(order, language), **values)
        except (OrderNotFound, InvalidRequest):
            system_down(dispatcher)
        return done

    @staticmethod
    async def _cancel(
        dispatcher: CollectingDispatcher, order_id: str, contact: str, language: str
    ) -> None:
        order = await in_thread(orders_client().cancel, order_id, contact, None)
        if order.status != "cancelled":
            raise RuleViolation("not_cancellable", {"status": order.status})
        dispatcher.utter_message(response="utter_order_cancelled", order_id=order_id)
        refund = await in_thread(orders_client().get_refund, order_id, contact)
        if refund is not None:
            dispatcher.utter_message(
                response="utter_refund_on_its_way",
                amount=money(refund.amount_vnd, language),
                method=label("payment_method", refund.method, language),
                expected_by=by_day(refund.expected_by, language),
            )

    @staticmethod
    async def _change_address(
        dispatcher: CollectingDispatcher, tracker: Tracker, order_id: str, contact: str
    ) -> None:
        try:
            wanted = parse_address(tracker.get_slot(S_ADDRESS) or "")
        except AddressProblem:
            dispatcher.utter_message(response="utter_invalid_address")
            return
        current = (await in_thread(orders_client().get_order, order_id, contact)).shipping_address
        new = Address(current.recipient, current.phone, wanted.street, wanted.ward, wanted.province)
        order = await in_thread(orders_client().change_shipping_address, order_id, contact, new)
        stored = order.shipping_address
        dispatcher.utter_message(
            response="utter_address_changed",
            order_id=order_id,
            address=address(stored.line1, stored.ward, stored.province),
        )

    @staticmethod
    async def _return(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        order_id: str,
        contact: str,
        language: str,
    ) -> None:
        request = await in_thread(
            orders_client().request_return, order_id, contact, tracker.get_slot(S_REASON) or ""
        )
        if request.created:
            dispatcher.utter_message(
                response="utter_return_created", order_id=order_id, return_id=request.id
            )
        else:
            dispatcher.utter_message(
                response="utter_return_exists",
                order_id=order_id,
                return_id=request.id,
                status=label("return_status", request.status, language),
            )


class ActionExplainExpectedInput(Action):
    """The customer sent data, but not what the verification form is asking for."""

    def name(self) -> str:
        return "action_explain_expected_input"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("requested_slot") == S_CONTACT:
            dispatcher.utter_message(response="utter_invalid_contact")
        else:
            dispatcher.utter_message(response="utter_invalid_order_id")
        return []


# When a message is mostly data ("return ORD-10005, phone 0936 000 555") the NLU may call it
# `inform`; the runner-up intent still says what the customer wants done with it.
OPERATION_BY_INTENT = {
    "track_order": "track",
    "cancel_order": "cancel",
    "change_shipping_address": "change_address",
    "get_refund": "return",
    "track_refund": "refund_status",
    "get_invoice": "invoice",
    "check_invoice": "invoice",
    "check_loyalty_points": "loyalty",
}
RUNNER_UP_CONFIDENCE = 0.1


def intended_operation(tracker: Tracker) -> str | None:
    for candidate in tracker.latest_message.get("intent_ranking") or []:
        name, confidence = candidate.get("name"), float(candidate.get("confidence") or 0)
        if name in OPERATION_BY_INTENT and confidence >= RUNNER_UP_CONFIDENCE:
            return OPERATION_BY_INTENT[name]
    return None
