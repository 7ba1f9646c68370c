"""OrdersClient against the real back office, plus local fakes for the failures it must survive."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from actions.clients.orders import (
    LOCKED,
    NOT_VERIFIED,
    VERIFIED,
    Address,
    InvalidRequest,
    Invoice,
    Order,
    OrderNotFound,
    OrdersClient,
    OrderSystemUnavailable,
    Refund,
    RuleViolation,
    Shipment,
    TrackingEvent,
    Verification,
)
from devstack.backoffice import Backoffice, running_backoffice
from devstack.processes import free_port
from tests.support.http_fakes import FakeServer, Reply, Seen, fake_http_server

AN = "an.nguyen@example.com"
BINH = "binh.tran@example.com"
CHI = "chi.le@example.com"
DUNG = "dung.pham@example.com"
NEW_ADDRESS = Address(
    recipient="Trần Thị Bình",
    phone="0903 111 222",
    line1="88 Lê Lai",
    ward="Phường Bến Thành",
    province="Thành phố Hồ Chí Minh",
)


@pytest.fixture
def client(backoffice: Backoffice) -> Iterator[OrdersClient]:
    with OrdersClient(
        backoffice.base_url, backoffice.api_key, timeout=5, retries=2, backoff=0.01
    ) as client:
        yield client


def fake_client(server: FakeServer, timeout: float = 2.0, retries: int = 2) -> OrdersClient:
    return OrdersClient(server.base_url, "key", timeout=timeout, retries=retries, backoff=0.01)


def order_status(backoffice: Backoffice, order_id: str) -> str:
    with backoffice.engine.connect() as connection:
        return str(
            connection.execute(
                text("SELECT status FROM orders WHERE id = :id"), {"id": order_id}
            ).scalar_one()
        )


def refund_count(backoffice: Backoffice, order_id: str) -> int:
    with backoffice.engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM refunds WHERE order_id = :id"), {"id": order_id}
            ).scalar_one()
        )


# -- happy paths against the real service ----------------------------------------------------


def test_get_order_returns_typed_results(client: OrdersClient) -> None:
    order = client.get_order("ORD-10001", "+84 912 345 678")
    assert isinstance(order, Order)
    assert order.status == "shipped" and order.id == "ORD-10001"
    assert isinstance(order.placed_at, datetime) and order.placed_at.tzinfo is not None
    assert order.items and order.total_vnd > 0
    assert isinstance(order.shipping_address, Address)
    assert isinstance(order.shipment, Shipment)
    assert order.shipment.tracking_number == "GHN123456789VN"
    assert isinstance(order.shipment.expected_delivery, date)
    assert all(isinstance(e, TrackingEvent) for e in order.shipment.events)
    assert not order.cancellable and not order.returnable
    assert "912" not in repr(order.shipping_address)  # phone kept out of reprs


@pytest.mark.parametrize("typed", [" ord-10003 ", "ORD10003", "ord 10003"])
def test_order_ids_are_forgiving_about_how_people_type_them(
    client: OrdersClient, typed: str
) -> None:
    assert client.get_order(typed, CHI).id == "ORD-10003"
    assert client.verify(typed, CHI, "rest:typist").verified


def test_verify(client: OrdersClient) -> None:
    assert client.verify("ORD-10002", "0903.111.222", "rest:a") == Verification(VERIFIED)
    assert client.verify("ORD-10002", AN, "rest:b") == Verification(NOT_VERIFIED, 2)
    assert client.verify("ORD-99999", AN, "rest:b") == Verification(NOT_VERIFIED, 2)
    with pytest.raises(InvalidRequest):
        client.verify("ORD-10002", "not a contact", "rest:c")


def test_verify_reads_a_lock_and_until_when(client: OrdersClient) -> None:
    for n in range(2):
        client.verify("ORD-10002", f"guess{n}@example.com", "rest:guesser")
    locked = client.verify("ORD-10002", "guess3@example.com", "rest:guesser")
    assert locked.status == LOCKED and not locked.verified
    assert locked.locked_until is not None and locked.locked_until > datetime.now(timezone.utc)
    assert client.verify("ORD-10002", "0903.111.222", "rest:owner").status == LOCKED


@pytest.mark.parametrize(
    "body",
    [
        {"status": "maybe", "verified": True},
        {"status": "locked", "verified": False},  # a lock must say until when
        {"status": "not_verified", "verified": False, "attempts_left": "2"},
        {"verified": True},  # the answer before limits existed: not enough any more
    ],
)
def test_verify_answers_of_another_shape_mean_the_system_is_broken(body: dict[str, Any]) -> None:
    with (
        fake_http_server(lambda seen: Reply(200, json.dumps(body))) as server,
        pytest.raises(OrderSystemUnavailable),
    ):
        fake_client(server).verify("ORD-10001", AN, "rest:x")


@pytest.mark.parametrize(("order_id", "contact"), [("ORD-10001", BINH), ("ORD-99999", AN)])
def test_unknown_order_or_wrong_contact(client: OrdersClient, order_id: str, contact: str) -> None:
    with pytest.raises(OrderNotFound):
        client.get_order(order_id, contact)


@pytest.mark.parametrize(
    "order_id", ["ORD-1", "ORD-12345678901", "12345", "../health", "ORD-10001/cancel", ""]
)
def test_malformed_order_ids_are_invalid_requests(client: OrdersClient, order_id: str) -> None:
    with pytest.raises(InvalidRequest):
        client.get_order(order_id, AN)


@pytest.mark.parametrize("contact", ["an.nguyễn@example.com", "a\r\nX-API-Key: x", ""])
def test_contacts_that_cannot_travel_in_a_header_are_invalid(
    client: OrdersClient, contact: str
) -> None:
    with pytest.raises(InvalidRequest):
        client.get_order("ORD-10001", contact)


def test_cancel_then_refund(client: OrdersClient, backoffice: Backoffice) -> None:
    assert client.get_refund("ORD-10002", BINH) is None
    order = client.cancel("ORD-10002", BINH, reason="đặt nhầm")
    assert order.status == "cancelled" and not order.cancellable
    refund = client.get_refund("ORD-10002", BINH)
    assert isinstance(refund, Refund)
    assert refund.amount_vnd == order.total_vnd and refund.status == "requested"
    assert client.cancel("ORD-10002", BINH).status == "cancelled"  # idempotent
    assert refund_count(backoffice, "ORD-10002") == 1


def test_cancel_refused_by_the_rules(client: OrdersClient) -> None:
    with pytest.raises(RuleViolation) as caught:
        client.cancel("ORD-10001", AN)
    assert caught.value.code == "not_cancellable"
    assert caught.value.details == {"status": "shipped"}


def test_change_shipping_address(client: OrdersClient) -> None:
    order = client.change_shipping_address("ORD-10002", BINH, NEW_ADDRESS)
    assert order.shipping_address == replace(NEW_ADDRESS, phone="+84903111222")
    with pytest.raises(RuleViolation) as caught:
        client.change_shipping_address("ORD-10001", AN, NEW_ADDRESS)
    assert caught.value.code == "not_readdressable"
    with pytest.raises(InvalidRequest) as invalid:
        client.change_shipping_address("ORD-10002", BINH, replace(NEW_ADDRESS, phone="12"))
    assert invalid.value.code == "invalid_request"


def test_request_return_once(client: OrdersClient) -> None:
    first = client.request_return("ORD-10003", CHI, "Loa rè", items={"JBL-FLIP6": 1})
    assert first.created and first.refund is not None
    assert [(i.sku, i.quantity) for i in first.items] == [("JBL-FLIP6", 1)]
    again = client.request_return("ORD-10003", CHI, "again")
    assert not again.created and again.id == first.id
    with pytest.raises(InvalidRequest) as invalid:
        client.request_return("ORD-10015", "oanh.phan@example.com", "x", items={"NOPE": 1})
    assert invalid.value.code == "invalid_return_items"


def test_return_refused_with_the_reason(client: OrdersClient) -> None:
    with pytest.raises(RuleViolation) as caught:
        client.request_return("ORD-10005", DUNG, "hỏng")
    assert caught.value.code == "not_returnable"
    assert caught.value.details["reason"] == "window_expired"
    assert "warranty_until" in caught.value.details


def test_invoice(client: OrdersClient, backoffice: Backoffice) -> None:
    invoice = client.get_invoice("ORD-10003", CHI)
    assert isinstance(invoice, Invoice)
    assert invoice.url.startswith(backoffice.base_url + "/invoices/")
    assert requests.get(invoice.url, timeout=5).status_code == 200
    assert client.get_invoice("ORD-10006", "em.hoang@example.com") is None


def test_health(client: OrdersClient) -> None:
    assert client.health() is True
    assert OrdersClient(f"http://127.0.0.1:{free_port()}", "k", timeout=0.5).health() is False


def test_a_wrong_key_is_an_outage_not_a_missing_order(backoffice: Backoffice) -> None:
    with (
        OrdersClient(backoffice.base_url, "wrong", timeout=5, backoff=0.01) as client,
        pytest.raises(OrderSystemUnavailable),
    ):
        client.get_order("ORD-10001", AN)


def test_configuration_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, backoffice: Backoffice
) -> None:
    monkeypatch.setenv("ORDERS_API_URL", backoffice.base_url + "/")
    monkeypatch.setenv("BACKOFFICE_API_KEY", backoffice.api_key)
    monkeypatch.setenv("ORDERS_API_TIMEOUT", "2.5")
    client = OrdersClient()
    assert (client.base_url, client.timeout) == (backoffice.base_url, 2.5)
    assert client.get_order("ORD-10004", AN).status == "cancelled"
    assert backoffice.api_key not in repr(client)
    monkeypatch.setenv("ORDERS_API_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="ORDERS_API_TIMEOUT"):
        OrdersClient()


# -- the service goes away --------------------------------------------------------------------


def test_stopped_service_is_unavailable(tmp_path: Path) -> None:
    with running_backoffice(f"sqlite:///{tmp_path / 'stop.db'}", "sqlite") as backoffice:
        client = OrdersClient(backoffice.base_url, backoffice.api_key, timeout=2, backoff=0.01)
        assert client.get_order("ORD-10002", BINH).status == "processing"
        backoffice.service.stop()
        started = time.monotonic()
        with pytest.raises(OrderSystemUnavailable):
            client.get_order("ORD-10002", BINH)
        with pytest.raises(OrderSystemUnavailable, match="unknown"):
            client.cancel("ORD-10002", BINH)
        assert time.monotonic() - started < 5


# -- local fakes: slow, failing and garbage answers --------------------------------------------


@pytest.fixture(scope="module")
def real_order_json(backoffice_server: Backoffice) -> dict[str, Any]:
    """A genuine order body from the real service, for fakes that must answer correctly."""
    backoffice_server.reset()
    response = requests.get(
        f"{backoffice_server.base_url}/api/v1/orders/ORD-10002",
        headers={"X-API-Key": backoffice_server.api_key, "X-Customer-Contact": BINH},
        timeout=5,
    )
    body: dict[str, Any] = response.json()
    return body


def error_json(code: str, message: str = "x") -> str:
    return json.dumps({"error": {"code": code, "message": message}})


def test_slow_service_times_out_and_reads_are_retried() -> None:
    with fake_http_server(lambda seen: Reply(200, "{}", delay=1.5)) as server:
        client = fake_client(server, timeout=0.2, retries=2)
        started = time.monotonic()
        with pytest.raises(OrderSystemUnavailable, match="timed out"):
            client.get_order("ORD-10001", AN)
        assert time.monotonic() - started < 1.4
        # The client gives up on its third attempt after 0.2 s; on a busy machine the server
        # may only then get to reading that request, so its count is awaited, not sampled.
        deadline = time.monotonic() + 5
        while server.count("GET") < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.count("GET") == 3


def test_server_errors_are_retried_only_for_reads(real_order_json: dict[str, Any]) -> None:
    with fake_http_server(lambda seen: Reply(500, error_json("internal_error"))) as server:
        client = fake_client(server, retries=2)
        for read in (
            lambda: client.get_order("ORD-10001", AN),
            lambda: client.get_refund("ORD-10001", AN),
            lambda: client.get_invoice("ORD-10001", AN),
            lambda: client.verify("ORD-10001", AN, "rest:x"),
        ):
            before = len(server.requests)
            with pytest.raises(OrderSystemUnavailable):
                read()
            assert len(server.requests) - before == 3

        before = len(server.requests)
        with pytest.raises(OrderSystemUnavailable):
            client.change_shipping_address("ORD-10002", BINH, NEW_ADDRESS)
        with pytest.raises(OrderSystemUnavailable):
            client.request_return("ORD-10003", CHI, "x")
        assert len(server.requests) - before == 2  # one PUT, one POST: writes are never retried


def test_a_transient_error_is_recovered_by_the_retry(real_order_json: dict[str, Any]) -> None:
    def flaky(seen: Seen) -> Reply:
        if len(server.requests) == 1:
            return Reply(503, error_json("unavailable"))
        return Reply(200, json.dumps(real_order_json))

    with fake_http_server(flaky) as server:
        order = fake_client(server).get_order("ORD-10002", BINH)
        assert order.id == "ORD-10002"
        assert server.count("GET") == 2


def _mutated(real: dict[str, Any], **changes: Any) -> str:
    body = json.loads(json.dumps(real))
    for key, value in changes.items():
        if value is KeyError:
            del body[key]
        else:
            body[key] = value
    return json.dumps(body)


@pytest.mark.parametrize(
    "make_reply",
    [
        lambda real: Reply(200, "<html>maintenance</html>", content_type="text/html"),
        lambda real: Reply(200, "not json at all"),
        lambda real: Reply(200, "[1, 2, 3]"),
        lambda real: Reply(200, "null"),
        lambda real: Reply(200, _mutated(real, status=KeyError)),
        lambda real: Reply(200, _mutated(real, total_vnd="2.970.000")),
        lambda real: Reply(200, _mutated(real, total_vnd=True)),
        lambda real: Reply(200, _mutated(real, placed_at="yesterday")),
        lambda real: Reply(200, _mutated(real, placed_at="2026-01-01T10:00:00")),
        lambda real: Reply(200, _mutated(real, items={"sku": "x"})),
        lambda real: Reply(200, _mutated(real, shipping_address=None)),
        lambda real: Reply(404, "<h1>Not Found</h1>", content_type="text/html"),
        lambda real: Reply(404, error_json("not_found")),
        lambda real: Reply(401, error_json("unauthorized")),
        lambda real: Reply(418, "{}"),
    ],
)
def test_garbage_answers_mean_unavailable(
    real_order_json: dict[str, Any], make_reply: Callable[[dict[str, Any]], Reply]
) -> None:
    reply = make_reply(real_order_json)
    with fake_http_server(lambda seen: reply) as server:
        with pytest.raises(OrderSystemUnavailable):
            fake_client(server).get_order("ORD-10002", BINH)
        assert server.count("GET") == 1  # a 2xx/4xx answer is final: no retry


def test_the_fake_serves_a_parseable_order(real_order_json: dict[str, Any]) -> None:
    """Guards the garbage tests above: the unmodified body does parse."""
    with fake_http_server(lambda seen: Reply(200, json.dumps(real_order_json))) as server:
        assert fake_client(server).get_order("ORD-10002", BINH).status == "processing"


# -- cancel whose answer is lost: check before reporting ---------------------------------------


def _forward(upstream: str, seen: Seen) -> Reply:
    headers = {
        k: v
        for k, v in seen.headers.items()
        if k.lower() in ("x-api-key", "x-customer-contact", "content-type")
    }
    response = requests.request(
        seen.method, upstream + seen.path, headers=headers, data=seen.body, timeout=5
    )
    return Reply(
        response.status_code,
        response.content,
        content_type=response.headers.get("content-type", ""),
    )


def _cancel_proxy(upstream: str, forward_cancel: bool) -> Callable[[Seen], Reply]:
    """Passes everything through, but answers a cancel too late for the client's timeout
    (after forwarding it, or without forwarding it at all)."""

    def script(seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path.endswith("/cancel"):
            if not forward_cancel:
                return Reply(504, error_json("unavailable"), delay=1.5)
            late = _forward(upstream, seen)
            late.delay = 1.5
            return late
        return _forward(upstream, seen)

    return script


def test_cancel_that_times_out_but_happened_returns_the_cancelled_order(
    backoffice: Backoffice,
) -> None:
    with fake_http_server(_cancel_proxy(backoffice.base_url, forward_cancel=True)) as proxy:
        client = OrdersClient(proxy.base_url, backoffice.api_key, timeout=0.5, backoff=0.01)
        order = client.cancel("ORD-10002", BINH)
        assert order.status == "cancelled"
        assert proxy.count("POST", "/cancel") == 1  # never re-sent
        assert proxy.count("GET") >= 1  # checked before reporting
    assert order_status(backoffice, "ORD-10002") == "cancelled"
    assert refund_count(backoffice, "ORD-10002") == 1


def test_cancel_that_times_out_and_did_not_happen_is_unknown(backoffice: Backoffice) -> None:
    with fake_http_server(_cancel_proxy(backoffice.base_url, forward_cancel=False)) as proxy:
        client = OrdersClient(proxy.base_url, backoffice.api_key, timeout=0.5, backoff=0.01)
        with pytest.raises(OrderSystemUnavailable, match="unknown"):
            client.cancel("ORD-10002", BINH)
        assert proxy.count("POST", "/cancel") == 1
    assert order_status(backoffice, "ORD-10002") == "processing"


def test_cancel_that_times_out_on_a_shipped_order_is_refused(backoffice: Backoffice) -> None:
    with fake_http_server(_cancel_proxy(backoffice.base_url, forward_cancel=False)) as proxy:
        client = OrdersClient(proxy.base_url, backoffice.api_key, timeout=0.5, backoff=0.01)
        with pytest.raises(RuleViolation) as caught:
            client.cancel("ORD-10001", AN)
        assert caught.value.details == {"status": "shipped"}


def test_cancel_with_a_server_error_is_checked_too(backoffice: Backoffice) -> None:
    def script(seen: Seen) -> Reply:
        if seen.method == "POST":
            _forward(backoffice.base_url, seen)  # it happened, but the answer is a 502
            return Reply(502, "<html>bad gateway</html>", content_type="text/html")
        return _forward(backoffice.base_url, seen)

    with fake_http_server(script) as proxy:
        client = OrdersClient(proxy.base_url, backoffice.api_key, timeout=2, backoff=0.01)
        assert client.cancel("ORD-10002", BINH).status == "cancelled"
        assert proxy.count("POST") == 1


def test_cancel_unknown_when_the_check_fails_as_well() -> None:
    with fake_http_server(lambda seen: Reply(200, "{}", delay=1.0)) as server:
        with pytest.raises(OrderSystemUnavailable, match="unknown"):
            fake_client(server, timeout=0.2, retries=1).cancel("ORD-10002", BINH)
        assert server.count("POST") == 1


# -- privacy ----------------------------------------------------------------------------------


def test_contacts_never_reach_the_logs(
    caplog: pytest.LogCaptureFixture, client: OrdersClient, backoffice: Backoffice
) -> None:
    caplog.set_level(logging.DEBUG)
    client.get_order("ORD-10001", "+84 912 345 678")
    client.verify("ORD-10002", BINH, "rest:x")
    with pytest.raises(OrderNotFound):
        client.get_order("ORD-10001", BINH)
    with (
        OrdersClient(f"http://127.0.0.1:{free_port()}", "k", timeout=0.3, backoff=0.01) as down,
        pytest.raises(OrderSystemUnavailable),
    ):
        down.cancel("ORD-10002", BINH)
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for secret in ("912 345 678", "912345678", "binh.tran", "an.nguyen", backoffice.api_key):
        assert secret not in logged
