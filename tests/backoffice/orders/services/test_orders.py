"""The order rules in-process, against a real (temporary) SQLite database and a fixed clock."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.core.config import DEFAULT_KNOWLEDGE_FILE
from backoffice.core.db import make_engine, make_session_factory
from backoffice.core.transitions import IllegalTransitionError
from backoffice.orders.models import Order, Refund, ReturnRequest
from backoffice.orders.policies import Knowledge, Policies, load_knowledge
from backoffice.orders.services.orders import (
    InvalidReturnItemsError,
    InvoiceNotFoundError,
    NewAddress,
    OrderNotFoundError,
    OrderService,
    ReturnLine,
    RuleViolationError,
    add_months,
    add_working_days,
    evaluate_rules,
)
from tests.backoffice.orders.services.conftest import SEEDED_AT

# A Friday, 10:00 in Hà Nội: refund due dates cross a weekend.
NOW = SEEDED_AT
AN = "an.nguyen@example.com"
BINH = "binh.tran@example.com"
CHI = "chi.le@example.com"


@pytest.fixture
def knowledge() -> Knowledge:
    return load_knowledge(DEFAULT_KNOWLEDGE_FILE)


@pytest.fixture
def engine(tmp_path: Path, seeded_orders_template: Path) -> Iterator[Engine]:
    """A copy of the conftest's demo database, seeded at SEEDED_AT (this module's NOW)."""
    database = tmp_path / "orders.db"
    shutil.copyfile(seeded_orders_template, database)
    engine = make_engine(f"sqlite:///{database}")
    yield engine
    engine.dispose()


@pytest.fixture
def service_for(engine: Engine, knowledge: Knowledge) -> Iterator[Callable[..., OrderService]]:
    """Build services on fresh sessions: `service_for(policies=..., now=...)`."""
    sessions: list[Session] = []

    def build(policies: Policies | None = None, now: datetime = NOW) -> OrderService:
        session = make_session_factory(engine)()
        sessions.append(session)
        return OrderService(
            session, policies or knowledge.policies, clock=lambda: now, shop_tz=knowledge.tz()
        )

    yield build
    for session in sessions:
        session.close()


@contextmanager
def fresh_session(engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as session:
        yield session


def refunds_for(engine: Engine, order_id: str) -> list[Refund]:
    with fresh_session(engine) as session:
        return list(session.execute(select(Refund).where(Refund.order_id == order_id)).scalars())


def status_of(engine: Engine, order_id: str) -> str:
    with fresh_session(engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        return str(order.status)


# -- pure helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1 working day = Monday
        (date(2026, 3, 6), 5, date(2026, 3, 13)),
        (date(2026, 3, 6), 7, date(2026, 3, 17)),
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # from a Saturday
        (date(2026, 3, 9), 0, date(2026, 3, 9)),
    ],
)
def test_add_working_days_skips_weekends(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    moment = datetime(2025, 1, 31, 12, tzinfo=timezone.utc)
    assert add_months(moment, 1) == datetime(2025, 2, 28, 12, tzinfo=timezone.utc)
    assert add_months(moment, 12) == datetime(2026, 1, 31, 12, tzinfo=timezone.utc)
    assert add_months(datetime(2024, 3, 31, tzinfo=timezone.utc), -1).day == 29


# -- who may see an order ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "contact", [AN, " AN.NGUYEN@EXAMPLE.COM", "0912345678", "+84 912 345 678", "84-912-345-678"]
)
def test_contacts_are_compared_normalised(
    service_for: Callable[..., OrderService], contact: str
) -> None:
    service = service_for()
    assert service.verify("ORD-10001", contact)
    assert service.get_order("ORD-10001", contact).id == "ORD-10001"


@pytest.mark.parametrize(
    ("order_id", "contact"),
    [
        ("ORD-10001", BINH),
        ("ORD-10001", None),
        ("ORD-10001", ""),
        ("ORD-10001", "0912345679"),
        ("ORD-10001", "an.nguyen"),
        ("ORD-99999", AN),
    ],
)
def test_wrong_contact_and_missing_order_are_the_same_error(
    service_for: Callable[..., OrderService], order_id: str, contact: str | None
) -> None:
    service = service_for()
    with pytest.raises(OrderNotFoundError) as caught:
        service.get_order(order_id, contact)
    assert (caught.value.status_code, caught.value.code, caught.value.message) == (
        404,
        "order_not_found",
        OrderNotFoundError.message,
    )
    assert caught.value.details is None
    assert service.verify(order_id, contact or "") is False


def test_a_yes_or_no_costs_one_query_whether_or_not_the_order_is_theirs(
    service_for: Callable[..., OrderService], engine: Engine
) -> None:
    """Verification answers only whether the contact owns the order: loading the order's
    details too cost seven more queries on every order turn, and made a match slower than a
    miss."""
    service = service_for()
    statements: list[str] = []

    def count(*args: object) -> None:
        if str(args[2]).startswith("SELECT"):
            statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        for contact in (AN, BINH):
            statements.clear()
            service.verify("ORD-10001", contact)
            assert len(statements) == 1, statements
        statements.clear()
        service.get_order("ORD-10001", AN)
        assert len(statements) > 1  # the answer's details are loaded with the order
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_customer_sees_each_of_their_orders(service_for: Callable[..., OrderService]) -> None:
    service = service_for()
    assert {service.get_order(o, AN).status for o in ("ORD-10001", "ORD-10004")} == {
        "shipped",
        "cancelled",
    }


# -- rules come from the policies --------------------------------------------------------------


def test_rules_for_the_demo_orders(
    service_for: Callable[..., OrderService], knowledge: Knowledge
) -> None:
    service = service_for()
    rules = {
        order_id: service.rules(service.get_order(order_id, contact))
        for order_id, contact in [
            ("ORD-10001", AN),
            ("ORD-10002", BINH),
            ("ORD-10003", CHI),
            ("ORD-10004", AN),
            ("ORD-10005", "dung.pham@example.com"),
        ]
    }
    assert [
        (r.cancellable, r.readdressable, r.returnable, r.not_returnable_reason)
        for r in rules.values()
    ] == [
        (False, False, False, "not_delivered"),
        (True, True, False, "not_delivered"),
        (False, False, True, None),
        (False, False, False, "cancelled"),
        (False, False, False, "window_expired"),
    ]
    ord5 = rules["ORD-10005"]
    assert ord5.warranty_until is not None and ord5.warranty_until > NOW
    assert ord5.return_deadline is not None and ord5.return_deadline < NOW
    window = timedelta(days=knowledge.policies.return_window_days)
    assert rules["ORD-10003"].return_deadline == NOW - timedelta(days=5) + window


def test_cancellable_statuses_are_read_from_the_policies(
    service_for: Callable[..., OrderService], knowledge: Knowledge, engine: Engine
) -> None:
    strict = knowledge.policies.copy(update={"cancellable_statuses": ("pending",)})
    with pytest.raises(IllegalTransitionError) as caught:
        service_for(strict).cancel("ORD-10002", BINH)
    assert caught.value.status_code == 409
    assert caught.value.code == "not_cancellable"
    assert caught.value.details == {"status": "processing"}
    assert status_of(engine, "ORD-10002") == "processing"

    lenient = knowledge.policies.copy(
        update={"cancellable_statuses": ("pending", "processing", "shipped")}
    )
    assert service_for(lenient).cancel("ORD-10001", AN).status == "cancelled"


def test_readdressable_statuses_are_read_from_the_policies(
    service_for: Callable[..., OrderService], knowledge: Knowledge
) -> None:
    address = NewAddress(
        "Lê Minh Chi", "+84987654321", "1 Bạch Đằng", "Phường Tân Sơn Hòa", "Thành phố Hồ Chí Minh"
    )
    strict = knowledge.policies.copy(update={"readdressable_statuses": ("pending",)})
    with pytest.raises(RuleViolationError) as caught:
        service_for(strict).change_address("ORD-10002", BINH, address)
    assert caught.value.code == "not_readdressable"
    changed = service_for().change_address("ORD-10002", BINH, address)
    assert changed.shipping_address.line1 == "1 Bạch Đằng"


def test_return_window_boundary(
    service_for: Callable[..., OrderService], knowledge: Knowledge
) -> None:
    delivered = NOW - timedelta(days=5)
    deadline = delivered + timedelta(days=knowledge.policies.return_window_days)
    at_deadline = service_for(now=deadline)
    assert at_deadline.rules(at_deadline.get_order("ORD-10003", CHI)).returnable
    late = service_for(now=deadline + timedelta(seconds=1))
    with pytest.raises(RuleViolationError) as caught:
        late.request_return("ORD-10003", CHI, "too late")
    assert caught.value.details["reason"] == "window_expired"


def test_policies_are_read_from_the_knowledge_file(
    tmp_path: Path, service_for: Callable[..., OrderService], engine: Engine
) -> None:
    raw = yaml.safe_load(DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    raw["policies"]["return_window_days"] = 3
    raw["policies"]["cancellation_fee_vnd"] = 50_000
    edited = tmp_path / "store.yml"
    edited.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    policies = load_knowledge(edited).policies
    assert (policies.return_window_days, policies.cancellation_fee_vnd) == (3, 50_000)

    service = service_for(policies)
    with pytest.raises(RuleViolationError) as caught:
        service.request_return("ORD-10003", CHI, "delivered 5 days ago")
    assert caught.value.details["reason"] == "window_expired"

    order = service_for(policies).cancel("ORD-10002", BINH)
    assert order.refund.amount_vnd == order.total_vnd - 50_000


def test_a_fee_that_eats_the_whole_amount_creates_no_refund(
    service_for: Callable[..., OrderService], knowledge: Knowledge, engine: Engine
) -> None:
    policies = knowledge.policies.copy(update={"cancellation_fee_vnd": 10**9})
    assert service_for(policies).cancel("ORD-10002", BINH).status == "cancelled"
    assert refunds_for(engine, "ORD-10002") == []


# -- cancel -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_id", "contact", "method", "due"),
    [
        ("ORD-10002", BINH, "zalopay", date(2026, 3, 9)),  # wallet: 3 calendar days
        ("ORD-10008", "ha.dang@example.com", "vnpay", date(2026, 3, 9)),
        ("ORD-10010", "khanh.do@example.com", "card", date(2026, 3, 17)),  # 7 working days
    ],
)
def test_cancel_refunds_online_payments_with_the_policy_due_date(
    service_for: Callable[..., OrderService],
    engine: Engine,
    order_id: str,
    contact: str,
    method: str,
    due: date,
) -> None:
    order = service_for().cancel(order_id, contact, "changed my mind")
    assert order.status == "cancelled" and order.cancelled_at == NOW
    assert order.cancel_reason == "changed my mind"
    [refund] = refunds_for(engine, order_id)
    assert (refund.method, refund.expected_by, refund.status) == (method, due, "requested")
    assert refund.amount_vnd == order.total_vnd
    assert refund.requested_at == NOW


def test_cancel_twice_refunds_once(
    service_for: Callable[..., OrderService], engine: Engine
) -> None:
    service_for().cancel("ORD-10002", BINH)
    later = service_for(now=NOW + timedelta(hours=1)).cancel("ORD-10002", BINH)
    assert later.cancelled_at == NOW  # untouched by the repeat
    assert len(refunds_for(engine, "ORD-10002")) == 1


def test_cash_on_delivery_cancel_has_nothing_to_refund(
    service_for: Callable[..., OrderService], engine: Engine
) -> None:
    assert service_for().cancel("ORD-10009", "huy.bui@example.com").status == "cancelled"
    assert refunds_for(engine, "ORD-10009") == []


def test_concurrent_cancels_serialise(
    engine: Engine, knowledge: Knowledge, service_for: Callable[..., OrderService]
) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def cancel() -> None:
        service = service_for()
        barrier.wait()
        try:
            assert service.cancel("ORD-10008", "ha.dang@example.com").status == "cancelled"
        except BaseException as exc:  # collected and re-checked in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=cancel) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(refunds_for(engine, "ORD-10008")) == 1


def test_a_failed_write_leaves_nothing_behind(
    service_for: Callable[..., OrderService], engine: Engine
) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TRIGGER refunds_offline BEFORE INSERT ON refunds "
                "BEGIN SELECT RAISE(ABORT, 'refund ledger offline'); END"
            )
        )
    with pytest.raises(IntegrityError):
        service_for().cancel("ORD-10002", BINH)
    assert status_of(engine, "ORD-10002") == "processing"  # the status change was rolled back

    with pytest.raises(IntegrityError):
        service_for().request_return("ORD-10003", CHI, "broken")
    with fresh_session(engine) as session:
        assert (
            session.execute(
                select(ReturnRequest).where(ReturnRequest.order_id == "ORD-10003")
            ).first()
            is None
        )


# -- returns ----------------------------------------------------------------------------------


def test_return_creates_one_request_and_one_refund(
    service_for: Callable[..., OrderService], engine: Engine
) -> None:
    request, created = service_for().request_return("ORD-10003", CHI, "Loa bị rè")
    assert created and request.status == "requested"
    assert request.refund is not None and request.refund.method == "card"
    again, created_again = service_for().request_return("ORD-10003", CHI, "second try")
    assert not created_again and again.id == request.id and again.reason == "Loa bị rè"
    assert len(refunds_for(engine, "ORD-10003")) == 1


def test_cash_on_delivery_returns_are_refunded_by_bank_transfer(
    service_for: Callable[..., OrderService], knowledge: Knowledge
) -> None:
    wide = knowledge.policies.copy(update={"return_window_days": 60})
    request, _ = service_for(wide).request_return("ORD-10016", "phuc.trinh@example.com", "x")
    assert request.refund is not None
    assert request.refund.method == "bank_transfer"
    assert request.refund.expected_by == date(2026, 3, 13)  # 5 working days


def test_partial_return_validates_items(service_for: Callable[..., OrderService]) -> None:
    service = service_for()
    with pytest.raises(InvalidReturnItemsError) as caught:
        service.request_return(
            "ORD-10003", CHI, "x", [ReturnLine("UGREEN-C2C1M", 3), ReturnLine("NOPE", 1)]
        )
    assert caught.value.status_code == 422
    assert {d["sku"] for d in caught.value.details} == {"UGREEN-C2C1M", "NOPE"}
    request, created = service_for().request_return(
        "ORD-10003", CHI, "x", [ReturnLine("UGREEN-C2C1M", 2)]
    )
    assert created and request.refund.amount_vnd == 2 * 129_000


def test_cancelled_orders_cannot_be_returned(service_for: Callable[..., OrderService]) -> None:
    with pytest.raises(RuleViolationError) as caught:
        service_for().request_return("ORD-10004", AN, "x")
    assert caught.value.code == "not_returnable"
    assert caught.value.details["reason"] == "cancelled"


def test_evaluate_rules_without_a_shipment(
    service_for: Callable[..., OrderService], knowledge: Knowledge
) -> None:
    order = service_for().get_order("ORD-10002", BINH)
    rules = evaluate_rules(order, knowledge.policies, NOW)
    assert rules.return_deadline is None and rules.warranty_until is None


def test_unknown_invoice_token(service_for: Callable[..., OrderService]) -> None:
    with pytest.raises(InvoiceNotFoundError):
        service_for().invoice_by_token("x" * 43)
