import asyncio
import time

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff
from actions.clients.helpdesk import HelpdeskClient
from actions.tickets import (
    ActionAddToTicket,
    ActionOfferTicket,
    ActionOpenTicket,
    ActionTicketStatus,
    ValidateOpenTicketForm,
    ValidateTicketStatusForm,
    answer_ticket_question,
)
from tests.support.trackers import tracker_for


def open_ticket(helpdesk, contact="an.nguyen@example.com") -> str:
    return actions.handoff._client.open_ticket(
        subject="Charged twice",
        description="I was charged twice for ORD-10001",
        contact=contact,
        language="en",
    ).id


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages


def run_with_events(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def slots_set(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def followup(events) -> str | None:
    return next((e["name"] for e in events if e.get("event") == "followup"), None)


def test_ticket_status_for_the_customer_on_the_ticket(helpdesk):
    ticket_id = open_ticket(helpdesk)
    tracker = tracker_for(
        "status?", "check_ticket_status", "vi",
        slots={"ticket_id": ticket_id, "customer_contact": "an.nguyen@example.com"},
    )  # fmt: skip
    (message, offer), events = run_with_events(ActionTicketStatus(), tracker)
    assert offer["response"] == "utter_ask_add_to_ticket"
    assert slots_set(events) == {
        "pending_confirmation": "add_to_ticket",
        "ticket_contact": "an.nguyen@example.com",
    }
    assert message["response"] == "utter_ticket_status"
    assert message["ticket_id"] == ticket_id
    assert message["department"] == "Thanh toán & Hóa đơn"
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


def test_guessing_a_ticket_locks_it_and_offers_a_person(helpdesk):
    ticket_id = open_ticket(helpdesk)
    for n in range(3):
        guess = tracker_for(
            "status?", "check_ticket_status", "vi",
            slots={"ticket_id": ticket_id, "customer_contact": f"guess{n}@example.com"},
        )  # fmt: skip
        (message,), events = run_with_events(ActionTicketStatus(), guess)
    assert message["response"] == "utter_ticket_lookup_locked"
    assert message["locked_until"]
    assert slots_set(events) == {"customer_contact": None}
    # Not even the right contact is checked now, from another conversation either.
    owner = tracker_for(
        "status?", "check_ticket_status", "vi",
        slots={"ticket_id": ticket_id, "customer_contact": "an.nguyen@example.com"},
        sender="the-owner",
    )  # fmt: skip
    assert run(ActionTicketStatus(), owner)[0]["response"] == "utter_ticket_lookup_locked"


def test_ticket_id_format_is_validated():
    dispatcher = CollectingDispatcher()
    form = ValidateTicketStatusForm()
    assert form.validate_ticket_id("TCK-42", dispatcher, None, {}) == {"ticket_id": "TCK-42"}
    assert form.validate_ticket_id("TCK-42'; --", dispatcher, None, {}) == {"ticket_id": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_ticket_id"


COMPLAINT = "I was promised a call back three days ago and nobody ever called me"


def test_a_complaint_is_offered_a_ticket_and_keeps_what_it_said():
    messages, events = run_with_events(ActionOfferTicket(), tracker_for(COMPLAINT, "complaint"))
    assert [m["response"] for m in messages] == ["utter_offer_ticket"]
    assert slots_set(events) == {
        "pending_confirmation": "open_ticket",
        "ticket_description": COMPLAINT,
    }


def test_a_bare_complaint_leaves_the_description_to_the_form():
    for bare in ("I want to complain", "I want to make a complaint", "tôi muốn khiếu nại ạ"):
        _, events = run_with_events(ActionOfferTicket(), tracker_for(bare, "complaint"))
        assert slots_set(events)["ticket_description"] is None


def test_a_complaint_with_a_ticket_open_offers_to_add_to_it():
    tracker = tracker_for(
        COMPLAINT, "complaint", slots={"ticket_id": "TCK-7", "ticket_contact": "a@b.vn"}
    )
    messages, events = run_with_events(ActionOfferTicket(), tracker)
    assert messages[0]["response"] == "utter_ask_add_to_ticket"
    assert slots_set(events) == {"pending_confirmation": "add_to_ticket", "ticket_note": COMPLAINT}


@pytest.mark.parametrize(
    ("pending", "slots", "expected"),
    [
        ("open_ticket", {}, "open_ticket_form"),
        ("open_ticket", {"ticket_description": COMPLAINT}, "open_ticket_form"),
        (
            "open_ticket",
            {"ticket_description": COMPLAINT, "customer_contact": "a@b.vn"},
            "action_open_ticket",
        ),
        ("add_to_ticket", {}, "ticket_note_form"),
        ("add_to_ticket", {"ticket_note": COMPLAINT}, "action_add_to_ticket"),
    ],
)
def test_yes_runs_only_what_is_still_missing(pending, slots, expected):
    tracker = tracker_for("yes", "affirm", slots={"pending_confirmation": pending, **slots})
    dispatcher = CollectingDispatcher()
    events = answer_ticket_question(dispatcher, tracker)
    assert followup(events) == expected
    assert slots_set(events) == {"pending_confirmation": None}


def test_no_drops_the_offer_and_what_was_kept_for_it():
    tracker = tracker_for(
        "no", "deny", slots={"pending_confirmation": "open_ticket", "ticket_description": "x y"}
    )
    dispatcher = CollectingDispatcher()
    events = answer_ticket_question(dispatcher, tracker)
    assert followup(events) is None
    assert slots_set(events) == {
        "pending_confirmation": None,
        "ticket_description": None,
        "ticket_note": None,
    }
    assert dispatcher.messages[0]["response"] == "utter_order_request_stopped"


@pytest.mark.parametrize("text", ["", "   ", "ok", "/affirm", None, 42])
def test_a_description_must_say_something(text):
    dispatcher = CollectingDispatcher()
    result = ValidateOpenTicketForm().validate_ticket_description(text, dispatcher, None, {})
    assert result == {"ticket_description": None}
    assert dispatcher.messages[0]["response"] == "utter_ticket_text_too_short"


def test_opening_a_ticket_routes_it_and_records_the_conversation(helpdesk):
    tracker = tracker_for(
        "an.nguyen@example.com",
        "inform",
        "en",
        slots={
            "ticket_description": "I was charged twice for my last order, please refund one",
            "customer_contact": "an.nguyen@example.com",
            "verified_order_id": "ORD-10001",
            "verified_at": time.time(),
        },
    )
    messages, events = run_with_events(ActionOpenTicket(), tracker)
    ticket_id = slots_set(events)["ticket_id"]
    assert ticket_id.startswith("TCK-")
    assert slots_set(events)["department"] == "billing"
    assert messages[0]["response"] == "utter_ticket_opened"
    assert messages[0]["expected_reply"]
    status = actions.handoff._client.ticket_status(ticket_id, "an.nguyen@example.com", "rest:t")
    assert status.department == "billing"


def test_opening_a_ticket_with_the_helpdesk_down_offers_the_hotline():
    from devstack.processes import free_port

    actions.handoff._client = HelpdeskClient(f"http://127.0.0.1:{free_port()}", "k", timeout=1)
    try:
        tracker = tracker_for(
            "x", "inform", slots={"ticket_description": "a b c", "customer_contact": "a@b.vn"}
        )
        messages, events = run_with_events(ActionOpenTicket(), tracker)
    finally:
        actions.handoff._client = None
    assert messages[0]["response"] == "utter_handoff_unavailable"
    assert messages[0]["hotline"]
    assert "ticket_id" not in slots_set(events)


def test_adding_to_a_ticket_needs_the_contact_on_it(helpdesk):
    ticket_id = open_ticket(helpdesk)
    note = "The second charge was on 3 March"
    right = tracker_for(
        note,
        "inform",
        slots={
            "ticket_id": ticket_id,
            "ticket_contact": "an.nguyen@example.com",
            "customer_contact": "someone.else@example.com",
            "ticket_note": note,
        },
    )
    messages, events = run_with_events(ActionAddToTicket(), right)
    assert messages[0]["response"] == "utter_ticket_note_added"
    assert slots_set(events) == {"ticket_note": None}
    wrong = tracker_for(
        note,
        "inform",
        slots={"ticket_id": ticket_id, "ticket_contact": "x@y.vn", "ticket_note": note},
    )
    assert run(ActionAddToTicket(), wrong)[0]["response"] == "utter_ticket_not_found"


SIGNED_IN = {"channel": "socketio", "metadata": {"customer_id": "an.nguyen@example.com"}}


def test_a_signed_in_customer_opens_a_ticket_without_giving_a_contact():
    """The shop vouches for its signed-in customer: the team answers at their account's email."""
    signed = tracker_for(
        "yes",
        "affirm",
        slots={"pending_confirmation": "open_ticket", "ticket_description": COMPLAINT},
        **SIGNED_IN,
    )
    assert followup(answer_ticket_question(CollectingDispatcher(), signed)) == "action_open_ticket"
    required = asyncio.run(
        ValidateOpenTicketForm().required_slots(
            ["ticket_description", "customer_contact"], CollectingDispatcher(), signed, {}
        )
    )
    assert required == ["ticket_description"]
    # A customer id no channel vouched for (REST passes metadata on as it came) proves nothing.
    unsigned = tracker_for("yes", "affirm", metadata=SIGNED_IN["metadata"])
    required = asyncio.run(
        ValidateOpenTicketForm().required_slots(
            ["ticket_description", "customer_contact"], CollectingDispatcher(), unsigned, {}
        )
    )
    assert required == ["ticket_description", "customer_contact"]


def test_a_signed_in_customer_s_ticket_is_opened_for_their_account(helpdesk):
    tracker = tracker_for(
        "yes",
        "affirm",
        slots={"ticket_description": "I was charged twice for my last order, please refund one"},
        **SIGNED_IN,
    )
    messages, events = run_with_events(ActionOpenTicket(), tracker)
    assert messages[0]["response"] == "utter_ticket_opened"
    assert slots_set(events)["ticket_contact"] == "an.nguyen@example.com"
