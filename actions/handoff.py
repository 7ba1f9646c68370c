"""Handing the conversation to a person in the right department, and taking it back.

The helpdesk keeps the handoff state; the `handoff_state` slot mirrors it for the
HandoffPolicy, which keeps the bot silent and forwards every customer message while a person
owns the conversation. Agent messages and state changes come back as external events
(`EXTERNAL_*` intents) that `action_relay_handoff_event` turns into messages and slots.
"""

from __future__ import annotations

import contextlib
import json
import time
import unicodedata
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.helpdesk import (
    DepartmentNames,
    Handoff,
    HelpdeskClient,
    HelpdeskError,
    HelpdeskUnavailable,
    TopicNeeded,
)
from actions.clients.orders import OrdersClientError
from actions.entities import entity
from actions.external_events import DELIVERY_ID, relayed_before
from actions.fallback import REPLAYED
from actions.knowledge import load_knowledge
from actions.language import customer_language
from actions.order_updates import update_before_request, update_problem
from actions.orders import orders_client, signed_in_contact
from actions.threads import in_thread
from actions.verification import verified_order
from caredesk_rules.attachments import attachment_reference
from caredesk_rules.handoff_states import BOT, WAITING, WITH_AGENT, is_active

S_STATE = "handoff_state"
S_DEPARTMENT = "department"
S_TICKET = "ticket_id"
S_TOPIC = "handoff_topic"
S_AWAITING_CSAT = "awaiting_csat"
DEFAULT_DEPARTMENT = "customer_support"
TOPIC_FORM = "handoff_topic_form"
# What the helpdesk receives of the conversation: the latest turns, each cut to the helpdesk's
# text limit, the whole well under its 256 KB body limit (whatever the customer typed). Counted
# in bytes as sent (JSON escapes every non-ASCII character: "ố" takes 6 bytes, an emoji 12).
TRANSCRIPT_LIMIT = 200
TURN_LIMIT = 4000
TRANSCRIPT_BYTES = 160 * 1024
# Intents that say nothing about the topic of a request for a person.
NO_TOPIC_INTENTS = frozenset(
    {
        "contact_human_agent",
        "contact_customer_service",
        "nlu_fallback",
        "out_of_scope",
        "affirm",
        "deny",
        "greet",
        "goodbye",
        "thank_you",
        "bot_challenge",
        "inform",
    }
)
# A message with this many words besides the request for a person says what it is about.
TOPIC_WORDS = 6
# A second reading this likely still tells routing what the request is about.
TOPIC_HINT_CONFIDENCE = 0.2
DEPARTMENT_NAMES_TTL = 300.0
# How the agent's order summary marks an order id the customer gave without proving it.
NOT_VERIFIED = "given by the customer, not verified"

_client: HelpdeskClient | None = None
_department_names: tuple[float, dict[str, DepartmentNames]] = (0.0, {})


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


def clean_text(text: str) -> str:
    """Printable text: control characters (other than line breaks and tabs) become spaces."""
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" else ch for ch in text
    ).strip()


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation so far, customer and bot turns, for the agent and the ticket.

    Sanitised and capped here, so that nothing the customer typed can make the hand-off fail:
    no control characters, no empty turns, the latest turns first within the size limit."""
    turns: list[tuple[str, str, datetime]] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        if intent.startswith("EXTERNAL_") or (event.get("metadata") or {}).get(REPLAYED):
            continue
        text = clean_text(str(event["text"]))[:TURN_LIMIT]
        if not text:
            continue
        at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)
        turns.append(("customer" if kind == "user" else "bot", text, at))
    kept: list[dict[str, Any]] = []
    size = 0
    for role, text, at in reversed(turns[-TRANSCRIPT_LIMIT:]):
        turn = {"role": role, "text": text, "at": at.isoformat()}
        size += len(json.dumps(turn)) + 2  # as the HTTP client encodes it, with ", "
        if size > TRANSCRIPT_BYTES:
            break
        kept.append(turn)
    return kept[::-1]


async def department_name(key: str, language: str, known: DepartmentNames | None = None) -> str:
    """The department's name in the customer's language, as the helpdesk names it."""
    names = known or (await in_thread(_cached_department_names)).get(key) or {}
    return names.get(language) or names.get("en") or key.replace("_", " ")


def _cached_department_names() -> dict[str, DepartmentNames]:
    global _department_names
    fetched_at, names = _department_names
    if not names or time.monotonic() - fetched_at > DEPARTMENT_NAMES_TTL:
        try:
            names = helpdesk_client().departments()
        except HelpdeskError:
            return names  # the last known names, or none: the key is shown instead
        _department_names = (time.monotonic(), names)
    return names


def topic_intent(tracker: Tracker) -> str | None:
    """The reading of the latest message that names a topic, as a hint for routing."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    for position, candidate in enumerate(ranking[:3]):
        name = candidate.get("name")
        if not name or name in NO_TOPIC_INTENTS:
            continue
        confident = float(candidate.get("confidence") or 0) >= TOPIC_HINT_CONFIDENCE
        return str(name) if position == 0 or confident else None
    return None


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


