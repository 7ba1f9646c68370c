"""A message that only gives data: a rating, or the details of an order request."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.entities import entity
from actions.handoff import S_AWAITING_CSAT, record_csat
from actions.orders import S_OPERATION, S_ORDER, intended_operation


class ActionHandleInform(Action):
    """Data without a request: a satisfaction score, the order request it most likely belongs
    to, or else a question about what to do with it."""

    def name(self) -> str:
        return "action_handle_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        score = entity(tracker, "csat_score")
        if score and tracker.get_slot(S_AWAITING_CSAT):
            return await record_csat(dispatcher, tracker, score)
        # An order number with no other request ("đơn ORD-10001 của mình đâu rồi") is most
        # often asked about to follow it: tracking is read-only and verified first.
        operation = intended_operation(tracker) or "track"
        if tracker.get_slot(S_ORDER):
            return [SlotSet(S_OPERATION, operation), FollowupAction("order_verification_form")]
        dispatcher.utter_message(response="utter_what_to_do_with_info")
        return []
