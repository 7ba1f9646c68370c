"""Tickets from the chat: open one (a complaint the bot cannot settle), look one up, and add
information to it. Only the customer who proves the contact on a ticket sees or changes it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.helpdesk import (
    HelpdeskUnavailable,
    InvalidTicketRequest,
    TicketLocked,
    TicketNotFound,
)
from actions.formatting import label
from actions.handoff import (
    contact_facts,
    department_name,
    helpdesk_client,
    original_text,
    transcript,
)
from actions.language import customer_language
from actions.orders import signed_in_contact, validate_contact_slot
from actions.threads import in_thread
from actions.verification import conversation_client, lock_ends, verified_order
from caredesk_rules.formatting import at_moment, now_in_shop, reply_channel
from caredesk_rules.ids import is_ticket_id

# A complaint this long already says what happened; a shorter one ("I want to make a
# complaint", "toi muon khieu nai") does not, and the form asks.
SUBSTANTIAL_WORDS = 9
MAX_TEXT = 2000
SUBJECT_LENGTH = 80

S_PENDING = "pending_confirmation"
S_TICKET = "ticket_id"
S_CONTACT = "customer_contact"
S_DESCRIPTION = "ticket_description"
S_NOTE = "ticket_note"
# The contact proven for `ticket_id`: `customer_contact` follows any email or phone the
# customer writes, including one inside a note, so it cannot be trusted to still match.
S_TICKET_CONTACT = "ticket_contact"
TICKET_QUESTIONS = ("open_ticket", "add_to_ticket")


def substantial(text: str) -> bool:
    return len(text.split()) >= SUBSTANTIAL_WORDS


def ticket_text(value: Any) -> str | None:
    """Free text for a ticket: trimmed, not empty, not a bare button payload, bounded."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or text.startswith("/") or len(text.split()) < 2:
        return None
    return text[:MAX_TEXT]


def helpdesk_down(dispatcher: CollectingDispatcher, language: str) -> list[EventType]:
    dispatcher.utter_message(response="utter_handoff_unavailable", **contact_facts(language))
    return []


def ticket_locked(
    dispatcher: CollectingDispatcher, locked: TicketLocked, language: str
) -> list[EventType]:
    """Too many failed look-ups (counted by the helpdesk across conversations): a person."""
    dispatcher.utter_message(
        response="utter_ticket_lookup_locked",
        locked_until=lock_ends(locked.until, language),
    )
    return [SlotSet(S_CONTACT, None)]


class ValidateTicketStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_status_form"

    def validate_ticket_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if is_ticket_id(value):
            return {"ticket_id": value}
        dispatcher.utter_message(response="utter_invalid_ticket_id")
        return {"ticket_id": None}

    def validate_customer_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_contact_slot(value, dispatcher)


class ActionTicketStatus(Action):
    def name(self) -> str:
        return "action_ticket_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = customer_language(tracker)
        ticket_id, contact = tracker.get_slot("ticket_id"), tracker.get_slot("customer_contact")
        try:
            ticket = await in_thread(
                helpdesk_client().ticket_status, ticket_id, contact, conversation_client(tracker)
            )
        except (TicketNotFound, InvalidTicketRequest):
            dispatcher.utter_message(response="utter_ticket_not_found")
            return []
        except TicketLocked as locked:
            return ticket_locked(dispatcher, locked, language)
        except HelpdeskUnavailable:
            return helpdesk_down(dispatcher, language)
        dispatcher.utter_message(
            response="utter_ticket_status",
            ticket_id=ticket.id,
            department=await department_name(ticket.department, language),
            status=label("ticket_status", ticket.status, language),
            updated=at_moment(ticket.updated_at or now_in_shop(), now_in_shop(), language),
        )
        dispatcher.utter_message(response="utter_ask_add_to_ticket", ticket_id=ticket.id)
        return [SlotSet(S_PENDING, "add_to_ticket"), SlotSet(S_TICKET_CONTACT, contact)]


class ActionOfferTicket(Action):
    """A complaint: offer a ticket the right team follows up (or a person now), or add the
    complaint to the ticket this conversation already has."""

    def name(self) -> str:
        return "action_offer_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = ticket_text(original_text(tracker))
        ticket_id, contact = tracker.get_slot(S_TICKET), tracker.get_slot(S_TICKET_CONTACT)
        if ticket_id and contact:
            dispatcher.utter_message(response="utter_ask_add_to_ticket", ticket_id=ticket_id)
            return [SlotSet(S_PENDING, "add_to_ticket"), SlotSet(S_NOTE, text)]
        dispatcher.utter_message(response="utter_offer_ticket")
        description = text if text and substantial(text) else None
        return [SlotSet(S_PENDING, "open_ticket"), SlotSet(S_DESCRIPTION, description)]


