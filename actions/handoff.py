"""Handing the conversation to a person in the right department, and taking it back.

The helpdesk keeps the handoff state; the `handoff_state` slot mirrors it for the
HandoffPolicy, which keeps the bot silent and forwards every customer message while a person
owns the conversation. Agent messages and state changes come back as external events
(`EXTERNAL_*` intents) that `action_relay_handoff_event` turns into messages and slots.
"""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.helpdesk import HelpdeskClient, HelpdeskError, HelpdeskUnavailable
from actions.clients.orders import OrdersClientError
from actions.knowledge import load_knowledge
from actions.language import customer_language
from actions.orders import orders_client
from actions.threads import in_thread
from backoffice.services.routing import departments, load_router

S_STATE = "handoff_state"
S_DEPARTMENT = "department"
S_TICKET = "ticket_id"
S_TOPIC = "handoff_topic"
S_AWAITING_CSAT = "awaiting_csat"
ACTIVE = ("waiting", "with_agent")
DEFAULT_DEPARTMENT = "customer_support"
TRANSCRIPT_LIMIT = 200

_client: HelpdeskClient | None = None


# spaCy and the routing matcher take 3-5 s to load: load them while the action server starts,
# not while the first customer who asks for a person waits.
def _warm_up_routing() -> None:
    load_router().route("my order arrived broken", None, "en")  # loads spaCy's English pipeline


if os.environ.get("ACTIONS_WARM_UP", "1") != "0":
    threading.Thread(target=_warm_up_routing, name="routing-warm-up", daemon=True).start()


def helpdesk_client() -> HelpdeskClient:
    global _client
    if _client is None:
        _client = HelpdeskClient()
    return _client


def last_user_event(tracker: Tracker) -> dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return dict(event)
    return {}


def original_text(tracker: Tracker) -> str:
    """What the customer typed (the parse result holds the normalised form)."""
    return str(last_user_event(tracker).get("text") or "")


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation so far, customer and bot turns, for the agent and the ticket."""
    turns = []
    for event in tracker.events:
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        if intent.startswith("EXTERNAL_"):
            continue
        at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)
        turns.append(
            {
                "role": "customer" if kind == "user" else "bot",
                "text": str(event["text"])[:4000],
                "at": at.isoformat(),
            }
        )
    return turns[-TRANSCRIPT_LIMIT:]


def department_name(key: str, language: str) -> str:
    department = departments().get(key)
    return department.name(language) if department else key


def entity(tracker: Tracker, name: str) -> str:
    for found in tracker.latest_message.get("entities") or []:
        if found.get("entity") == name and found.get("value") is not None:
            return str(found["value"])
    return ""


async def order_summary(order_id: str, contact: str) -> dict[str, Any]:
    """What the agent sees about the verified order; just its id if the order system is down."""
    try:
        order = await in_thread(orders_client().get_order, order_id, contact)
    except OrdersClientError:
        return {"order_id": order_id}
    shipment = order.shipment
    return {
        "order_id": order.id,
        "status": order.status,
        "placed_at": order.placed_at.isoformat(),
        "total_vnd": order.total_vnd,
        "payment_method": order.payment_method,
        "carrier": shipment.carrier if shipment else None,
        "tracking_number": shipment.tracking_number if shipment else None,
    }


def contact_facts(language: str) -> dict[str, Any]:
    return load_knowledge().facts(language)


class ActionRequestHandoff(Action):
    """Routes the request, opens (or finds) the handoff and tells the customer what happens."""

    def name(self) -> str:
        return "action_request_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = customer_language(tracker)
        if tracker.get_slot(S_STATE) in ACTIVE:
            dispatcher.utter_message(
                response="utter_handoff_already", ticket_id=tracker.get_slot(S_TICKET)
            )
            return []
        topic = tracker.get_slot(S_TOPIC)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = topic or original_text(tracker)
        decision = await in_thread(load_router().route, text, intent, language)
        department, reason = decision.department, decision.reason
        if department is None:
            if topic is None:
                return [FollowupAction("handoff_topic_form")]
            department, reason = DEFAULT_DEPARTMENT, f"no topic recognised in {topic!r}"
        verified = tracker.get_slot("verified_order_id")
        contact = tracker.get_slot("customer_contact") if verified else None
        summary = await order_summary(verified, contact) if verified and contact else None
        try:
            handoff = await in_thread(
                lambda: helpdesk_client().request_handoff(
                    conversation_id=tracker.sender_id,
                    department=department,
                    routing_reason=reason,
                    language=language,
                    channel=str(last_user_event(tracker).get("input_channel") or "unknown"),
                    transcript=transcript(tracker),
                    contact=contact,
                    order_summary=summary,
                )
            )
        except HelpdeskError:
            dispatcher.utter_message(
                response="utter_handoff_unavailable", **contact_facts(language)
            )
            return [SlotSet(S_DEPARTMENT, department), SlotSet(S_TOPIC, None)]
        events: list[EventType] = [
            SlotSet(S_DEPARTMENT, handoff.department),
            SlotSet(S_TICKET, handoff.ticket_id),
            SlotSet(S_TOPIC, None),
        ]
        name = department_name(handoff.department, language)
        if handoff.state in ACTIVE:
            dispatcher.utter_message(
                response="utter_handoff_waiting", department=name, ticket_id=handoff.ticket_id
            )
            return [*events, SlotSet(S_STATE, handoff.state)]
        expected = handoff.expected_reply_vi if language == "vi" else handoff.expected_reply_en
        dispatcher.utter_message(
            response="utter_no_agent",
            department=name,
            ticket_id=handoff.ticket_id,
            expected_reply=expected,
        )
        return [*events, SlotSet(S_STATE, "bot")]


class ActionForwardToAgent(Action):
    """While a person owns the conversation: the customer's message goes to them, nothing else."""

    def name(self) -> str:
        return "action_forward_to_agent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        event = last_user_event(tracker)
        sent_at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)
        message_id = str(event.get("message_id") or f"{tracker.sender_id}-{event.get('timestamp')}")
        try:
            await in_thread(
                helpdesk_client().forward_message,
                tracker.sender_id,
                message_id,
                str(event.get("text") or ""),
                sent_at.isoformat(),
            )
        except HelpdeskUnavailable:
            dispatcher.utter_message(
                response="utter_message_not_delivered", **contact_facts(customer_language(tracker))
            )
        except HelpdeskError:
            dispatcher.utter_message(response="utter_message_not_delivered")
        return []


