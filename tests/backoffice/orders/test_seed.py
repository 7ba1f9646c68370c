"""The demo data is a contract (docs/contract.md): other people's demos and checks rely on it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.core.config import DEFAULT_KNOWLEDGE_FILE
from backoffice.core.db import make_engine, make_session_factory
from backoffice.models import Base, clear_database
from backoffice.orders.models import Customer, Invoice, Order
from backoffice.orders.policies import Knowledge, load_knowledge
from backoffice.orders.seed import ORDERS, seed_demo_data, seed_if_empty
from backoffice.orders.services.orders import evaluate_rules
from caredesk_rules.addresses import TwoLevelAddress, parse_address
from caredesk_rules.formatting import address as written
from caredesk_rules.provinces import PROVINCES

NOW = datetime(2026, 5, 20, 2, 30, tzinfo=timezone.utc)

# docs/contract.md, "Demo data".
CONTRACT = {
    "ORD-10001": ("an.nguyen@example.com", "+84912345678", "shipped"),
    "ORD-10002": ("binh.tran@example.com", "+84903111222", "processing"),
    "ORD-10003": ("chi.le@example.com", "+84987654321", "delivered"),
    "ORD-10004": ("an.nguyen@example.com", "+84912345678", "cancelled"),
    "ORD-10005": ("dung.pham@example.com", "+84936000555", "delivered"),
}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(DEFAULT_KNOWLEDGE_FILE)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, knowledge: Knowledge) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        seed_demo_data(session, knowledge, now=NOW)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as session:
        yield session


def _order(session: Session, order_id: str) -> Order:
    order = session.get(Order, order_id)
    assert order is not None, order_id
    return order


@pytest.mark.parametrize("order_id", sorted(CONTRACT))
def test_contract_orders_are_seeded_exactly(session: Session, order_id: str) -> None:
    email, phone, status = CONTRACT[order_id]
    order = _order(session, order_id)
    assert (order.customer.email, order.customer.phone, order.status) == (email, phone, status)


def test_ord_10001_ships_with_ghn(session: Session) -> None:
    shipment = _order(session, "ORD-10001").shipment
    assert (shipment.carrier, shipment.tracking_number) == ("GHN", "GHN123456789VN")
    assert shipment.delivered_at is None and shipment.events


def test_ord_10002_can_be_cancelled_and_readdressed(session: Session, knowledge: Knowledge) -> None:
    rules = evaluate_rules(_order(session, "ORD-10002"), knowledge.policies, NOW)
    assert rules.cancellable and rules.readdressable


def test_ord_10003_is_inside_the_return_window(session: Session, knowledge: Knowledge) -> None:
    order = _order(session, "ORD-10003")
    rules = evaluate_rules(order, knowledge.policies, NOW)
    assert rules.returnable
    assert order.shipment.delivered_at > NOW - timedelta(days=10)  # "recently"


def test_ord_10004_is_cancelled_with_a_pending_refund(session: Session) -> None:
    order = _order(session, "ORD-10004")
    assert order.refund is not None
    assert order.refund.status in ("requested", "approved", "processing")
    assert order.refund.expected_by >= NOW.date()


def test_ord_10005_is_out_of_the_window_but_under_warranty(
    session: Session, knowledge: Knowledge
) -> None:
    order = _order(session, "ORD-10005")
    assert order.shipment.delivered_at == NOW - timedelta(days=90)
    rules = evaluate_rules(order, knowledge.policies, NOW)
    assert rules.not_returnable_reason == "window_expired"
    assert rules.warranty_until is not None and rules.warranty_until > NOW


def test_the_rest_of_the_shop_is_realistic(session: Session) -> None:
    orders = list(session.execute(select(Order)).scalars())
    assert 18 <= len(orders) <= 25
    assert {o.status for o in orders} == {
        "pending",
        "processing",
        "shipped",
        "delivered",
        "cancelled",
    }
    for order in orders:
        assert re.fullmatch(r"ORD-\d{5,10}", order.id)
        assert order.items
        subtotal = sum(i.quantity * i.unit_price_vnd for i in order.items)
        assert order.subtotal_vnd == subtotal
        assert order.total_vnd == subtotal + order.shipping_fee_vnd
        assert all(i.unit_price_vnd % 1000 == 0 for i in order.items)  # VND prices
        assert order.placed_at <= NOW
        assert re.fullmatch(r"\+84[35789]\d{8}", order.shipping_address.phone)
        address = order.shipping_address
        assert address.province in PROVINCES  # the two-level form, with today's provinces
        assert re.match(r"(Phường|Xã|Đặc khu) \S", address.ward)
        assert parse_address(written(address.line1, address.ward, address.province)) == (
            TwoLevelAddress(address.line1, address.ward, address.province)
        )
        if order.status in ("shipped", "delivered"):
            assert order.shipment is not None and order.shipment.events
            assert all(e.at <= NOW for e in order.shipment.events)
            assert all(e.description_en and e.description_vi for e in order.shipment.events)
        if order.status == "delivered":
            assert order.shipment.delivered_at is not None
            assert order.paid_at is not None


def test_invoice_tokens_are_unique_and_unguessable(session: Session) -> None:
    invoices = list(session.execute(select(Invoice)).scalars())
    assert len(invoices) >= 10
    tokens = [i.token for i in invoices]
    assert len(set(tokens)) == len(tokens)
    assert all(len(t) >= 40 and re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)
    assert all(i.vat_vnd == round(i.total_vnd * 10 / 110) for i in invoices)


def test_customers_have_unique_normalised_contacts(session: Session) -> None:
    customers = list(session.execute(select(Customer)).scalars())
    assert len({c.email for c in customers}) == len(customers)
    assert all(c.email == c.email.lower() for c in customers)


def test_dates_are_relative_to_the_seeding_time(knowledge: Knowledge, tmp_path: Path) -> None:
    later = NOW + timedelta(days=400)
    engine = make_engine(f"sqlite:///{tmp_path / 'later.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        seed_demo_data(session, knowledge, now=later)
        order = _order(session, "ORD-10005")
        assert order.shipment.delivered_at == later - timedelta(days=90)
    engine.dispose()


def test_seed_only_when_empty_and_reset(knowledge: Knowledge, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'once.db'}")
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    assert seed_if_empty(factory, knowledge) is True
    assert seed_if_empty(factory, knowledge) is False
    with factory() as session:
        assert session.execute(select(func.count()).select_from(Order)).scalar_one() == len(ORDERS)
    clear_database(engine)
    with factory() as session:
        assert session.execute(select(func.count()).select_from(Order)).scalar_one() == 0
    engine.dispose()


def test_demo_customers_loyalty_follows_the_programme(knowledge: Knowledge, tmp_path: Path) -> None:
    """Each tier is the one its yearly spend earns, points never exceed what was spent, and
    the demo has every tier (the chat's loyalty answers show them all)."""
    tiers = knowledge.policies.loyalty_tiers
    engine = make_engine(f"sqlite:///{tmp_path / 'loyalty.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        seed_demo_data(session, knowledge)
        customers = session.execute(select(Customer)).scalars().all()
        for customer in customers:
            earned = [t for t, spend in tiers.items() if spend <= customer.loyalty_spend_vnd]
            assert customer.loyalty_tier == earned[-1], customer.email
            assert 0 <= customer.loyalty_points <= customer.loyalty_spend_vnd // 10_000
        assert {c.loyalty_tier for c in customers} == set(tiers)
    engine.dispose()
