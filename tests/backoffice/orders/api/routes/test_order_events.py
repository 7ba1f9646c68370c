"""Order events over real HTTP against a real back office (SQLite and PostgreSQL): the service
key, validation naming the field, the moves and refusals, repeats, the history the order answer
shows, and the outbox rows for the order's subscribers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from sqlalchemy import text

from devstack.backoffice import Backoffice

API = "/api/v1/orders"
SUBSCRIPTIONS = "/api/v1/order-subscriptions"
VIETNAM = timezone(timedelta(hours=7))


def in_days(days: int) -> str:
    return (datetime.now(VIETNAM).date() + timedelta(days=days)).isoformat()


def post_event(
    bo: Backoffice, order_id: str, body: dict[str, Any], key: str | None = None
) -> requests.Response:
    headers = {"X-API-Key": bo.api_key if key is None else key}
    return requests.post(
        f"{bo.base_url}{API}/{order_id}/events", json=body, headers=headers, timeout=10
    )


def rows(bo: Backoffice, sql: str) -> list[tuple[Any, ...]]:
    with bo.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def written(bo: Backoffice) -> dict[str, list[tuple[Any, ...]]]:
    """What an event could write."""
    return {
        "orders": rows(bo, "SELECT id, status, updated_at FROM orders ORDER BY id"),
        "shipments": rows(
            bo,
            "SELECT order_id, carrier, tracking_number, status, expected_delivery, delivered_at "
            "FROM shipments ORDER BY order_id",
        ),
        "history": rows(bo, "SELECT id FROM order_history"),
        "outbox": rows(bo, "SELECT id FROM order_events_outbox"),
    }


def error_of(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize("key", ["", "wrong-key"])
def test_the_service_key_is_required(backoffice: Backoffice, key: str) -> None:
    before = written(backoffice)
    headers = {"X-API-Key": key} if key else {}
    response = requests.post(
        f"{backoffice.base_url}{API}/ORD-10002/events",
        json={"type": "packed"},
        headers=headers,
        timeout=10,
    )
    assert error_of(response, 401)["code"] == "unauthorized"
    assert written(backoffice) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "lost"}, "body.type"),
        ({}, "body.type"),
        ({"type": "delayed", "expected_delivery": "2026-02-30"}, "body.expected_delivery"),
        ({"type": "delayed", "expected_delivery": "07/03/2026"}, "body.expected_delivery"),
        ({"type": "delayed", "expected_delivery": 20260307}, "body.expected_delivery"),
        ({"type": "delayed", "note": "x" * 501}, "body.note"),
        ({"type": "delayed", "note": "bad\x00note"}, "body.note"),
        ({"type": "delayed", "carrier": "GHN"}, "body.carrier"),
        ({"type": "out_for_delivery", "tracking_number": "GHN1234567"}, "body.tracking_number"),
        ({"type": "shipped", "tracking_number": "no spaces allowed"}, "body.tracking_number"),
        ({"type": "delivered", "expected_delivery": "2099-01-01"}, "body.expected_delivery"),
        ({"type": "packed", "event_id": "has space"}, "body.event_id"),
        ({"type": "packed", "event_id": "x" * 101}, "body.event_id"),
        ({"type": "packed", "source": "customer"}, "body.source"),
        ({"type": "packed", "status": "shipped"}, "body.status"),
        ({"type": "delayed", "expected_delivery": "2000-01-01"}, "body.expected_delivery"),
    ],
)
def test_invalid_events_are_refused_naming_the_field(
    backoffice: Backoffice, body: dict[str, Any], field: str
) -> None:
    before = written(backoffice)
    error = error_of(post_event(backoffice, "ORD-10001", body), 422)
    assert error["code"] == "invalid_request"
    assert field in [detail["field"] for detail in error["details"]], error
    assert written(backoffice) == before


def test_an_unknown_order_is_404(backoffice: Backoffice) -> None:
    error = error_of(post_event(backoffice, "ORD-99999", {"type": "packed"}), 404)
    assert error["code"] == "order_not_found"


def test_a_processing_order_ships_and_a_retry_is_a_no_op(backoffice: Backoffice) -> None:
    shipped = {
        "type": "shipped",
        "event_id": "oms-2026-0001",
        "carrier": "GHN",
        "tracking_number": "GHN000111222VN",
        "expected_delivery": in_days(2),
        "note": "Đã bàn giao cho GHN",
    }
    first = post_event(backoffice, "ORD-10002", shipped)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["id"], body["status"], body["repeated"]) == ("ORD-10002", "shipped", False)
    assert body["cancellable"] is False
    assert body["shipment"]["tracking_number"] == "GHN000111222VN"
    assert body["shipment"]["expected_delivery"] == in_days(2)
    event = body["event"]
    assert {k: event[k] for k in ("type", "event_id", "status_before", "status_after")} == {
        "type": "shipped",
        "event_id": "oms-2026-0001",
        "status_before": "processing",
        "status_after": "shipped",
    }
    assert body["history"] == [event]

    before = written(backoffice)
    again = post_event(backoffice, "ORD-10002", shipped)
    assert again.status_code == 200
    assert again.json()["repeated"] is True
    assert again.json()["event"] == event
    assert written(backoffice) == before


def test_the_order_answer_shows_the_history(backoffice: Backoffice) -> None:
    assert post_event(backoffice, "ORD-10001", {"type": "out_for_delivery"}).status_code == 200
    delayed = {"type": "delayed", "expected_delivery": in_days(3), "source": "carrier"}
    assert post_event(backoffice, "ORD-10001", delayed).status_code == 200
    response = requests.get(
        f"{backoffice.base_url}{API}/ORD-10001",
        headers={"X-API-Key": backoffice.api_key, "X-Customer-Contact": "0912 345 678"},
        timeout=10,
    )
    assert response.status_code == 200
    order = response.json()
    assert order["shipment"]["expected_delivery"] == in_days(3)
    history = order["history"]
    assert [(h["type"], h["source"], h["expected_delivery"]) for h in history] == [
        ("out_for_delivery", "order_system", None),
        ("delayed", "carrier", in_days(3)),
    ]
    assert set(history[0]) == {
        "type",
        "event_id",
        "status_before",
        "status_after",
        "note",
        "expected_delivery",
        "carrier",
        "tracking_number",
        "source",
        "created_at",
    }


@pytest.mark.parametrize(
    ("order_id", "body", "code", "status"),
    [
        ("ORD-10003", {"type": "shipped"}, "illegal_transition", "delivered"),
        ("ORD-10006", {"type": "delivered"}, "illegal_transition", "pending"),
        ("ORD-10001", {"type": "cancelled"}, "not_cancellable", "shipped"),
        ("ORD-10004", {"type": "delayed"}, "illegal_transition", "cancelled"),
    ],
)
def test_an_impossible_event_is_409_with_nothing_written(
    backoffice: Backoffice, order_id: str, body: dict[str, Any], code: str, status: str
) -> None:
    before = written(backoffice)
    error = error_of(post_event(backoffice, order_id, body), 409)
    assert error["code"] == code
    assert error["details"]["status"] == status
    assert written(backoffice) == before


def test_a_reused_event_id_is_409(backoffice: Backoffice) -> None:
    assert post_event(backoffice, "ORD-10001", {"type": "packed", "event_id": "a1"}).ok
    error = error_of(
        post_event(backoffice, "ORD-10001", {"type": "delayed", "event_id": "a1"}), 409
    )
    assert error["code"] == "event_id_reused"


def test_subscribers_get_an_outbox_row_per_event(backoffice: Backoffice) -> None:
    subscribe = {
        "order_id": "ORD-10002",
        "conversation_id": "widget-4f0c",
        "channel": "socketio",
        "language": "vi",
        "contact": "binh.tran@example.com",
    }
    response = requests.post(
        backoffice.base_url + SUBSCRIPTIONS,
        json=subscribe,
        headers={"X-API-Key": backoffice.api_key},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    for body in (
        {"type": "packed", "event_id": "p1"},
        {"type": "shipped", "event_id": "s1", "carrier": "GHN", "tracking_number": "GHN7770001VN"},
        {"type": "shipped", "event_id": "s1", "carrier": "GHN", "tracking_number": "GHN7770001VN"},
        {"type": "delayed", "event_id": "d1", "expected_delivery": in_days(4)},
    ):
        assert post_event(backoffice, "ORD-10002", body).status_code == 200
    assert error_of(post_event(backoffice, "ORD-10002", {"type": "cancelled"}), 409)
    outbox = rows(
        backoffice,
        "SELECT o.conversation_id, o.channel, o.language, h.type, o.state "
        "FROM order_events_outbox o JOIN order_history h ON h.id = o.history_id ORDER BY o.id",
    )
    assert [row[:4] for row in outbox] == [
        ("widget-4f0c", "socketio", "vi", "packed"),
        ("widget-4f0c", "socketio", "vi", "shipped"),
        ("widget-4f0c", "socketio", "vi", "delayed"),
    ]
    # Open: no Rasa answers this back office, so its delivery worker defers them.
    assert {row[4] for row in outbox} <= {"pending", "deferred"}
