"""The back office's half of the cross-process rules (tests/caredesk_rules/*across_processes*.py
and test_vietnamese.py check the Rasa side): on the same candidates (tests/caredesk_rules/
cases.py), the back office accepts exactly what caredesk_rules accepts, through its own doors
(API models and path parameters), and its routing reads Vietnamese with the one definition."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

import backoffice.helpdesk.api.deps
import backoffice.helpdesk.schemas
import backoffice.helpdesk.services.routing.text
import backoffice.orders.api.deps
import backoffice.orders.schemas
from backoffice.helpdesk.api.deps import TicketIdDep
from backoffice.orders.api.deps import OrderIdDep
from backoffice.orders.schemas import AddressIn, VerifyRequest
from backoffice.orders.services import order_states
from caredesk_rules import ids, order_updates
from caredesk_rules.addresses import parse_address
from caredesk_rules.contacts import canonical_contact
from caredesk_rules.vietnamese import TEEN_CODE, fold, marked_share
from tests.caredesk_rules.cases import ADDRESSES, CONTACTS, ORDER_CANDIDATES, TICKET_CANDIDATES


def test_the_back_office_uses_the_shared_definitions() -> None:
    assert backoffice.orders.schemas.ORDER_ID_PATTERN is ids.ORDER_ID_PATTERN
    assert backoffice.helpdesk.schemas.ORDER_ID_PATTERN is ids.ORDER_ID_PATTERN
    assert backoffice.orders.api.deps.ORDER_ID_PATTERN is ids.ORDER_ID_PATTERN
    assert backoffice.helpdesk.api.deps.TICKET_ID_PATTERN is ids.TICKET_ID_PATTERN
    assert backoffice.helpdesk.services.routing.text.fold is fold
    assert backoffice.helpdesk.services.routing.text.TEEN_CODE is TEEN_CODE
    assert backoffice.helpdesk.services.routing.text.marked_share is marked_share
    assert order_states.TERMINAL is order_updates.FINISHED_STATUSES


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()

    @app.get("/orders/{order_id}")
    def order(order_id: OrderIdDep) -> dict[str, str]:
        return {"id": order_id}

    @app.get("/tickets/{ticket_id}")
    def ticket(ticket_id: TicketIdDep) -> dict[str, str]:
        return {"id": ticket_id}

    return TestClient(app)


def accepts(**body: str) -> bool:
    try:
        VerifyRequest(**{"order_id": "ORD-10001", "client": "rest:x", **body})
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("order_id", ORDER_CANDIDATES)
def test_order_ids_are_one_rule(client: TestClient, order_id: str) -> None:
    expected = ids.is_order_id(order_id)
    assert accepts(order_id=order_id, contact="an.nguyen@example.com") == expected
    assert (client.get(f"/orders/{order_id}").status_code == 200) == expected


@pytest.mark.parametrize("ticket_id", TICKET_CANDIDATES)
def test_ticket_ids_are_one_rule(client: TestClient, ticket_id: str) -> None:
    assert (client.get(f"/tickets/{ticket_id}").status_code == 200) == ids.is_ticket_id(ticket_id)


@pytest.mark.parametrize("contact", CONTACTS)
def test_contacts_are_one_rule(contact: str) -> None:
    assert accepts(contact=contact) == (canonical_contact(contact) is not None)


@pytest.mark.parametrize("typed", ADDRESSES)
def test_addresses_are_one_rule(typed: str) -> None:
    """What the assistant read from a typed address is stored as it is (already two-level)."""
    parsed = parse_address(typed)
    stored = AddressIn(
        recipient="Trần Thị Bình",
        phone="0903 111 222",
        line1=parsed.street,
        ward=parsed.ward,
        province=parsed.province,
    )
    assert (stored.line1, stored.ward, stored.province) == (
        parsed.street,
        parsed.ward,
        parsed.province,
    )