def answer_ticket_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Yes opens the offered ticket (or takes the note to add); no leaves it."""
    pending = tracker.get_slot(S_PENDING)
    done: list[EventType] = [SlotSet(S_PENDING, None)]
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent != "affirm":
        dispatcher.utter_message(response="utter_order_request_stopped")
        return [*done, SlotSet(S_DESCRIPTION, None), SlotSet(S_NOTE, None)]
    if pending == "open_ticket":
        # The form only runs for what is missing, so that it always asks something; a shop's
        # signed-in customer is answered at their account's email.
        contact = tracker.get_slot(S_CONTACT) or signed_in_contact(tracker)
        ready = tracker.get_slot(S_DESCRIPTION) and contact
        return [*done, FollowupAction("action_open_ticket" if ready else "open_ticket_form")]
    if tracker.get_slot(S_NOTE):
        return [*done, FollowupAction("action_add_to_ticket")]
    return [*done, FollowupAction("ticket_note_form")]


class ValidateOpenTicketForm(FormValidationAction):
    def name(self) -> str:
        return "validate_open_ticket_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # The shop vouches for its signed-in customer: the team answers at their account.
        if signed_in_contact(tracker):
            return [slot for slot in domain_slots if slot != S_CONTACT]
        return domain_slots

    def validate_ticket_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = ticket_text(value)
        if text is None:
            dispatcher.utter_message(response="utter_ticket_text_too_short")
        return {S_DESCRIPTION: text}

    def validate_customer_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_contact_slot(value, dispatcher)


class ValidateTicketNoteForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_note_form"

    def validate_ticket_note(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = ticket_text(value)
        if text is None:
            dispatcher.utter_message(response="utter_ticket_text_too_short")
        return {S_NOTE: text}


class ActionOpenTicket(Action):
    """Routes the description like a hand-off, opens the ticket and says who answers, when."""

    def name(self) -> str:
        return "action_open_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = customer_language(tracker)
        description = tracker.get_slot(S_DESCRIPTION) or ""
        contact = tracker.get_slot(S_CONTACT) or signed_in_contact(tracker) or ""
        try:
            ticket = await in_thread(
                helpdesk_client().open_ticket,
                subject=description.splitlines()[0][:SUBJECT_LENGTH],
                description=description,
                contact=contact,
                language=language,
                conversation_id=tracker.sender_id,
                order_id=verified_order(tracker),
                transcript=transcript(tracker),
                intent="complaint",
            )
        except InvalidTicketRequest:
            dispatcher.utter_message(response="utter_ticket_not_opened", **contact_facts(language))
            return [SlotSet(S_DESCRIPTION, None)]
        except HelpdeskUnavailable:
            return helpdesk_down(dispatcher, language)
        dispatcher.utter_message(
            response="utter_ticket_opened",
            ticket_id=ticket.id,
            department=await department_name(ticket.department, language, ticket.department_names),
            contact=reply_channel(contact, language),
            expected_reply=ticket.expected_reply_vi
            if language == "vi"
            else ticket.expected_reply_en,
        )
        return [
            SlotSet(S_TICKET, ticket.id),
            SlotSet(S_TICKET_CONTACT, contact),
            SlotSet("department", ticket.department),
            SlotSet(S_DESCRIPTION, None),
        ]


class ActionAddToTicket(Action):
    def name(self) -> str:
        return "action_add_to_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = customer_language(tracker)
        ticket_id, contact = tracker.get_slot(S_TICKET), tracker.get_slot(S_TICKET_CONTACT)
        note = tracker.get_slot(S_NOTE)
        events: list[EventType] = [SlotSet(S_NOTE, None)]
        if not (ticket_id and contact and note):
            dispatcher.utter_message(response="utter_ticket_not_found")
            return events
        try:
            await in_thread(
                helpdesk_client().add_to_ticket,
                ticket_id,
                contact,
                note,
                conversation_client(tracker),
            )
        except (TicketNotFound, InvalidTicketRequest):
            dispatcher.utter_message(response="utter_ticket_not_found")
            return events
        except TicketLocked as locked:
            return [*events, *ticket_locked(dispatcher, locked, language)]
        except HelpdeskUnavailable:
            return [*events, *helpdesk_down(dispatcher, language)]
        dispatcher.utter_message(response="utter_ticket_note_added", ticket_id=ticket_id)
        return events
