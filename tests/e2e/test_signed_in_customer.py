"""A shop's signed-in customer over the socket.io channel with a signed token (issue 12): their
orders are offered as buttons, their points answered, and no email or phone is ever asked."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from channels.shop_identity import ShopIdentity
from devstack.stack import SHOP_SECRET, Stack, is_clarifying
from tests.support.live_chat import Customer

pytestmark = pytest.mark.stack

AN = "an.nguyen@example.com"  # Gold, 1.240 points; orders ORD-10004, -10001, -10021, -10022
ASKS_CONTACT = re.compile(r"email|phone|số điện thoại", re.I)


@pytest.fixture
def fresh(stack: Stack) -> Stack:
    stack.reset()
    return stack


@pytest.fixture
def widget(fresh: Stack) -> Iterator[Customer]:
    customer = Customer(fresh.rasa.base_url)
    yield customer
    customer.close()


def ask(customer: Customer, text: str, metadata: dict) -> list[dict]:
    """One turn; an unsure assistant's "did you mean…?" is confirmed with its own button."""
    customer.say(text, metadata)
    replies = customer.turn()
    said = " ".join(r.get("text", "") for r in replies)
    if is_clarifying(said):
        yes = next(q for r in replies for q in r.get("quick_replies") or [])
        customer.say(yes["payload"], metadata)
        replies = customer.turn()
    return replies


def said(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.mark.parametrize(
    ("language", "track", "points", "tier", "next_tier", "worth"),
    [
        ("en", "where is my order?", "how many points do I have?", "Gold", "Diamond", "124,000"),
        ("vi", "đơn hàng của mình đang ở đâu", "mình có bao nhiêu điểm", "Vàng", "Kim cương",
         "124.000đ"),
    ],
)  # fmt: skip
def test_a_signed_in_customer_picks_an_order_from_buttons_and_gets_their_points(
    fresh: Stack,
    widget: Customer,
    language: str,
    track: str,
    points: str,
    tier: str,
    next_tier: str,
    worth: str,
) -> None:
    metadata = {"language": language, "customer_token": ShopIdentity(SHOP_SECRET).sign(AN)}

    which = ask(widget, track, metadata)
    buttons = [q for r in which for q in r.get("quick_replies") or []]
    assert [b["payload"] for b in buttons] == [
        f'/inform{{"order_id":"{o}"}}' for o in ("ORD-10004", "ORD-10001", "ORD-10021", "ORD-10022")
    ]
    assert buttons[1]["title"].startswith("ORD-10001 · ") and "Sony" in buttons[1]["title"]
    assert not ASKS_CONTACT.search(said(which))

    tracked = said(ask(widget, buttons[1]["payload"], metadata))
    assert "GHN123456789VN" in tracked  # shown on the signed identity alone
    assert not ASKS_CONTACT.search(tracked)

    answer = said(ask(widget, points, metadata))
    assert tier in answer and next_tier in answer and worth in answer
    assert ("1,240" if language == "en" else "1.240") in answer
    assert not ASKS_CONTACT.search(answer)

    slots = fresh.tracker(widget.session_id)["slots"]
    assert slots["order_id"] == "ORD-10001" and slots["verified_order_id"] == "ORD-10001"


def test_someone_else_s_order_still_needs_its_contact(fresh: Stack, widget: Customer) -> None:
    metadata = {"language": "en", "customer_token": ShopIdentity(SHOP_SECRET).sign(AN)}
    reply = said(ask(widget, "where is order ORD-10002?", metadata))
    assert "ORD-10002" in reply and ASKS_CONTACT.search(reply)
    assert "processing" not in reply and "Philips" not in reply  # nothing of it is shown


def test_points_without_signing_in_come_after_verifying_an_order(
    fresh: Stack, widget: Customer
) -> None:
    metadata = {"language": "en"}
    asked = said(ask(widget, "how many points do I have?", metadata))
    assert "Sign in" in asked and "ORD-10001" in asked
    contact = said(ask(widget, "ORD-10005", metadata))
    assert ASKS_CONTACT.search(contact)
    answer = said(ask(widget, "0936 000 555", metadata))
    assert "Diamond" in answer and "3,980" in answer and "highest tier" in answer
