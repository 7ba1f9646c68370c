"""A photo the customer sent while the assistant has the conversation: say it is kept.

The back office stored it (POST /api/v1/attachments) and tied it to the conversation's open
ticket, or ties it to the ticket a later hand-off opens; the assistant only tells the customer
so, in their language, and asks what it is about when no request is open yet. The words live
here rather than in the domain: the policy that sends photos here needs no intent, and so no
retrained model (components/handoff_policy.py).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import customer_language
from caredesk_rules.attachments import PHOTO_TEXT, attachment_reference

KEPT_WITH_TICKET = {
    "en": "Thanks, I've received your photo and kept it with your request {ticket_id}.",
    "vi": "Cảm ơn bạn, mình đã nhận được ảnh và lưu cùng yêu cầu {ticket_id} của bạn.",
}
KEPT_ASK_WHAT = {
    "en": "Thanks, I've received your photo and kept it with our conversation. What is it "
    "about? If an item arrived broken or stopped working, tell me in a few words and I'll "
    "pass it on, with the photo, to the right team.",
    "vi": "Cảm ơn bạn, mình đã nhận được ảnh và lưu lại trong cuộc trò chuyện này. Ảnh này về "
    "vấn đề gì vậy bạn? Nếu món hàng bị hỏng hoặc không dùng được, bạn mô tả ngắn gọn giúp "
    "mình, mình sẽ chuyển cả ảnh đến bộ phận phù hợp.",
}


def sent_only_a_photo(tracker: Tracker) -> bool:
    message = tracker.latest_message or {}
    if str(message.get("text") or "").strip() != PHOTO_TEXT:
        return False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return attachment_reference(event.get("metadata")) is not None
    return False


def acknowledge_photo(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    language = customer_language(tracker)
    ticket_id = tracker.get_slot("ticket_id")
    if ticket_id:
        dispatcher.utter_message(text=KEPT_WITH_TICKET[language].format(ticket_id=ticket_id))
    else:
        dispatcher.utter_message(text=KEPT_ASK_WHAT[language])
