import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff
from actions.clients.helpdesk import HelpdeskClient
from actions.tickets import ActionTicketStatus, ValidateTicketStatusForm
from tests.support.trackers import tracker_for


@pytest.fixture
def helpdesk(order_system):
    """The same back office serves the helpdesk API."""
    actions.handoff._client = HelpdeskClient(order_system.base_url, order_system.api_key, timeout=5)
    yield order_system
    actions.handoff._client = None


def open_ticket(helpdesk, contact="an.nguyen@example.com") -> str:
    return actions.handoff._client.open_ticket(
        department="billing",
        subject="Charged twice",
        description="I was charged twice for ORD-10001",
        contact=contact,
        language="en",
    ).id


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_ticket_status_for_the_customer_on_the_ticket(helpdesk):
    ticket_id = open_ticket(helpdesk)
    tracker = tracker_for(
        "status?", "check_ticket_status", "vi",
        slots={"ticket_id": ticket_id, "customer_contact": "an.nguyen@example.com"},
    )  # fmt: skip
    [message] = run(ActionTicketStatus(), tracker)
    assert message["response"] == "utter_ticket_status"
    assert message["ticket_id"] == ticket_id
    assert message["department"] == "Kế toán" or message["department"]
    assert message["status"] == "đã tiếp nhận, đang chờ nhân viên"


def test_wrong_contact_reveals_nothing(helpdesk):
    ticket_id = open_ticket(helpdesk)
    wrong = tracker_for(
        "status?", "check_ticket_status", "en",
        slots={"ticket_id": ticket_id, "customer_contact": "someone@else.com"},
    )  # fmt: skip
    unknown = tracker_for(
        "status?", "check_ticket_status", "en",
        slots={"ticket_id": "TCK-99999999", "customer_contact": "an.nguyen@example.com"},
    )  # fmt: skip
    assert run(ActionTicketStatus(), wrong) == run(ActionTicketStatus(), unknown)
    assert run(ActionTicketStatus(), wrong)[0]["response"] == "utter_ticket_not_found"


def test_ticket_id_format_is_validated():
    dispatcher = CollectingDispatcher()
    form = ValidateTicketStatusForm()
    assert form.validate_ticket_id("TCK-42", dispatcher, None, {}) == {"ticket_id": "TCK-42"}
    assert form.validate_ticket_id("TCK-42'; --", dispatcher, None, {}) == {"ticket_id": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_ticket_id"
