"""Revision 0004 rewrites stored addresses in the two-level form, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from backoffice.core import schema
from tests.backoffice.core.test_schema import differences, engine  # noqa: F401 - the fixture

revision = importlib.import_module("backoffice.migrations.versions.0004_two_level_addresses")
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
OLD_ADDRESSES = [
    # order id, line1, ward, district, province (as the old three-level form stored them)
    ("ORD-1", "45 Nguyễn Thị Minh Khai", "Phường Bến Thành", "Quận 1", "TP. Hồ Chí Minh"),
    ("ORD-2", "21 Thùy Vân", "P. Thắng Tam", "TP. Vũng Tàu", "Bà Rịa - Vũng Tàu"),
    ("ORD-3", "15 Lê Lợi", "Phường Vĩnh Ninh", "TP. Huế", "Thừa Thiên Huế"),
    ("ORD-4", "1 Đường Một", "Phường Một", "", "Atlantis"),
]


def add_old_addresses(engine: Engine) -> None:  # noqa: F811 - a parameter, not the fixture
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO customers (id, name, email, phone, created_at) "
                "VALUES (1, 'Trần Thị Bình', 'binh@example.com', '+84903111222', :now)"
            ),
            {"now": NOW},
        )
        for order_id, line1, ward, district, province in OLD_ADDRESSES:
            connection.execute(
                text(
                    "INSERT INTO orders (id, customer_id, status, placed_at, updated_at, "
                    "payment_method, subtotal_vnd, shipping_fee_vnd, total_vnd) "
                    "VALUES (:id, 1, 'processing', :now, :now, 'cod', 100000, 0, 100000)"
                ),
                {"id": order_id, "now": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO shipping_addresses (order_id, recipient, phone, line1, ward, "
                    "district, province, updated_at) VALUES (:id, 'Bình', '+84903111222', "
                    ":line1, :ward, :district, :province, :now)"
                ),
                {
                    "id": order_id,
                    "line1": line1,
                    "ward": ward,
                    "district": district,
                    "province": province,
                    "now": NOW,
                },
            )


def test_stored_addresses_are_rewritten_in_the_two_level_form(
    engine: Engine,  # noqa: F811 - the fixture
) -> None:
    schema.upgrade(engine, "0003")
    add_old_addresses(engine)
    schema.upgrade(engine)
    assert differences(engine) == []
    assert "district" not in {c["name"] for c in inspect(engine).get_columns("shipping_addresses")}
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT order_id, line1, ward, province FROM shipping_addresses ORDER BY order_id")
        ).all()
    assert [tuple(r) for r in rows] == [
        # the district stays in the street line: an old ward may need it to be found
        ("ORD-1", "45 Nguyễn Thị Minh Khai, Quận 1", "Phường Bến Thành", "Thành phố Hồ Chí Minh"),
        ("ORD-2", "21 Thùy Vân, TP. Vũng Tàu", "Phường Thắng Tam", "Thành phố Hồ Chí Minh"),
        ("ORD-3", "15 Lê Lợi, TP. Huế", "Phường Vĩnh Ninh", "Thành phố Huế"),
        ("ORD-4", "1 Đường Một", "Phường Một", "Atlantis"),  # unreadable: left as it was
    ]


def test_downgrade_brings_the_district_back_empty(engine: Engine) -> None:  # noqa: F811
    schema.upgrade(engine, "0003")
    add_old_addresses(engine)
    schema.upgrade(engine)
    schema.downgrade(engine, "0003")
    with engine.connect() as connection:
        districts = connection.execute(text("SELECT district FROM shipping_addresses")).scalars()
        assert set(districts) == {""}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            ("12 Lê Lợi", "P. Bến Nghé", "Q.1", "TP HCM"),
            {
                "line1": "12 Lê Lợi, Q.1",
                "ward": "Phường Bến Nghé",
                "province": "Thành phố Hồ Chí Minh",
            },
        ),
        (
            ("12 Lê Lợi, Quận 1", "Phường Bến Nghé", "Quận 1", "Hồ Chí Minh"),
            {
                "line1": "12 Lê Lợi, Quận 1",
                "ward": "Phường Bến Nghé",
                "province": "Thành phố Hồ Chí Minh",
            },
        ),
        (
            ("x" * 200, "Phường 1", "Huyện " + "y" * 92, "Bình Dương"),  # 300 characters
            {
                "line1": "x" * 200 + ", Huyện " + "y" * 92,
                "ward": "Phường 1",
                "province": "Thành phố Hồ Chí Minh",
            },
        ),
        (
            ("x" * 200, "Phường 1", "Huyện " + "y" * 93, "Bình Dương"),  # would not fit
            {"line1": "x" * 200, "ward": "Phường 1", "province": "Thành phố Hồ Chí Minh"},
        ),
    ],
)
def test_one_address(old: tuple[str, str, str, str], new: dict[str, str]) -> None:
    assert revision.two_level(*old) == new
