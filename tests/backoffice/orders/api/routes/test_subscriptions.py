"""Order update subscriptions over real HTTP against a real back office (SQLite and
PostgreSQL): the service key, the proofs, finished orders refused, idempotent subscribe,
listing and unsubscribing one order or all."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from sqlalchemy import text

from devstack.backoffice import Backoffice

API = "/api/v1/order-subscriptions"
BINH = {
    "order_id": "ORD-10002",
    "conversation_id": "widget-binh",
    "channel": "socketio",
    "language": "vi",
    "contact": "binh.tran@example.com",
}


def call(
    bo: Backoffice, method: str, *, key: str | None = None, **kwargs: Any
) -> requests.Response:
    headers = {"X-API-Key": bo.api_key if key is None else key}
    return requests.request(method, bo.base_url + API, headers=headers, timeout=10, **kwargs)


def subscriptions(bo: Backoffice) -> list[tuple[Any, ...]]:
    with bo.engine.connect() as connection:
        query = "SELECT order_id, conversation_id, proof, ended_at IS NULL FROM order_subscriptions"
        return [tuple(row) for row in connection.execute(text(query + " ORDER BY id"))]


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("POST", {"json": BINH}),
        ("GET", {"params": {"conversation_id": "widget-binh"}}),
        ("DELETE", {"params": {"conversation_id": "widget-binh"}}),
    ],
)
def test_the_service_key_is_required(
    backoffice: Backoffice, method: str, kwargs: dict[str, Any]
) -> None:
    response = call(backoffice, method, key="wrong", **kwargs)
    assert response.status_code == 401
    assert subscriptions(backoffice) == []


def test_subscribe_list_and_unsubscribe(backoffice: Backoffice) -> None:
    first = call(backoffice, "POST", json=BINH)
    assert first.status_code == 201, first.text
    body = first.json()
    assert {
        k: body[k] for k in ("order_id", "conversation_id", "channel", "language", "proof")
    } == {
        "order_id": "ORD-10002",
        "conversation_id": "widget-binh",
        "channel": "socketio",
        "language": "vi",
        "proof": "contact",
    }
    again = call(backoffice, "POST", json=BINH)
    assert (again.status_code, again.json()) == (200, body)

    signed_in = {**BINH, "order_id": "ORD-10001", "customer_id": "an.nguyen@example.com"}
    del signed_in["contact"]
    assert call(backoffice, "POST", json=signed_in).json()["proof"] == "signed_customer"

    listed = call(backoffice, "GET", params={"conversation_id": "widget-binh"}).json()
    assert [s["order_id"] for s in listed["subscriptions"]] == ["ORD-10002", "ORD-10001"]

    one = call(
        backoffice, "DELETE", params={"conversation_id": "widget-binh", "order_id": "ORD-10002"}
    )
    assert one.json() == {"unsubscribed": ["ORD-10002"]}
    everything = call(backoffice, "DELETE", params={"conversation_id": "widget-binh"})
    assert everything.json() == {"unsubscribed": ["ORD-10001"]}
    assert call(backoffice, "DELETE", params={"conversation_id": "widget-binh"}).json() == {
        "unsubscribed": []
    }
    assert call(backoffice, "GET", params={"conversation_id": "widget-binh"}).json() == {
        "subscriptions": []
    }
    assert subscriptions(backoffice) == [
        ("ORD-10002", "widget-binh", "contact", False),
        ("ORD-10001", "widget-binh", "signed_customer", False),
    ]


@pytest.mark.parametrize(
    ("order_id", "contact", "status"),
    [("ORD-10003", "chi.le@example.com", "delivered"), ("ORD-10004", "0912345678", "cancelled")],
)
def test_a_finished_order_is_409(
    backoffice: Backoffice, order_id: str, contact: str, status: str
) -> None:
    response = call(backoffice, "POST", json={**BINH, "order_id": order_id, "contact": contact})
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("not_subscribable", {"status": status})
    assert subscriptions(backoffice) == []


def test_a_wrong_contact_is_404_counted_then_locked(backoffice: Backoffice) -> None:
    wrong = {**BINH, "contact": "someone@example.com"}
    for _ in range(2):
        response = call(backoffice, "POST", json=wrong)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "order_not_found")
    locked = call(backoffice, "POST", json=wrong)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "verification_locked"
    assert int(locked.headers["Retry-After"]) > 0
    assert subscriptions(backoffice) == []


def test_a_signed_in_customer_cannot_subscribe_to_anothers_order(backoffice: Backoffice) -> None:
    body = {**BINH, "customer_id": "an.nguyen@example.com"}
    del body["contact"]
    response = call(backoffice, "POST", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "order_not_found")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": "binh.tran@example.com"}, "body"),  # two proofs
        ({"contact": None}, "body"),  # none
        ({"contact": "not a contact"}, "body.contact"),
        ({"channel": "whatsapp"}, "body.channel"),
        ({"language": "fr"}, "body.language"),
        ({"order_id": "10002"}, "body.order_id"),
        ({"conversation_id": ""}, "body.conversation_id"),
        ({"conversation_id": "x" * 201}, "body.conversation_id"),
        ({"conversation_id": "line\nbreak"}, "body.conversation_id"),
        ({"extra": 1}, "body.extra"),
    ],
)
def test_invalid_subscriptions_are_422_naming_the_field(
    backoffice: Backoffice, change: dict[str, Any], field: str
) -> None:
    response = call(backoffice, "POST", json={**BINH, **change})
    assert response.status_code == 422, response.text
    fields = [detail["field"] for detail in response.json()["error"]["details"]]
    assert field in fields, fields
    assert subscriptions(backoffice) == []


@pytest.mark.parametrize(
    "params", [{}, {"conversation_id": ""}, {"conversation_id": "c", "order_id": "nope"}]
)
def test_unsubscribe_needs_a_conversation(backoffice: Backoffice, params: dict[str, str]) -> None:
    assert call(backoffice, "DELETE", params=params).status_code == 422
