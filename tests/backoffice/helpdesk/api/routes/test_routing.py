"""The helpdesk owns routing: a preview endpoint, the departments, and hand-offs and tickets
routed from the customer's words (issue 9)."""

from __future__ import annotations

from datetime import datetime, timezone

from caredesk_rules.departments import DEPARTMENT_KEYS
from tests.support.helpdesk import Helpdesk, handoff_body, new_conversation_id


def test_routing_preview_names_the_department_and_the_reason(helpdesk: Helpdesk) -> None:
    answer = helpdesk.api(
        "POST", "/routing", json={"text": "I was charged twice for my order", "language": "en"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["department"] == "billing"
    assert body["department_names"] == {"en": "Billing", "vi": "Thanh toán & Hóa đơn"}
    assert "charge" in body["reason"]


def test_routing_preview_of_a_request_without_a_topic(helpdesk: Helpdesk) -> None:
    answer = helpdesk.api("POST", "/routing", json={"text": "cho mình gặp nhân viên"})
    assert answer.status_code == 200
    assert answer.json()["department"] is None
    assert answer.json()["department_names"] is None


def test_routing_refuses_bad_input(helpdesk: Helpdesk) -> None:
    for body in ({}, {"text": ""}, {"text": "x", "intent": "Not An Intent"}, {"text": 3}):
        assert helpdesk.api("POST", "/routing", json=body).status_code == 422
    assert helpdesk.api("POST", "/routing", json={"text": "x"}, key="wrong").status_code == 401


def test_departments_list_names_in_both_languages(helpdesk: Helpdesk) -> None:
    answer = helpdesk.api("GET", "/departments")
    assert answer.status_code == 200
    departments = {d["key"]: d for d in answer.json()}
    assert tuple(departments) == DEPARTMENT_KEYS
    assert departments["after_sales"]["names"]["vi"] == "Hậu mãi & Bảo hành"
    assert departments["technical"]["open_now"] is True


def routed(conversation: str, text: str, **overrides: object) -> dict[str, object]:
    body = handoff_body(conversation, request_text=text, **overrides)
    del body["department"], body["routing_reason"]
    return body


def test_a_handoff_is_routed_from_the_customers_words(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    answer = helpdesk.api(
        "POST",
        "/handoffs",
        json=routed(conversation, "get me a human, the app crashes every time I log in"),
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["department"] == "technical"
    assert body["department_names"]["en"] == "Technical Support"
    assert body["routing_reason"]
    assert helpdesk.rows(
        "SELECT department, routing_reason FROM tickets WHERE conversation_id = :c", c=conversation
    ) == [("technical", body["routing_reason"])]


def test_a_request_without_a_topic_can_be_refused_so_the_bot_asks(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    body = routed(conversation, "can I talk to a human?", require_topic=True)
    answer = helpdesk.api("POST", "/handoffs", json=body)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "topic_needed"
    assert helpdesk.rows(
        "SELECT COUNT(*) FROM tickets WHERE conversation_id = :c", c=conversation
    ) == [(0,)]
    # Without require_topic the default department takes it, and says why.
    body["require_topic"] = False
    answer = helpdesk.api("POST", "/handoffs", json=body)
    assert answer.status_code == 201
    assert answer.json()["department"] == "customer_support"
    assert "default department" in answer.json()["routing_reason"]


def test_a_handoff_needs_a_department_or_the_words(helpdesk: Helpdesk) -> None:
    body = handoff_body(new_conversation_id())
    del body["department"]
    answer = helpdesk.api("POST", "/handoffs", json=body)
    assert answer.status_code == 422


def test_a_verified_orders_summary_with_dates_is_stored(helpdesk: Helpdesk) -> None:
    """Regression (issue 9): a summary with `placed_at` answered 500 (datetime not JSON)."""
    conversation = new_conversation_id()
    summary = {
        "order_id": "ORD-10001",
        "status": "delivered",
        "placed_at": datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc).isoformat(),
        "total_vnd": 1990000,
    }
    answer = helpdesk.api(
        "POST",
        "/handoffs",
        json=routed(conversation, "my headphones are broken", order_summary=summary),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["department"] == "after_sales"
    [(stored,)] = helpdesk.rows(
        "SELECT order_summary FROM tickets WHERE conversation_id = :c", c=conversation
    )
    assert "2026-11-02T09:30:00" in str(stored)


def test_a_ticket_is_routed_from_its_description(helpdesk: Helpdesk) -> None:
    answer = helpdesk.api(
        "POST",
        "/tickets",
        json={
            "subject": "Parcel",
            "description": "the courier left my parcel in the rain and the box arrived soaked",
            "contact": "an.nguyen@example.com",
            "language": "en",
            "intent": "complaint",
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["department"] == "logistics"
    assert answer.json()["department_names"]["vi"] == "Giao hàng & Vận chuyển"
    assert answer.json()["routing_reason"]
