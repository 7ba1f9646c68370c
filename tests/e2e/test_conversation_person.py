"""A request for a person reaches the right department in one turn, and the path to a person
cannot break (issue 9): the quoted messages over REST and socket.io, a request in the middle of
an order form, after a verified order, and the fallback that used to loop."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text as sql

from tests.support.live_chat import Customer

pytestmark = pytest.mark.stack

QUOTED = [
    ("get me a human, the app crashes every time I log in", "technical"),
    ("tôi muốn gặp nhân viên bảo hành, máy lọc nước bị hỏng", "after_sales"),
    ("can I talk to your sales team about a bulk order for 300 laptops", "sales"),
    ("I need a real person, the package was delivered to the wrong address", "logistics"),
    ("cho mình gặp người thật, app cứ văng ra mỗi lần đăng nhập", "technical"),
    ("toi can gap nhan vien kinh doanh, cong ty minh muon dat 300 laptop", "sales"),
    ("cho gặp nhân viên với, đơn hàng giao nhầm địa chỉ rồi", "logistics"),
    ("I want to speak to someone about my water filter, it stopped working", "after_sales"),
]


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def handed_off(stack, sender: str) -> tuple[str | None, str | None]:
    slots = stack.tracker(sender)["slots"]
    return slots.get("department"), slots.get("ticket_id")


@pytest.mark.parametrize(("text", "department"), QUOTED)
def test_a_person_and_a_topic_in_one_message_is_handed_off_over_rest(stack, text, department):
    sender = new_sender()
    replies = stack.say(sender, text)
    assert len(replies) <= 4
    routed, ticket = handed_off(stack, sender)
    assert (routed, bool(ticket)) == (department, True), texts(replies)
    assert ticket in texts(replies)


@pytest.mark.parametrize(("text", "department"), QUOTED)
def test_a_person_and_a_topic_in_one_message_is_handed_off_over_socketio(stack, text, department):
    customer = Customer(stack.rasa.base_url)
    try:
        customer.say(text)
        [reply] = customer.expect(1)
        assert "TCK-" in reply
        routed, ticket = handed_off(stack, customer.session_id)
        assert routed == department and ticket in reply
    finally:
        customer.close()


@pytest.mark.parametrize(
    "request_text",
    ["actually just get me a human", "thôi cho mình gặp nhân viên đi"],
)
def test_a_person_asked_for_in_the_middle_of_an_order_form(stack, request_text):
    sender = new_sender()
    stack.say_sure(sender, "I want to cancel my order")
    assert stack.tracker(sender)["active_loop"].get("name") == "order_verification_form"
    replies = stack.say(sender, request_text)
    tracker = stack.tracker(sender)
    assert not tracker["active_loop"].get("name"), texts(replies)
    assert tracker["slots"]["ticket_id"] in texts(replies)
    assert tracker["slots"]["department"] == "customer_support"  # cancelling is theirs


@pytest.mark.parametrize(
    ("contact", "request_text", "department"),
    [
        (
            "an.nguyen@example.com",
            "I want to talk to a person, my headphones are broken",
            "after_sales",
        ),
        ("0912345678", "cho mình gặp nhân viên, tai nghe bị hỏng rồi", "after_sales"),
    ],
)
def test_after_a_verified_order_a_person_is_reached_with_the_order(
    stack, contact, request_text, department
):
    sender = new_sender()
    stack.say_sure(sender, "where is my order ORD-10001")
    stack.say(sender, contact)
    assert stack.tracker(sender)["slots"]["verified_order_id"] == "ORD-10001"
    replies = stack.say(sender, request_text)
    routed, ticket = handed_off(stack, sender)
    assert routed == department and ticket in texts(replies), texts(replies)
    with stack.backoffice.engine.connect() as connection:
        [(order_id, summary)] = connection.execute(
            sql("SELECT order_id, order_summary FROM tickets WHERE conversation_id = :c"),
            {"c": sender},
        ).all()
    assert order_id == "ORD-10001" and "placed_at" in str(summary)


@pytest.mark.parametrize("answer", ["😊", "👍", "🙂🙂"])
def test_an_emoji_after_did_you_mean_gets_one_answer_and_the_conversation_lives(stack, answer):
    sender = new_sender()
    first = stack.say(sender, "kiểm tra đơn hàng giúp mình")
    seen = [texts(first)]
    for _ in range(4):
        replies = stack.say(sender, answer)
        assert 1 <= len(replies) <= 2, replies  # one answer, never a flood
        said = [r.get("text") for r in replies]
        assert len(said) == len(set(said)), said
        seen.append(texts(replies))
    assert "chào" in texts(stack.say(sender, "xin chào")).lower()
    replies = stack.say(sender, "cho mình gặp nhân viên")
    assert replies, "the conversation must still answer"


def test_a_fallback_after_a_ticket_does_not_loop(stack):
    sender = new_sender()
    stack.say(sender, "I want to complain, the delivery was 4 days late and nobody told me why")
    stack.say(sender, "/affirm")
    stack.say(sender, "an.nguyen@example.com")
    for answer in ("😊", "👍", "ok"):
        replies = stack.say(sender, answer)
        assert 1 <= len(replies) <= 3, replies
    assert stack.say(sender, "hello")


@pytest.mark.parametrize(
    ("complaint", "request_text", "department"),
    [
        (
            "My parcel is so late, I was promised delivery days ago and it still hasn't come.",
            "I want to talk to a real person please",
            "logistics",
        ),
        (
            "tôi bị trừ tiền hai lần cho cùng một đơn hàng",
            "cho mình gặp nhân viên",
            "billing",
        ),
    ],
)
def test_right_after_a_complaint_a_bare_request_is_not_asked_what_it_is_about(
    stack, complaint, request_text, department
):
    """The usability pass: "What is it about?" right after the customer explained it."""
    sender = new_sender()
    stack.say(sender, complaint)
    replies = stack.say(sender, request_text)
    routed, ticket = handed_off(stack, sender)
    assert (routed, bool(ticket)) == (department, True), texts(replies)
    assert ticket in texts(replies)
