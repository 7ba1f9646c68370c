"""The order API over real HTTP against a real back office (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from sqlalchemy import text

from backoffice.orders.policies import load_policies
from backoffice.orders.seed import ORDERS
from caredesk_rules.formatting import money
from devstack.backoffice import KNOWLEDGE_FILE, Backoffice

API = "/api/v1/orders"

# docs/contract.md demo data.
EMAIL = {
    "ORD-10001": "an.nguyen@example.com",
    "ORD-10002": "binh.tran@example.com",
    "ORD-10003": "chi.le@example.com",
    "ORD-10004": "an.nguyen@example.com",
    "ORD-10005": "dung.pham@example.com",
}
PHONE = {
    "ORD-10001": "+84 912 345 678",
    "ORD-10002": "+84 903 111 222",
    "ORD-10003": "+84 987 654 321",
    "ORD-10004": "+84 912 345 678",
    "ORD-10005": "+84 936 000 555",
}
# Other seeded orders used by the tests (see backoffice/orders/seed.py).
OTHER = {
    "ORD-10006": "em.hoang@example.com",  # pending, bank transfer not yet paid
    "ORD-10008": "ha.dang@example.com",  # processing, paid with VNPay
    "ORD-10009": "huy.bui@example.com",  # processing, cash on delivery
    "ORD-10014": "nam.ly@example.com",  # delivered, already has a return request
    "ORD-10015": "oanh.phan@example.com",  # delivered 29 days ago
    "ORD-10016": "phuc.trinh@example.com",  # delivered 31 days ago
}
CONTACT = {**EMAIL, **OTHER}

GOOD_ADDRESS = {
    "recipient": "Trần Thị Bình",
    "phone": "0903 111 222",
    "line1": "88 Lê Lai",
    "ward": "Phường Bến Thành",
    "province": "Thành phố Hồ Chí Minh",
}

# The rules the running back office applies (its KNOWLEDGE_FILE).
POLICIES = load_policies(KNOWLEDGE_FILE)


def call(
    bo: Backoffice,
    method: str,
    path: str,
    *,
    contact: str | None = None,
    key: str | None = None,
    **kwargs: Any,
) -> requests.Response:
    headers = dict(kwargs.pop("headers", {}))
    headers["X-API-Key"] = bo.api_key if key is None else key
    if contact is not None:
        headers["X-Customer-Contact"] = contact
    return requests.request(method, bo.base_url + path, headers=headers, timeout=10, **kwargs)


def order_call(
    bo: Backoffice, method: str, order_id: str, suffix: str = "", **kwargs: Any
) -> requests.Response:
    kwargs.setdefault("contact", CONTACT.get(order_id))
    return call(bo, method, f"{API}/{order_id}{suffix}", **kwargs)


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    error: dict[str, Any] = body["error"]
    return error


def snapshot(bo: Backoffice) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a write could touch, read straight from the database."""
    queries = {
        "orders": "SELECT id, status, cancel_reason, cancelled_at FROM orders ORDER BY id",
        "addresses": "SELECT order_id, recipient, phone, line1, ward, province "
        "FROM shipping_addresses ORDER BY order_id",
        "refunds": "SELECT id, order_id, status, amount_vnd FROM refunds ORDER BY id",
        "returns": "SELECT id, order_id, reason FROM return_requests ORDER BY id",
        "return_items": "SELECT id, return_request_id, sku, quantity FROM return_items ORDER BY id",
    }
    with bo.engine.connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(text(sql))]
            for name, sql in queries.items()
        }


@pytest.fixture
def unchanged(backoffice: Backoffice) -> Iterator[None]:
    """Asserts the test left the database exactly as seeded (for refused requests)."""
    before = snapshot(backoffice)
    yield
    assert snapshot(backoffice) == before


# -- public routes, auth, error envelope ------------------------------------------------------


def test_health_is_public(backoffice: Backoffice) -> None:
    response = requests.get(backoffice.base_url + "/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_schema_and_docs_are_public_in_development(backoffice: Backoffice) -> None:
    """Development settings (the default); production ones: tests/security/test_agent_sessions."""
    schema = requests.get(backoffice.base_url + "/openapi.json", timeout=5)
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/orders/verify",
        "/api/v1/orders/{order_id}",
        "/api/v1/orders/{order_id}/cancel",
        "/api/v1/orders/{order_id}/shipping-address",
        "/api/v1/orders/{order_id}/returns",
        "/api/v1/orders/{order_id}/refund",
        "/api/v1/orders/{order_id}/invoice",
        "/api/v1/orders/{order_id}/events",
        "/api/v1/order-subscriptions",
        "/invoices/{token}",
        "/health",
    ):
        assert path in paths
    assert "APIKeyHeader" in schema.json()["components"]["securitySchemes"]
    assert requests.get(backoffice.base_url + "/docs", timeout=5).status_code == 200


