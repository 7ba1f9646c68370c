"""A photo sent without words while the assistant has the conversation is acknowledged in the
customer's language (actions/attachments.py, through action_default_fallback)."""

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionDefaultFallback
from caredesk_rules.attachments import PHOTO_TEXT
from tests.support.trackers import tracker_for

PHOTO = {"attachment": {"id": "att_" + "1" * 32}}


def said(tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionDefaultFallback().run(dispatcher, tracker, {}))
    return [m.get("text") or m.get("response") for m in dispatcher.messages], events


def test_a_photo_with_an_open_request_is_kept_with_it():
    tracker = tracker_for(
        PHOTO_TEXT, "nlu_fallback", "en", slots={"ticket_id": "TCK-000042"}, metadata=PHOTO
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionDefaultFallback().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert (message["response"], message["ticket_id"], events) == (
        "utter_photo_kept_with_request",
        "TCK-000042",
        [],
    )


def test_a_photo_without_a_request_asks_what_it_is_about_in_vietnamese():
    [text], events = said(tracker_for(PHOTO_TEXT, "greet", "vi", metadata=PHOTO))
    assert text == "utter_photo_kept_ask_what"  # worded in domain/handoff.yml, both languages
    assert events == []


def test_the_camera_typed_without_a_photo_is_an_ordinary_fallback():
    [text], _ = said(tracker_for(PHOTO_TEXT, "nlu_fallback", "en"))
    assert text == "utter_offer_human"
