"""A customer's recent orders and loyalty standing over real HTTP against a real back office
(issue 12): the assistant names the customer by a contact it has proven."""

from __future__ import annotations

import pytest

from devstack.backoffice import Backoffice
from tests.backoffice.orders.api.routes.test_orders import call, error_of

API = "/api/v1/customers"
AN = "an.nguyen@example.com"  # the demo shop's signed-in customer: four orders, Gold


def test_recent_orders_newest_first_with_what_identifies_them(backoffice: Backoffice) -> None:
    response = call(backoffice, "GET", f"{API}/orders", contact=AN)
    assert response.status_code == 200
    orders = response.json()["orders"]
    # ORD-10001 and ORD-10004 were placed at the same moment: the later id comes first.
    assert [o["id"] for o in orders] == ["ORD-10004", "ORD-10001", "ORD-10021", "ORD-10022"]
    first = orders[1]
    assert first["status"] == "shipped"
    assert [i["sku"] for i in first["items"]] == ["SONY-WHCH520", "ANKER-A2633"]
    assert first["total_vnd"] > 0 and first["placed_at"].endswith(("Z", "+00:00"))
    assert set(first) == {"id", "status", "placed_at", "total_vnd", "items"}  # no address


def test_recent_orders_by_phone_and_limited(backoffice: Backoffice) -> None:
    response = call(backoffice, "GET", f"{API}/orders?limit=2", contact="0912 345 678")
    assert response.status_code == 200
    assert [o["id"] for o in response.json()["orders"]] == ["ORD-10004", "ORD-10001"]


def test_another_customer_sees_only_their_own_orders(backoffice: Backoffice) -> None:
    response = call(backoffice, "GET", f"{API}/orders", contact="binh.tran@example.com")
    assert [o["id"] for o in response.json()["orders"]] == ["ORD-10002"]


def test_an_unknown_contact_has_no_orders(backoffice: Backoffice) -> None:
    response = call(backoffice, "GET", f"{API}/orders", contact="nobody@example.com")
    assert response.status_code == 200
    assert response.json() == {"orders": []}


@pytest.mark.parametrize("limit", ["0", "11", "-1", "abc"])
def test_a_bad_limit_is_refused(backoffice: Backoffice, limit: str) -> None:
    response = call(backoffice, "GET", f"{API}/orders?limit={limit}", contact=AN)
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_request"


@pytest.mark.parametrize("path", ["/orders", "/loyalty"])
def test_the_contact_is_required_and_must_be_one(backoffice: Backoffice, path: str) -> None:
    missing = call(backoffice, "GET", API + path)
    assert missing.status_code == 422
    malformed = call(backoffice, "GET", API + path, contact="not a contact")
    assert malformed.status_code == 422
    assert error_of(malformed)["code"] == "invalid_contact"
    too_long = call(backoffice, "GET", API + path, contact="a" * 250 + "@example.com")
    assert too_long.status_code == 422


@pytest.mark.parametrize("path", ["/orders", "/loyalty"])
def test_the_service_key_is_required(backoffice: Backoffice, path: str) -> None:
    for key in ("", "wrong-key"):
        response = call(backoffice, "GET", API + path, contact=AN, key=key)
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorized"


def test_loyalty_standing_with_the_way_to_the_next_tier(backoffice: Backoffice) -> None:
    response = call(backoffice, "GET", f"{API}/loyalty", contact=AN)
    assert response.status_code == 200
    assert response.json() == {
        "tier": "gold",
        "points": 1240,
        "points_value_vnd": 124_000,  # 100 points = 10.000đ (knowledge/store.yml)
        "year_spend_vnd": 18_400_000,
        "next_tier": "diamond",
        "next_tier_spend_vnd": 21_600_000,  # Diamond from 40.000.000đ a year
    }


def test_the_top_tier_has_no_next_one(backoffice: Backoffice) -> None:
    response = call(backoffice, "GET", f"{API}/loyalty", contact="+84 936 000 555")
    body = response.json()
    assert (body["tier"], body["next_tier"], body["next_tier_spend_vnd"]) == ("diamond", None, None)


def test_an_unknown_contact_has_no_standing(backoffice: Backoffice) -> None:
    response = call(backoffice, "GET", f"{API}/loyalty", contact="0999 999 999")
    assert response.status_code == 404
    assert error_of(response)["code"] == "customer_not_found"