ENDPOINTS = [
    (
        "POST",
        f"{API}/verify",
        {"order_id": "ORD-10001", "contact": "an.nguyen@example.com", "client": "rest:t"},
    ),
    ("GET", f"{API}/ORD-10001", None),
    ("POST", f"{API}/ORD-10002/cancel", {}),
    ("PUT", f"{API}/ORD-10002/shipping-address", GOOD_ADDRESS),
    ("POST", f"{API}/ORD-10003/returns", {"reason": "broken"}),
    ("GET", f"{API}/ORD-10004/refund", None),
    ("GET", f"{API}/ORD-10003/invoice", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_api_route_needs_the_key(
    backoffice: Backoffice,
    unchanged: None,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    order_id = path.split("/")[4]
    for key in (None, "", "wrong-key", backoffice.api_key[:-1], backoffice.api_key + "x", "é"):
        headers = {"X-Customer-Contact": CONTACT.get(order_id, "an.nguyen@example.com")}
        if key is not None:
            headers["X-API-Key"] = key
        response = requests.request(
            method, backoffice.base_url + path, json=body, headers=headers, timeout=5
        )
        assert response.status_code == 401, key
        assert error_of(response)["code"] == "unauthorized"


def test_without_the_key_nothing_else_is_looked_at(backoffice: Backoffice, unchanged: None) -> None:
    """No validation feedback, no size check, no route discovery before authentication."""
    url = backoffice.base_url + API
    for method, path, kwargs in [
        ("POST", "/verify", {"data": b"{not json"}),
        ("POST", "/ORD-10003/returns", {"json": {"reason": "x" * 20_000}}),
        ("GET", "/not-an-id", {}),
        ("GET", "/../../v1/secret-admin", {}),
        ("PATCH", "/ORD-10001", {}),
    ]:
        response = requests.request(method, url + path, timeout=5, **kwargs)
        assert response.status_code == 401, (method, path)
        assert error_of(response)["code"] == "unauthorized"


def test_unknown_route_and_method_use_the_error_envelope(backoffice: Backoffice) -> None:
    missing = call(backoffice, "GET", "/api/v1/nothing-here")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"
    wrong_method = call(backoffice, "DELETE", f"{API}/ORD-10001", contact=EMAIL["ORD-10001"])
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "method_not_allowed"


# -- verify -----------------------------------------------------------------------------------


CONTACT_FORMATS = [
    "an.nguyen@example.com",
    "  An.Nguyen@Example.COM ",
    "+84 912 345 678",
    "+84912345678",
    "0912345678",
    "0912.345.678",
    "0912-345-678",
    "84912345678",
    "(+84) 912 345 678",
    "0084 912 345 678",
]


def verify(
    bo: Backoffice, order_id: str, contact: str, client: str = "rest:tests"
) -> requests.Response:
    body = {"order_id": order_id, "contact": contact, "client": client}
    return call(bo, "POST", f"{API}/verify", json=body)


VERIFIED = {"status": "verified", "verified": True, "attempts_left": None, "locked_until": None}


def test_verify_accepts_any_common_contact_format(backoffice: Backoffice) -> None:
    for contact in CONTACT_FORMATS:
        response = verify(backoffice, "ORD-10001", contact)
        assert response.status_code == 200, contact
        assert response.json() == VERIFIED, contact


def test_verify_says_false_and_nothing_else(backoffice: Backoffice) -> None:
    for n, (order_id, contact) in enumerate(
        [
            ("ORD-10001", "binh.tran@example.com"),  # another customer's email
            ("ORD-10001", "0903111222"),  # another customer's phone
            ("ORD-10002", "an.nguyen@example.com"),
            ("ORD-99999", "an.nguyen@example.com"),  # no such order
            ("ORD-10001", "an.nguyen@example.co"),
        ]
    ):
        response = verify(backoffice, order_id, contact, client=f"rest:c{n}")
        assert response.status_code == 200
        assert response.json() == {
            "status": "not_verified",
            "verified": False,
            "attempts_left": 2,
            "locked_until": None,
        }, (order_id, contact)


def test_verify_locks_an_order_and_says_until_when(backoffice: Backoffice) -> None:
    """Three failures from one conversation: locked for every conversation, and an unknown
    order locks the same way (the answer never tells whether the order exists)."""
    answers = {}
    for order_id in ("ORD-10002", "ORD-99998"):
        for n in range(3):
            answers[order_id] = verify(backoffice, order_id, f"wrong{n}@example.com").json()
    for order_id, answer in answers.items():
        assert answer["status"] == "locked" and answer["verified"] is False, order_id
        until = datetime.fromisoformat(answer["locked_until"])
        assert timedelta(minutes=25) < until - datetime.now(timezone.utc) <= timedelta(minutes=30)
    owner = verify(backoffice, "ORD-10002", EMAIL["ORD-10002"], client="socketio:someone-else")
    assert owner.json()["status"] == "locked"
    assert set(owner.json()) == set(answers["ORD-99998"])
    # Reading the order with the right contact still works for a conversation that verified it
    # before the lock: the lock stops checks, it does not hide orders from their owner.
    assert order_call(backoffice, "GET", "ORD-10002").status_code == 200


def test_verify_rejects_malformed_input(backoffice: Backoffice) -> None:
    for body in [
        {"order_id": "ORD-1", "contact": "an.nguyen@example.com"},
        {"order_id": "10001", "contact": "an.nguyen@example.com"},
        {"order_id": "ORD-10001' OR '1'='1", "contact": "an.nguyen@example.com"},
        {"order_id": "ORD-10001", "contact": "not a contact"},
        {"order_id": "ORD-10001", "contact": "' OR 1=1 --"},
        {"order_id": "ORD-10001", "contact": "x" * 300 + "@example.com"},
        {"order_id": "ORD-10001"},
        {"order_id": 10001, "contact": "an.nguyen@example.com"},
        {"order_id": "ORD-10001", "contact": ["an.nguyen@example.com"]},
        {"order_id": "ORD-10001", "contact": "an.nguyen@example.com"},  # no client
        {"order_id": "ORD-10001", "contact": "an.nguyen@example.com", "client": ""},
        {"order_id": "ORD-10001", "contact": "an.nguyen@example.com", "client": "a\nb"},
        {"order_id": "ORD-10001", "contact": "an.nguyen@example.com", "client": "x" * 201},
        {"order_id": "ORD-10001", "contact": "an.nguyen@example.com", "client": 42},
        {
            "order_id": "ORD-10001",
            "contact": "an.nguyen@example.com",
            "client": "rest:t",
            "admin": True,
        },
        ["ORD-10001", "an.nguyen@example.com"],
        "ORD-10001",
        None,
    ]:
        response = call(backoffice, "POST", f"{API}/verify", json=body)
        assert response.status_code == 422, body
        assert error_of(response)["code"] == "invalid_request"
        assert "an.nguyen" not in response.text  # input is never echoed back


# -- reading an order -------------------------------------------------------------------------


def _parse_dt(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None
    return parsed


def test_order_details_have_the_documented_shape(backoffice: Backoffice) -> None:
    response = order_call(backoffice, "GET", "ORD-10001", contact=PHONE["ORD-10001"])
    assert response.status_code == 200
    order = response.json()
    assert set(order) == {
        "id",
        "status",
        "placed_at",
        "items",
        "total_vnd",
        "payment_method",
        "shipping_address",
        "shipment",
        "cancellable",
        "readdressable",
        "returnable",
        "return_deadline",
        "warranty_until",
        "history",
    }
    assert order["history"] == []  # the seeded orders' events came before the history
    assert order["id"] == "ORD-10001" and order["status"] == "shipped"
    assert _parse_dt(order["placed_at"]) < datetime.now(timezone.utc)
    assert order["items"] and all(
        set(item) == {"sku", "name", "quantity", "unit_price_vnd"} for item in order["items"]
    )
    subtotal = sum(i["quantity"] * i["unit_price_vnd"] for i in order["items"])
    assert order["total_vnd"] >= subtotal
    assert set(order["shipping_address"]) == {
        "recipient",
        "phone",
        "line1",
        "ward",
        "province",
    }
    assert re.fullmatch(r"\+84\d{9}", order["shipping_address"]["phone"])
    shipment = order["shipment"]
    assert shipment["carrier"] == "GHN"
    assert shipment["tracking_number"] == "GHN123456789VN"
    assert date.fromisoformat(shipment["expected_delivery"]) >= date.today() - timedelta(days=1)
    assert shipment["delivered_at"] is None
    assert shipment["events"]
    times = [_parse_dt(e["at"]) for e in shipment["events"]]
    assert times == sorted(times)
    for event in shipment["events"]:
        assert event["location"] and event["description_en"] and event["description_vi"]
    assert (order["cancellable"], order["readdressable"], order["returnable"]) == (
        False,
        False,
        False,
    )
    assert order["return_deadline"] is None


@pytest.mark.parametrize(
    ("order_id", "status", "cancellable", "readdressable", "returnable"),
    [
        ("ORD-10001", "shipped", False, False, False),
        ("ORD-10002", "processing", True, True, False),
        ("ORD-10003", "delivered", False, False, True),
        ("ORD-10004", "cancelled", False, False, False),
        ("ORD-10005", "delivered", False, False, False),
    ],
)
def test_demo_orders_carry_the_flags_computed_from_the_rules(
    backoffice: Backoffice,
    order_id: str,
    status: str,
    cancellable: bool,
    readdressable: bool,
    returnable: bool,
) -> None:
    for contact in (EMAIL[order_id], PHONE[order_id]):
        order = order_call(backoffice, "GET", order_id, contact=contact).json()
        assert order["status"] == status
        assert (order["cancellable"], order["readdressable"], order["returnable"]) == (
            cancellable,
            readdressable,
            returnable,
        )


def test_return_deadline_follows_the_window_from_the_knowledge_file(
    backoffice: Backoffice,
) -> None:
    window = POLICIES.return_window_days
    order = order_call(backoffice, "GET", "ORD-10003").json()
    delivered = _parse_dt(order["shipment"]["delivered_at"])
    assert _parse_dt(order["return_deadline"]) == delivered + timedelta(days=window)
    old = order_call(backoffice, "GET", "ORD-10005").json()
    assert _parse_dt(old["return_deadline"]) < datetime.now(timezone.utc)
    assert _parse_dt(old["warranty_until"]) > datetime.now(timezone.utc)
    # The seeded edges: 29 days ago is inside a 30-day window, 31 days ago outside.
    assert order_call(backoffice, "GET", "ORD-10015").json()["returnable"] is True
    assert order_call(backoffice, "GET", "ORD-10016").json()["returnable"] is False


# -- the no-disclosure rule -------------------------------------------------------------------

NOT_PROVEN = [
    None,
    "",
    "dung.pham@example.com",  # another customer's email
    "0936 000 555",  # another customer's phone
    "binh.tran@example.co",  # near miss
    "not-a-contact",
    "' OR '1'='1",
    "binh.tran@example.com' --",
    "%",
    "a" * 4000,
]

SCOPED = [
    ("GET", "", None),
    ("POST", "/cancel", {"reason": "x"}),
    ("PUT", "/shipping-address", GOOD_ADDRESS),
    ("POST", "/returns", {"reason": "broken"}),
    ("GET", "/refund", None),
    ("GET", "/invoice", None),
]


def _comparable(response: requests.Response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}
    return response.status_code, response.content, headers


@pytest.mark.parametrize(("method", "suffix", "body"), SCOPED)
def test_without_a_matching_contact_an_order_looks_nonexistent(
    backoffice: Backoffice,
    unchanged: None,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    # Orders in every interesting state: writable, returnable, cancelled with a refund.
    for order_id in ("ORD-10002", "ORD-10003", "ORD-10004"):
        # An order that does not exist, asked with the real owner's contact.
        baseline = order_call(
            backoffice, method, "ORD-99999", suffix, contact=EMAIL[order_id], json=body
        )
        assert baseline.status_code == 404
        assert error_of(baseline)["code"] == "order_not_found"
        for contact in NOT_PROVEN:
            probe = order_call(backoffice, method, order_id, suffix, contact=contact, json=body)
            assert _comparable(probe) == _comparable(baseline), (order_id, contact)


# -- cancel -----------------------------------------------------------------------------------


def _refund_rows(bo: Backoffice, order_id: str) -> list[tuple[Any, ...]]:
    return [row for row in snapshot(bo)["refunds"] if row[1] == order_id]


def test_cancel_paid_order_creates_a_refund_per_the_policies(backoffice: Backoffice) -> None:
    before = order_call(backoffice, "GET", "ORD-10002").json()
    response = order_call(
        backoffice, "POST", "ORD-10002", "/cancel", json={"reason": "Đặt nhầm màu"}
    )
    assert response.status_code == 200
    order = response.json()
    assert order["status"] == "cancelled"
    assert order["cancellable"] is False and order["readdressable"] is False
    refund = order_call(backoffice, "GET", "ORD-10002", "/refund").json()
    fee = POLICIES.cancellation_fee_vnd
    assert refund["amount_vnd"] == before["total_vnd"] - fee
    assert refund["method"] == "zalopay"
    assert refund["status"] == "requested"
    assert re.fullmatch(r"RFD-\d+", refund["id"])
    wallet_days = POLICIES.refund_days_wallet
    requested = _parse_dt(refund["requested_at"])
    assert date.fromisoformat(refund["expected_by"]) - requested.date() <= timedelta(
        days=wallet_days + 1
    )
    with backoffice.engine.connect() as connection:
        reason = connection.execute(
            text("SELECT cancel_reason FROM orders WHERE id = 'ORD-10002'")
        ).scalar_one()
    assert reason == "Đặt nhầm màu"


def test_cancel_is_idempotent_and_never_refunds_twice(backoffice: Backoffice) -> None:
    first = order_call(backoffice, "POST", "ORD-10002", "/cancel")
    refund = order_call(backoffice, "GET", "ORD-10002", "/refund").json()
    second = order_call(backoffice, "POST", "ORD-10002", "/cancel", json={})
    assert first.status_code == second.status_code == 200
    assert second.json()["status"] == "cancelled"
    assert order_call(backoffice, "GET", "ORD-10002", "/refund").json() == refund
    assert len(_refund_rows(backoffice, "ORD-10002")) == 1


def test_cancelling_an_already_cancelled_demo_order_is_a_no_op(backoffice: Backoffice) -> None:
    before = snapshot(backoffice)
    response = order_call(backoffice, "POST", "ORD-10004", "/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert snapshot(backoffice) == before


def test_concurrent_cancels_make_exactly_one_refund(backoffice: Backoffice) -> None:
    results: list[int] = []

    def cancel() -> None:
        results.append(order_call(backoffice, "POST", "ORD-10008", "/cancel").status_code)

    threads = [threading.Thread(target=cancel) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 8
    assert len(_refund_rows(backoffice, "ORD-10008")) == 1


@pytest.mark.parametrize("order_id", ["ORD-10009", "ORD-10006"])
def test_cancel_unpaid_order_creates_no_refund(backoffice: Backoffice, order_id: str) -> None:
    response = order_call(backoffice, "POST", order_id, "/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    missing = order_call(backoffice, "GET", order_id, "/refund")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "no_refund"


@pytest.mark.parametrize(
    ("order_id", "status"), [("ORD-10001", "shipped"), ("ORD-10003", "delivered")]
)
def test_cancel_after_shipping_is_refused(
    backoffice: Backoffice, unchanged: None, order_id: str, status: str
) -> None:
    response = order_call(backoffice, "POST", order_id, "/cancel", json={"reason": "late"})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "not_cancellable"
    assert error["details"] == {"status": status}


def test_cancel_with_a_bad_body_is_refused_and_writes_nothing(
    backoffice: Backoffice, unchanged: None
) -> None:
    for body in [
        {"reason": "x" * 501},
        {"reason": 42},
        {"reason": ["a"]},
        {"reason": "ok", "refund": 10**9},
        {"reason": "nul\x00byte"},
        [],
        [["reason", "x"]],
        "cancel",
        12,
    ]:
        response = order_call(backoffice, "POST", "ORD-10002", "/cancel", json=body)
        assert response.status_code == 422, body
        assert error_of(response)["code"] == "invalid_request"


def test_cancel_with_a_body_that_is_not_json_is_refused(
    backoffice: Backoffice, unchanged: None
) -> None:
    response = order_call(
        backoffice,
        "POST",
        "ORD-10002",
        "/cancel",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_request"


# -- shipping address -------------------------------------------------------------------------


def test_change_shipping_address_before_shipping(backoffice: Backoffice) -> None:
    response = order_call(backoffice, "PUT", "ORD-10002", "/shipping-address", json=GOOD_ADDRESS)
    assert response.status_code == 200
    address = response.json()["shipping_address"]
    assert address == {**GOOD_ADDRESS, "phone": "+84903111222"}
    again = order_call(backoffice, "GET", "ORD-10002").json()["shipping_address"]
    assert again == address


def test_address_fields_are_stored_verbatim_not_interpreted(backoffice: Backoffice) -> None:
    hostile = {
        **GOOD_ADDRESS,
        "line1": "1'; DROP TABLE orders; --",
        "ward": "<script>alert(1)</script>",
    }
    response = order_call(backoffice, "PUT", "ORD-10002", "/shipping-address", json=hostile)
    assert response.status_code == 200
    assert response.json()["shipping_address"]["line1"] == hostile["line1"]
    assert len(snapshot(backoffice)["orders"]) == len(ORDERS)


def test_change_shipping_address_after_shipping_is_refused(
    backoffice: Backoffice, unchanged: None
) -> None:
    response = order_call(backoffice, "PUT", "ORD-10001", "/shipping-address", json=GOOD_ADDRESS)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "not_readdressable"
    assert error["details"] == {"status": "shipped"}


def test_change_shipping_address_validates_every_field(
    backoffice: Backoffice, unchanged: None
) -> None:
    changes: list[dict[str, Any]] = [
        {"phone": "12345"},
        {"phone": "+1 202 555 0100"},
        {"phone": 912345678},
        {"recipient": ""},
        {"recipient": "   "},
        {"recipient": "x" * 101},
        {"line1": "x" * 201},
        {"line1": "line\nbreak"},
        {"ward": None},
        {"province": ["Hà Nội"]},
        {"district": 7},
        {"district": "x" * 101},
        {"country": "VN"},
        {"line1": "a\x00b"},
        {"recipient": 10**40},
    ]
    for change in changes:
        body = {**GOOD_ADDRESS, **change}
        response = order_call(backoffice, "PUT", "ORD-10002", "/shipping-address", json=body)
        assert response.status_code == 422, change
        assert error_of(response)["code"] == "invalid_request"


def test_change_shipping_address_requires_every_field(
    backoffice: Backoffice, unchanged: None
) -> None:
    for field in ("recipient", "phone", "line1", "ward", "province"):
        body = {k: v for k, v in GOOD_ADDRESS.items() if k != field}
        response = order_call(backoffice, "PUT", "ORD-10002", "/shipping-address", json=body)
        assert response.status_code == 422
        assert error_of(response)["message"].startswith(f"body.{field}: "), field


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        # the old three-level form: the district is dropped, the province is today's name
        (
            {"ward": "Phường Bến Nghé", "district": "Quận 1", "province": "TP. Hồ Chí Minh"},
            {"ward": "Phường Bến Nghé", "province": "Thành phố Hồ Chí Minh"},
        ),
        (
            {"ward": "P. Bến Nghé", "province": "Quận 1, TP. Hồ Chí Minh"},
            {"ward": "Phường Bến Nghé", "province": "Thành phố Hồ Chí Minh"},
        ),
        (
            {"ward": "Phuong 2, Quan 5", "province": "HCM"},
            {"ward": "Phường 2", "province": "Thành phố Hồ Chí Minh"},
        ),
        # provinces merged in 2025
        (
            {
                "ward": "Phường Thắng Tam",
                "district": "TP. Vũng Tàu",
                "province": "Bà Rịa - Vũng Tàu",
            },
            {"ward": "Phường Thắng Tam", "province": "Thành phố Hồ Chí Minh"},
        ),
        (
            {"ward": "Phường Phú Hòa", "province": "Bình Dương"},
            {"ward": "Phường Phú Hòa", "province": "Thành phố Hồ Chí Minh"},
        ),
        (
            {"ward": "x. bat trang", "province": "ha noi"},
            {"ward": "Xã Bat Trang", "province": "Thành phố Hà Nội"},
        ),
        (
            {"ward": "Đặc khu Phú Quốc", "province": "Kiên Giang"},
            {"ward": "Đặc khu Phú Quốc", "province": "Tỉnh An Giang"},
        ),
    ],
)
def test_an_old_or_abbreviated_address_is_stored_in_the_two_level_form(
    backoffice: Backoffice, given: dict[str, str], stored: dict[str, str]
) -> None:
    body = {**GOOD_ADDRESS, **given}
    response = order_call(backoffice, "PUT", "ORD-10002", "/shipping-address", json=body)
    assert response.status_code == 200, response.text
    expected = {**GOOD_ADDRESS, **stored, "phone": "+84903111222"}
    assert response.json()["shipping_address"] == expected
    with backoffice.engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT recipient, phone, line1, ward, province FROM shipping_addresses "
                "WHERE order_id = 'ORD-10002'"
            )
        ).one()
    assert dict(row._mapping) == expected


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"ward": "Quận 1"}, "ward", "districts no longer exist"),
        ({"ward": "Huyện Củ Chi"}, "ward", "phường, xã or đặc khu"),
        ({"ward": "TP. Hồ Chí Minh"}, "ward", "phường, xã or đặc khu"),
        ({"ward": "Phường"}, "ward", "phường, xã or đặc khu"),
        ({"province": "Quận 1"}, "province", "34 provinces"),
        ({"province": "Atlantis"}, "province", "34 provinces"),
        ({"province": "Phường Bến Nghé, TP HCM"}, "province", "34 provinces"),
        ({"province": "ĐN"}, "province", "34 provinces"),
    ],
)
def test_an_unreadable_ward_or_province_is_refused_naming_the_field(
    backoffice: Backoffice, unchanged: None, change: dict[str, str], field: str, words: str
) -> None:
    body = {**GOOD_ADDRESS, **change}
    response = order_call(backoffice, "PUT", "ORD-10002", "/shipping-address", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_request"
    assert error["message"].startswith(f"body.{field}: ") and words in error["message"]
    assert [d["field"] for d in error["details"]] == [f"body.{field}"]


def test_the_seeded_addresses_are_in_the_two_level_form(backoffice: Backoffice) -> None:
    order = order_call(backoffice, "GET", "ORD-10001").json()
    assert order["shipping_address"] == {
        "recipient": "Nguyễn Văn An",
        "phone": "+84912345678",
        "line1": "18 Ngõ 12 Láng Hạ",
        "ward": "Phường Giảng Võ",
        "province": "Thành phố Hà Nội",
    }


# -- returns ----------------------------------------------------------------------------------


def test_return_request_is_created_once_then_returned(backoffice: Backoffice) -> None:
    order = order_call(backoffice, "GET", "ORD-10003").json()
    first = order_call(backoffice, "POST", "ORD-10003", "/returns", json={"reason": "Loa rè"})
    assert first.status_code == 201
    created = first.json()
    assert re.fullmatch(r"RET-\d+", created["id"])
    assert created["order_id"] == "ORD-10003" and created["status"] == "requested"
    assert {(i["sku"], i["quantity"]) for i in created["items"]} == {
        (i["sku"], i["quantity"]) for i in order["items"]
    }
    subtotal = sum(i["quantity"] * i["unit_price_vnd"] for i in order["items"])
    assert created["refund"]["amount_vnd"] == subtotal
    assert created["refund"]["method"] == "card"

    second = order_call(
        backoffice, "POST", "ORD-10003", "/returns", json={"reason": "something else"}
    )
    assert second.status_code == 200
    assert second.json() == created
    state = snapshot(backoffice)
    assert [r for r in state["returns"] if r[1] == "ORD-10003"] == [
        (int(created["id"][4:]), "ORD-10003", "Loa rè")
    ]
    assert len(_refund_rows(backoffice, "ORD-10003")) == 1
    assert order_call(backoffice, "GET", "ORD-10003", "/refund").json() == created["refund"]


def test_partial_return_refunds_only_those_items(backoffice: Backoffice) -> None:
    response = order_call(
        backoffice,
        "POST",
        "ORD-10003",
        "/returns",
        json={"reason": "one cable too many", "items": [{"sku": "UGREEN-C2C1M", "quantity": 1}]},
    )
    assert response.status_code == 201
    body = response.json()
    assert [(i["sku"], i["quantity"]) for i in body["items"]] == [("UGREEN-C2C1M", 1)]
    assert body["refund"]["amount_vnd"] == 129_000


def test_concurrent_return_requests_create_one(backoffice: Backoffice) -> None:
    statuses: list[int] = []
    ids: set[str] = set()

    def request_return() -> None:
        response = order_call(
            backoffice, "POST", "ORD-10015", "/returns", json={"reason": "không vừa"}
        )
        statuses.append(response.status_code)
        ids.add(response.json()["id"])

    threads = [threading.Thread(target=request_return) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [201]
    assert len(ids) == 1
    assert len([r for r in snapshot(backoffice)["returns"] if r[1] == "ORD-10015"]) == 1


def test_an_existing_return_request_is_returned(backoffice: Backoffice) -> None:
    response = order_call(backoffice, "POST", "ORD-10014", "/returns", json={"reason": "again"})
    assert response.status_code == 200
    assert response.json()["reason"] == "Router mất kết nối Wi-Fi liên tục."


@pytest.mark.parametrize(
    ("order_id", "reason", "status"),
    [
        ("ORD-10001", "not_delivered", "shipped"),
        ("ORD-10002", "not_delivered", "processing"),
        ("ORD-10004", "cancelled", "cancelled"),
        ("ORD-10005", "window_expired", "delivered"),
        ("ORD-10016", "window_expired", "delivered"),
    ],
)
def test_returns_follow_the_rules(
    backoffice: Backoffice, unchanged: None, order_id: str, reason: str, status: str
) -> None:
    response = order_call(backoffice, "POST", order_id, "/returns", json={"reason": "x"})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "not_returnable"
    assert error["details"]["reason"] == reason
    assert error["details"]["status"] == status


def test_expired_return_mentions_the_warranty(backoffice: Backoffice) -> None:
    response = order_call(backoffice, "POST", "ORD-10005", "/returns", json={"reason": "hỏng"})
    details = error_of(response)["details"]
    assert _parse_dt(details["warranty_until"]) > datetime.now(timezone.utc)


def test_return_with_bad_input_is_refused_and_writes_nothing(
    backoffice: Backoffice, unchanged: None
) -> None:
    for body in [
        {"reason": "x", "items": [{"sku": "NOPE-1", "quantity": 1}]},
        {"reason": "x", "items": [{"sku": "JBL-FLIP6", "quantity": 2}]},
        {"reason": "x", "items": [{"sku": "JBL-FLIP6", "quantity": 0}]},
        {"reason": "x", "items": [{"sku": "JBL-FLIP6", "quantity": -1}]},
        {"reason": "x", "items": [{"sku": "JBL-FLIP6", "quantity": 10**30}]},
        {"reason": "x", "items": [{"sku": "JBL-FLIP6", "quantity": "1"}]},
        {"reason": "x", "items": [{"sku": "JBL-FLIP6", "quantity": 1.5}]},
        {"reason": "x", "items": [{"sku": "JBL-FLIP6"}, {"sku": "JBL-FLIP6"}]},
        {"reason": "x", "items": []},
        {"reason": "x", "items": [{"sku": "' OR 1=1 --", "quantity": 1}]},
        {"reason": "x", "items": "JBL-FLIP6"},
        {"reason": ""},
        {"reason": "x" * 501},
        {"reason": None},
        {"reason": True},
        {},
        [],
    ]:
        response = order_call(backoffice, "POST", "ORD-10003", "/returns", json=body)
        assert response.status_code == 422, body
        assert error_of(response)["code"] in ("invalid_request", "invalid_return_items")


# -- refund and invoice -----------------------------------------------------------------------


def test_refund_of_the_cancelled_demo_order_is_pending(backoffice: Backoffice) -> None:
    response = order_call(backoffice, "GET", "ORD-10004", "/refund")
    assert response.status_code == 200
    refund = response.json()
    assert set(refund) == {"id", "status", "amount_vnd", "method", "requested_at", "expected_by"}
    assert refund["status"] in ("requested", "approved", "processing")
    assert refund["amount_vnd"] > 0
    assert date.fromisoformat(refund["expected_by"]) >= _parse_dt(refund["requested_at"]).date()


def test_no_refund_is_a_distinct_404(backoffice: Backoffice) -> None:
    response = order_call(backoffice, "GET", "ORD-10001", "/refund")
    assert response.status_code == 404
    assert error_of(response)["code"] == "no_refund"


def test_invoice_link_opens_a_public_html_page(backoffice: Backoffice) -> None:
    response = order_call(backoffice, "GET", "ORD-10003", "/invoice")
    assert response.status_code == 200
    invoice = response.json()
    assert set(invoice) == {"invoice_number", "issued_at", "total_vnd", "vat_vnd", "url"}
    assert invoice["vat_vnd"] == round(invoice["total_vnd"] * 10 / 110)
    prefix = backoffice.base_url + "/invoices/"
    assert invoice["url"].startswith(prefix)
    token = invoice["url"][len(prefix) :]
    assert len(token) >= 32 and "10003" not in token
    page = requests.get(invoice["url"], timeout=5)  # no API key: a customer's browser
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert invoice["invoice_number"] in page.text
    assert "ORD-10003" in page.text
    # Money written the one way the assistant writes it (docs/style-vi.md, rule 2).
    assert money(invoice["total_vnd"], "vi") in page.text and "₫" not in page.text


@pytest.mark.parametrize("token", ["short", "A" * 43, "../../etc/passwd", "' OR 1=1 --"])
def test_unknown_invoice_tokens_are_404(backoffice: Backoffice, token: str) -> None:
    response = requests.get(f"{backoffice.base_url}/invoices/{token}", timeout=5)
    assert response.status_code == 404
    assert response.json()["error"]["code"] in ("invoice_not_found", "not_found")


def test_pending_order_has_no_invoice_yet(backoffice: Backoffice) -> None:
    response = order_call(backoffice, "GET", "ORD-10006", "/invoice")
    assert response.status_code == 404
    assert error_of(response)["code"] == "no_invoice"


@pytest.fixture
def refunds_fail(backoffice: Backoffice) -> Iterator[None]:
    """A database-level fault in the middle of a write (the refund insert), then removed."""
    if backoffice.backend == "sqlite":
        create = [
            "CREATE TRIGGER refunds_offline BEFORE INSERT ON refunds "
            "BEGIN SELECT RAISE(ABORT, 'refund ledger offline'); END"
        ]
        drop = ["DROP TRIGGER refunds_offline"]
    else:
        create = [
            "CREATE FUNCTION refunds_offline() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refund ledger offline'; END $$",
            "CREATE TRIGGER refunds_offline BEFORE INSERT ON refunds "
            "FOR EACH ROW EXECUTE FUNCTION refunds_offline()",
        ]
        drop = ["DROP TRIGGER refunds_offline ON refunds", "DROP FUNCTION refunds_offline()"]
    with backoffice.engine.begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        yield
    finally:
        with backoffice.engine.begin() as connection:
            for statement in drop:
                connection.execute(text(statement))


def test_a_failure_mid_write_is_a_500_envelope_and_leaves_nothing_half_written(
    backoffice: Backoffice, refunds_fail: None
) -> None:
    before = snapshot(backoffice)
    response = order_call(backoffice, "POST", "ORD-10002", "/cancel")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "ledger" not in response.text  # internals stay in the server log
    assert snapshot(backoffice) == before  # the status change was rolled back with the refund
    returned = order_call(backoffice, "POST", "ORD-10003", "/returns", json={"reason": "x"})
    assert returned.status_code == 500
    assert snapshot(backoffice) == before


# -- malformed ids and oversized input --------------------------------------------------------


MALFORMED_IDS = [
    "ORD-1",
    "ord-10001",
    "ORD-10001x",
    "ORD-123456789012",
    "ORD-%2010001",
    "1%20OR%201=1",
    "ORD-10001'%20OR%20'1'='1",
    "ORD-10001;DROP%20TABLE%20orders",
    "%00",
    "ORD-" + "9" * 5000,
]


@pytest.mark.parametrize(("method", "suffix", "body"), SCOPED)
def test_malformed_order_ids_are_a_clear_4xx(
    backoffice: Backoffice,
    unchanged: None,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    for order_id in MALFORMED_IDS:
        response = call(
            backoffice,
            method,
            f"{API}/{order_id}{suffix}",
            contact="an.nguyen@example.com",
            json=body,
        )
        assert response.status_code == 422, (order_id, response.text)
        assert error_of(response)["code"] == "invalid_request"


def test_bodies_over_16_kb_are_refused(backoffice: Backoffice, unchanged: None) -> None:
    body = {"reason": "x" * 17_000}
    response = order_call(backoffice, "POST", "ORD-10003", "/returns", json=body)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_chunked_bodies_over_16_kb_are_refused(backoffice: Backoffice, unchanged: None) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"reason": "'
        for _ in range(40):
            yield b"x" * 1024
        yield b'"}'

    response = order_call(
        backoffice,
        "POST",
        "ORD-10003",
        "/returns",
        data=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_a_body_just_under_the_limit_still_gets_validated(
    backoffice: Backoffice, unchanged: None
) -> None:
    response = order_call(
        backoffice, "POST", "ORD-10003", "/returns", json={"reason": "x" * 15_000}
    )
    assert response.status_code == 422
    assert "x" * 100 not in response.text  # hostile input is not echoed back