def attached_order(tracker: Tracker) -> tuple[str | None, str | None]:
    """The order and contact the hand-off carries: the verified ones, else those the customer
    gave in the same message, or the order of the update the request answers (shown to the
    agent as given, not verified)."""
    verified = verified_order(tracker)
    if verified:
        return verified, tracker.get_slot("customer_contact")
    update = update_before_request(tracker)  # the order of the update it answers
    return entity(tracker, "order_id") or (update[0] if update else None), given_contact(tracker)


def given_contact(tracker: Tracker) -> str | None:
    """An email or phone the customer wrote in this session: in the message that asks for a
    person, else the latest one written before (the `email` / `phone` slots, which a new
    session empties; a lapsed proof's contact is among them)."""
    for name in ("email", "phone"):
        if entity(tracker, name):
            return entity(tracker, name)
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        name = event.get("name")
        if event.get("event") == "slot" and name in ("email", "phone"):
            value = tracker.get_slot(name)
            if value:
                return str(value)
    return None


async def handoff_contact(
    tracker: Tracker, order_id: str | None, contact: str | None
) -> tuple[str | None, bool, dict[str, Any] | None]:
    """The contact the hand-off carries, whether the customer proved it, and the order the
    agent sees. Proven: the shop's signed-in account, or the contact of the verified order as
    the order system accepts it now (a contact typed after the proof is only written; with the
    order system down nothing is claimed).
    A proof past its idle time is not one any more: its contact goes as written."""
    signed_in = signed_in_contact(tracker)
    if order_id and verified_order(tracker) and contact:
        summary = await order_summary(order_id, contact)
        if "status" in summary:
            return contact, True, summary
        # Refused with that contact, or the order system is down: not proven now.
        return signed_in or contact, bool(signed_in), summary
    given = {"order_id": order_id, "note": NOT_VERIFIED} if order_id else None
    if signed_in:
        return signed_in, True, given
    return contact, False, given


def says_more_than_asking(tracker: Tracker) -> bool:
    """The message says more than "I want a person": it names its topic even when routing does
    not recognise a department ("cho gặp nhân viên, laptop này nâng cấp RAM được không"), so it
    goes to the default department instead of being asked what it is about. The NLU's mark
    counts the words besides the request (`components/person_request.py`)."""
    mark = tracker.latest_message.get("person_request") or {}
    return int(mark.get("other_words") or 0) >= TOPIC_WORDS


def interrupted_request(tracker: Tracker) -> tuple[str, str | None] | None:
    """The words and intent that started the form a request for a person interrupts."""
    loop = tracker.active_loop or {}
    if not loop.get("name") or loop["name"] == TOPIC_FORM:
        return None
    trigger = loop.get("trigger_message") or {}
    words = clean_text(str(trigger.get("text") or ""))
    if not words or words.startswith("/"):
        return None
    return words, (trigger.get("intent") or {}).get("name")


def earlier_problem(tracker: Tracker) -> tuple[str, str | None] | None:
    """The customer's message just before this request for a person, when it named a topic:
    "talk to a person" right after a complaint is about that complaint, not asked again."""
    latest_seen = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "session_started":
            return None
        if kind != "user":
            continue
        if not latest_seen:
            latest_seen = True
            continue
        words = clean_text(str(event.get("text") or ""))
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        replayed = (event.get("metadata") or {}).get(REPLAYED)
        if not words or words.startswith("/") or replayed or not intent:
            return None
        if intent in NO_TOPIC_INTENTS or intent.startswith("EXTERNAL_"):
            return None
        return words, intent
    return None