class ActionRelayHandoffEvent(Action):
    """Turns the helpdesk's external events into what the customer sees."""

    def name(self) -> str:
        return "action_relay_handoff_event"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = customer_language(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "EXTERNAL_agent_joined":
            agent_name = entity(tracker, "agent_name")
            dispatcher.utter_message(
                response="utter_agent_joined",
                agent_name=agent_name,
                caredesk={"from": "agent", "event": "agent_joined", "agent_name": agent_name},
            )
            return [SlotSet(S_STATE, "with_agent")]
        if intent == "EXTERNAL_agent_message":
            shown: dict[str, Any] = {"from": "agent", "event": "agent_message"}
            if entity(tracker, "agent_name"):
                shown["agent_name"] = entity(tracker, "agent_name")
            dispatcher.utter_message(text=entity(tracker, "agent_text"), caredesk=shown)
            return []
        if intent == "EXTERNAL_agent_transferred":
            key = entity(tracker, "department") or DEFAULT_DEPARTMENT
            dispatcher.utter_message(
                response="utter_agent_transferred",
                department=department_name(key, language),
                caredesk={"from": "bot", "event": "agent_transferred"},
            )
            return [SlotSet(S_STATE, "waiting"), SlotSet(S_DEPARTMENT, key)]
        if intent == "EXTERNAL_handoff_resolved":
            dispatcher.utter_message(
                response="utter_handoff_resolved",
                caredesk={"from": "bot", "event": "handoff_resolved"},
            )
            dispatcher.utter_message(response="utter_ask_csat")
            return [SlotSet(S_STATE, "bot"), SlotSet(S_AWAITING_CSAT, True)]
        if intent == "EXTERNAL_no_agent_available":
            if tracker.get_slot(S_STATE) not in ACTIVE:
                return []  # said already when the hand-off was requested
            dispatcher.utter_message(
                response="utter_no_agent",
                department=department_name(tracker.get_slot(S_DEPARTMENT) or "", language),
                ticket_id=entity(tracker, "ticket_id") or tracker.get_slot(S_TICKET),
                expected_reply=entity(tracker, f"expected_reply_{language}"),
                caredesk={"from": "bot", "event": "no_agent_available"},
            )
            return [SlotSet(S_STATE, "bot")]
        return []


async def record_csat(
    dispatcher: CollectingDispatcher, tracker: Tracker, score_text: str
) -> list[EventType]:
    """Stores a 1-5 rating on the conversation's ticket; called by the inform handler."""
    try:
        score = int(float(score_text))
    except ValueError:
        score = 0
    if not 1 <= score <= 5:
        dispatcher.utter_message(response="utter_ask_csat")
        return []
    ticket_id = tracker.get_slot(S_TICKET)
    if ticket_id:
        # The rating is a courtesy: never make the customer repeat it if the helpdesk is down.
        with contextlib.suppress(HelpdeskError):
            await in_thread(helpdesk_client().record_csat, ticket_id, tracker.sender_id, score)
    dispatcher.utter_message(response="utter_thanks_for_rating")
    return [SlotSet(S_AWAITING_CSAT, False)]
