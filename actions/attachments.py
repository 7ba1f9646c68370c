"""A photo the customer sent while the assistant has the conversation: say it is kept.

The back office stored it (POST /api/v1/attachments) and tied it to the conversation's open
ticket, or ties it to the ticket a later hand-off opens; the assistant only tells the customer
so, in their language, and asks what it is about when no request is open yet. The policy that
sends photos here needs no intent (components/handoff_policy.py).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from caredesk_rules.attachments import only_a_photo


def sent_only_a_photo(tracker: Tracker) -> bool:
    """The customer's latest message is a photo without words (its metadata is on the event)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return only_a_photo(event.get("text"), event.get("metadata"))
    return False


def acknowledge_photo(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    ticket_id = tracker.get_slot("ticket_id")
    if ticket_id:
        dispatcher.utter_message(response="utter_photo_kept_with_request", ticket_id=ticket_id)
    else:
        dispatcher.utter_message(response="utter_photo_kept_ask_what")