def close_form(tracker: Tracker) -> list[EventType]:
    """A request for a person made in the middle of a form ends that form."""
    active = (tracker.active_loop or {}).get("name")
    if not active or active == TOPIC_FORM:
        return []
    return [ActiveLoop(None), SlotSet("requested_slot", None)]


async def waiting_mark(
    event: str, key: str, expected_reply_at: str, known: DepartmentNames | None = None
) -> dict[str, Any]:
    """The `caredesk` mark of a message that starts a wait for a person: the widget's header
    shows the department, in the language the customer reads the widget in, and when its
    first reply is promised (the helpdesk's moment, shown in the customer's time zone)."""
    names = known or (await in_thread(_cached_department_names)).get(key) or {}
    return {
        "from": "bot",
        "event": event,
        "department": key,
        "department_names": {lang: names.get(lang) or "" for lang in ("en", "vi")},
        "expected_reply_at": expected_reply_at,
    }


class ActionRequestHandoff(Action):
    """Asks the helpdesk for a person: it routes the customer's words and says where it went."""

    def name(self) -> str:
        return "action_request_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = customer_language(tracker)
        if is_active(tracker.get_slot(S_STATE)):
            dispatcher.utter_message(
                response="utter_handoff_already", ticket_id=tracker.get_slot(S_TICKET)
            )
            return []
        closed = close_form(tracker)
        topic = tracker.get_slot(S_TOPIC)
        text = clean_text(topic or original_text(tracker)) or "-"
        contact, contact_verified, summary = await handoff_contact(
            tracker, *attached_order(tracker)
        )
        context = interrupted_request(tracker)
        channel = str(last_user_event(tracker).get("input_channel") or "unknown")
        turns = transcript(tracker)  # built once, even when the form's words are sent after

        def request(words: str, intent: str | None, require_topic: bool) -> Handoff:
            return helpdesk_client().request_handoff(
                conversation_id=tracker.sender_id,
                request_text=words,
                intent=intent,
                require_topic=require_topic,
                language=language,
                channel=channel,
                transcript=turns,
                contact=contact,
                contact_verified=contact_verified,
                order_summary=summary,
            )

        try:
            try:
                intent = None if topic else topic_intent(tracker)
                ask_topic = topic is None and not says_more_than_asking(tracker)
                handoff = await in_thread(request, text, intent, ask_topic)
            except TopicNeeded:
                # "just get me a human" in the middle of a form: the form says what it is
                # about; right after a complaint, the complaint does; right after a late
                # delivery's update, that delivery does.
                said = context or earlier_problem(tracker) or update_problem(tracker)
                if said is None:
                    raise
                handoff = await in_thread(request, said[0], said[1], False)
        except TopicNeeded:
            return [*closed, FollowupAction(TOPIC_FORM)]
        except HelpdeskError:
            # Keep the words, so "try again" routes them without asking the topic again.
            dispatcher.utter_message(
                response="utter_handoff_unavailable", **contact_facts(language)
            )
            return [*closed, SlotSet(S_TOPIC, text)]
        events: list[EventType] = [
            *closed,
            SlotSet(S_DEPARTMENT, handoff.department),
            SlotSet(S_TICKET, handoff.ticket_id),
            SlotSet(S_TOPIC, None),
        ]
        name = await department_name(handoff.department, language, handoff.department_names)
        if is_active(handoff.state):
            waiting = await waiting_mark(
                "handoff_waiting",
                handoff.department,
                handoff.expected_reply_at,
                handoff.department_names,
            )
            dispatcher.utter_message(
                response="utter_handoff_waiting",
                department=name,
                ticket_id=handoff.ticket_id,
                caredesk=waiting,
            )
            return [*events, SlotSet(S_STATE, handoff.state)]
        expected = handoff.expected_reply_vi if language == "vi" else handoff.expected_reply_en
        dispatcher.utter_message(
            response="utter_no_agent",
            department=name,
            ticket_id=handoff.ticket_id,
            expected_reply=expected,
        )
        return [*events, SlotSet(S_STATE, BOT)]


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
                attachment_reference(event.get("metadata")),
            )
        except HelpdeskUnavailable:
            dispatcher.utter_message(
                response="utter_message_not_delivered", **contact_facts(customer_language(tracker))
            )
        except HelpdeskError:
            dispatcher.utter_message(response="utter_message_not_delivered")
        return []


