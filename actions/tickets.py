"""Tickets from the chat: a ticket's status, for the customer who proves the contact on it."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.helpdesk import HelpdeskUnavailable, InvalidTicketRequest, TicketNotFound
from actions.formatting import label, moment
from actions.handoff import contact_facts, department_name, helpdesk_client
from actions.language import customer_language
from actions.orders import validate_contact_slot
from actions.threads import in_thread

TICKET_ID = re.compile(r"^TCK-\d{1,10}$")


class ValidateTicketStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_status_form"

    def validate_ticket_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, str) and TICKET_ID.match(value):
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
            ticket = await in_thread(helpdesk_client().ticket_status, ticket_id, contact)
        except (TicketNotFound, InvalidTicketRequest):
            dispatcher.utter_message(response="utter_ticket_not_found")
            return []
        except HelpdeskUnavailable:
            dispatcher.utter_message(
                response="utter_handoff_unavailable", **contact_facts(language)
            )
            return []
        dispatcher.utter_message(
            response="utter_ticket_status",
            ticket_id=ticket.id,
            department=department_name(ticket.department, language),
            status=label("ticket_status", ticket.status, language),
            updated=moment(ticket.updated_at, language),
        )
        return []
