"""An order's status machine: its fulfilment path, and cancelling where the policy allows."""

from __future__ import annotations

import pytest

from backoffice.core.config import DEFAULT_KNOWLEDGE_FILE
from backoffice.core.transitions import IllegalTransitionError
from backoffice.orders.models import ORDER_EVENT_TYPES, ORDER_STATUSES
from backoffice.orders.policies import load_knowledge
from backoffice.orders.services.order_states import order_table, status_after_event, takes_updates

FULFILMENT = {
    ("pending", "pack"): "processing",
    ("processing", "ship"): "shipped",
    ("shipped", "deliver"): "delivered",
}
CANCEL_BEFORE_SHIPPING = {
    **FULFILMENT,
    ("pending", "cancel"): "cancelled",
    ("processing", "cancel"): "cancelled",
}
ACTIONS = ("pack", "ship", "deliver", "cancel")


def test_under_the_shops_policy_orders_are_cancelled_before_they_ship() -> None:
    policies = load_knowledge(DEFAULT_KNOWLEDGE_FILE).policies
    assert order_table(policies.cancellable_statuses).moves == CANCEL_BEFORE_SHIPPING


@pytest.mark.parametrize("status", ORDER_STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_move_from_every_status(status: str, action: str) -> None:
    table = order_table(("pending", "processing"))
    if (status, action) in CANCEL_BEFORE_SHIPPING:
        assert table.next_state(status, action) == CANCEL_BEFORE_SHIPPING[(status, action)]
    else:
        with pytest.raises(IllegalTransitionError) as caught:
            table.next_state(status, action)
        expected_code = "not_cancellable" if action == "cancel" else "illegal_transition"
        assert (caught.value.status_code, caught.value.code) == (409, expected_code)
        assert caught.value.details == {"status": status}  # what the order API's clients read


def test_the_policy_may_allow_cancelling_a_shipped_order_but_never_a_finished_one() -> None:
    table = order_table(("shipped", "delivered", "cancelled"))
    assert table.next_state("shipped", "cancel") == "cancelled"
    for finished in ("delivered", "cancelled"):
        assert not table.allowed(finished, "cancel")


# -- the events the order system reports (issue 14) ------------------------------------------

EVENT_TYPES = (
    "packed",
    "shipped",
    "out_for_delivery",
    "delivered",
    "delayed",
    "delivery_failed",
    "cancelled",
)
EVENT_MOVES = {
    ("processing", "shipped"): "shipped",
    ("shipped", "delivered"): "delivered",
    ("pending", "cancelled"): "cancelled",
    ("processing", "cancelled"): "cancelled",
}
NEWS = ("packed", "out_for_delivery", "delayed", "delivery_failed")


@pytest.mark.parametrize("status", ORDER_STATUSES)
@pytest.mark.parametrize("event", EVENT_TYPES)
def test_every_event_on_every_status(status: str, event: str) -> None:
    table = order_table(("pending", "processing"))
    if (status, event) in EVENT_MOVES:
        assert status_after_event(table, status, event) == EVENT_MOVES[(status, event)]
    elif event in NEWS and status not in ("delivered", "cancelled"):
        assert status_after_event(table, status, event) == status
    else:
        with pytest.raises(IllegalTransitionError) as caught:
            status_after_event(table, status, event)
        assert caught.value.status_code == 409
        assert caught.value.details["status"] == status


def test_every_event_type_is_a_stored_one() -> None:
    assert EVENT_TYPES == ORDER_EVENT_TYPES


@pytest.mark.parametrize("status", ORDER_STATUSES)
def test_only_unfinished_orders_take_updates(status: str) -> None:
    assert takes_updates(status) == (status not in ("delivered", "cancelled"))