class ActionRelayHandoffEvent(Action):
    """Turns the helpdesk's external events into what the customer sees, each once.

    The first message of each event carries its delivery id in the `caredesk` mark: the
    helpdesk reads it in Rasa's answer (relayed), the widget confirms receipt by it. An event
    with nothing to say leaves a silent mark (no text, sent nowhere) for the same reason.
    """

    def name(self) -> str:
        return "action_relay_handoff_event"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        delivery_id = entity(tracker, DELIVERY_ID)
        if delivery_id and relayed_before(tracker, delivery_id):
            return []  # said already; its events are in the tracker
        tag = {DELIVERY_ID: delivery_id} if delivery_id else {}
        events = await self._relay(dispatcher, tracker, tag)
        if tag and not dispatcher.messages:
            dispatcher.utter_message(caredesk={**tag, "silent": True})
        return events

    @staticmethod
    async def _relay(
        dispatcher: CollectingDispatcher, tracker: Tracker, tag: dict[str, str]
    ) -> list[EventType]:
        language = customer_language(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "EXTERNAL_agent_joined":
            agent_name = entity(tracker, "agent_name")
            dispatcher.utter_message(
                response="utter_agent_joined",
                agent_name=agent_name,
                caredesk={
                    "from": "agent", "event": "agent_joined", "agent_name": agent_name, **tag
                },
            )  # fmt: skip
            # An agent took over a conversation the assistant had: a form it was in ends.
            ends_form: list[EventType] = (
                [ActiveLoop(None), SlotSet("requested_slot", None)]
                if (tracker.active_loop or {}).get("name")
                else []
            )
            return [*ends_form, SlotSet(S_STATE, WITH_AGENT)]
        if intent == "EXTERNAL_agent_message":
            shown: dict[str, Any] = {"from": "agent", "event": "agent_message", **tag}
            if entity(tracker, "agent_name"):
                shown["agent_name"] = entity(tracker, "agent_name")
            dispatcher.utter_message(text=entity(tracker, "agent_text"), caredesk=shown)
            return []
        if intent == "EXTERNAL_agent_transferred":
            key = entity(tracker, "department") or DEFAULT_DEPARTMENT
            waiting = await waiting_mark(
                "agent_transferred", key, entity(tracker, "expected_reply_at")
            )
            dispatcher.utter_message(
                response="utter_agent_transferred",
                department=await department_name(key, language),
                caredesk={**waiting, **tag},
            )
            return [SlotSet(S_STATE, WAITING), SlotSet(S_DEPARTMENT, key)]
        if intent == "EXTERNAL_handoff_resolved":
            dispatcher.utter_message(
                response="utter_handoff_resolved",
                caredesk={"from": "bot", "event": "handoff_resolved", **tag},
            )
            dispatcher.utter_message(response="utter_ask_csat")
            return [SlotSet(S_STATE, BOT), SlotSet(S_AWAITING_CSAT, True)]
        if intent == "EXTERNAL_no_agent_available":
            if not is_active(tracker.get_slot(S_STATE)):
                return []  # said already when the hand-off was requested
            # With an agent still: the agent transferred to a team nobody can answer for now,
            # and this is the customer's one message about it (the helpdesk tells nothing of
            # the transfer itself); `department` names that team.
            transferred = tracker.get_slot(S_STATE) == WITH_AGENT
            key = entity(tracker, "department") or tracker.get_slot(S_DEPARTMENT) or ""
            dispatcher.utter_message(
                response="utter_transferred_no_agent" if transferred else "utter_no_agent",
                department=await department_name(key, language),
                ticket_id=entity(tracker, "ticket_id") or tracker.get_slot(S_TICKET),
                expected_reply=entity(tracker, f"expected_reply_{language}"),
                caredesk={"from": "bot", "event": "no_agent_available", **tag},
            )
            events: list[EventType] = [SlotSet(S_STATE, BOT)]
            if key:
                events.append(SlotSet(S_DEPARTMENT, key))
            return events
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
