"""Tickets from the chat over the REST channel, against the running stack: open one (asking for
a contact when the customer is not verified), look one up, and add information to it."""

import re
import uuid

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.stack

TICKET = re.compile(r"TCK-\d+")


def sender() -> str:
    return f"tickets-{uuid.uuid4().hex[:12]}"


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def ticket_row(stack, ticket_id: str) -> dict:
    number = int(ticket_id.removeprefix("TCK-"))
    with stack.backoffice.engine.connect() as db:
        row = db.execute(text("SELECT * FROM tickets WHERE id = :id"), {"id": number}).one()
        messages = db.execute(
            text("SELECT role, text FROM ticket_messages WHERE ticket_id = :id ORDER BY id"),
            {"id": number},
        ).all()
    return {**row._mapping, "messages": [(m.role, m.text) for m in messages]}


def ticket_count(stack, conversation_id: str) -> int:
    with stack.backoffice.engine.connect() as db:
        return int(
            db.execute(
                text("SELECT count(*) FROM tickets WHERE conversation_id = :c"),
                {"c": conversation_id},
            ).scalar_one()
        )


def test_complaint_opens_a_ticket_after_asking_for_a_contact_in_english(stack):
    me = sender()
    complaint = (
        "I'm really unhappy, I was promised a call back three days ago about my "
        "broken blender and nobody ever called me"
    )
    offer = stack.say(me, complaint)
    assert "open a ticket" in texts(offer)
    assert payloads(offer) == ["/affirm", "/contact_human_agent", "/deny"]
    assert "reply to" in texts(stack.say(me, "/affirm"))
    opened = texts(stack.say(me, "an.nguyen@example.com"))
    ticket_id = TICKET.search(opened).group(0)
    assert "an.nguyen@example.com" in opened
    slots = stack.tracker(me)["slots"]
    assert slots["ticket_id"] == ticket_id
    row = ticket_row(stack, ticket_id)
    assert row["contact_email"] == "an.nguyen@example.com"
    assert row["conversation_id"] == me and row["language"] == "en"
    assert row["department"] == slots["department"] and row["routing_reason"]
    assert any(complaint in message for _, message in row["messages"])


def test_vietnamese_without_diacritics_short_complaint_asks_what_happened(stack):
    me = sender()
    assert "tạo một yêu cầu hỗ trợ" in texts(stack.say(me, "toi muon khieu nai"))
    assert "chuyện gì đã xảy ra" in texts(stack.say(me, "/affirm"))
    described = "hoa don VAT shop gui cho cong ty toi bi sai ma so thue"
    assert "email hay số điện thoại" in texts(stack.say(me, described))
    opened = texts(stack.say(me, "0912 345 678"))
    assert "Mình đã tạo yêu cầu" in opened
    row = ticket_row(stack, TICKET.search(opened).group(0))
    assert row["contact_phone"] == "+84912345678" and row["language"] == "vi"
    assert row["department"] == "billing", row["routing_reason"]


def test_a_verified_customer_is_not_asked_for_a_contact_again(stack):
    stack.reset()
    me = sender()
    tracked = texts(
        stack.say_sure(me, "where is order ORD-10001, my email is an.nguyen@example.com")
    )
    assert "GHN123456789VN" in tracked
    stack.say(
        me, "I'm very disappointed with how your hotline staff treated me, nobody listened to me"
    )
    opened = texts(stack.say(me, "/affirm"))
    ticket_id = TICKET.search(opened).group(0)
    row = ticket_row(stack, ticket_id)
    assert row["order_id"] == "ORD-10001" and row["contact_email"] == "an.nguyen@example.com"


def test_no_thanks_opens_nothing(stack):
    me = sender()
    stack.say(me, "your customer service is terrible, I have waited a week for an answer")
    assert "anything else" in texts(stack.say(me, "/deny"))
    assert ticket_count(stack, me) == 0
    assert stack.tracker(me)["slots"]["ticket_id"] is None


def test_look_up_a_ticket_then_add_information_in_vietnamese(stack):
    me = sender()
    stack.say(me, "dich vu cua shop te qua, toi goi hotline ba lan ma khong ai nghe may")
    stack.say(me, "/affirm")
    ticket_id = TICKET.search(texts(stack.say(me, "chi.le@example.com"))).group(0)

    other = sender()  # a new conversation: the customer proves the contact again
    asked = texts(stack.say(other, f"yêu cầu {ticket_id} của tôi xử lý tới đâu rồi"))
    assert "email" in asked or "điện thoại" in asked
    status = stack.say(other, "chi.le@example.com")
    assert ticket_id in texts(status) and "bổ sung" in texts(status)
    assert "Bạn muốn bổ sung gì" in texts(stack.say(other, "/affirm"))
    note = "toi goi vao luc 9h sang thu hai, so may 0987 654 321"
    assert f"vào yêu cầu {ticket_id}" in texts(stack.say(other, note))
    assert ("customer", note) in ticket_row(stack, ticket_id)["messages"]


def test_a_second_complaint_in_the_same_conversation_goes_to_the_same_ticket(stack):
    me = sender()
    # (A complaint about a refund, "my refund was promised two weeks ago", reads as a complaint
    # or a refund question since check_loyalty_points came: it gets "Did you mean" first.)
    stack.say(me, "I want to file a complaint, nobody answered my emails for two weeks")
    stack.say(me, "/affirm")
    ticket_id = TICKET.search(texts(stack.say(me, "binh.tran@example.com"))).group(0)
    again = "and the staff on the hotline hung up on me when I asked about it"
    assert ticket_id in texts(stack.say(me, f"I'm also unhappy that {again}"))
    assert ticket_id in texts(stack.say(me, "/affirm"))
    assert ticket_count(stack, me) == 1
    assert any(again in message for _, message in ticket_row(stack, ticket_id)["messages"])
