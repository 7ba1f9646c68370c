"""One answer to every yes-or-no question the assistant asks: a pending order change, an offer
about a ticket, or the offer of an order's updates. The `pending_confirmation` slot says which
question is open."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.order_updates import answer_updates_question
from actions.orders import S_PENDING, OrderConfirmation
from actions.tickets import TICKET_QUESTIONS, answer_ticket_question
from actions.update_offer import UPDATES_QUESTION


class ActionAnswerYesNo(Action):
    def name(self) -> str:
        return "action_answer_yes_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot(S_PENDING) in TICKET_QUESTIONS:
            return answer_ticket_question(dispatcher, tracker)
        if tracker.get_slot(S_PENDING) == UPDATES_QUESTION:
            return await answer_updates_question(dispatcher, tracker)
        return await OrderConfirmation().answer(dispatcher, tracker)
