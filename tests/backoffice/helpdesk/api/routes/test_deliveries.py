"""Delivery over real HTTP (SQLite and PostgreSQL): receipts from the channel, what the console
reads of each message sent to the customer, and an agent's retry of a failed one (issue 10)."""

from __future__ import annotations

import time

from tests.support.helpdesk import Helpdesk, RasaRecorder, new_conversation_id


def deliveries(helpdesk: Helpdesk, conversation_id: str) -> dict[str, dict]:
    """Console transcript line text -> its delivery."""
    answer = helpdesk.agent("billing").conversation(conversation_id)
    assert answer.status_code == 200, answer.text
    return {t["text"]: t["delivery"] for t in answer.json()["transcript"] if t["delivery"]}


def wait_for_state(
    helpdesk: Helpdesk, conversation_id: str, text: str, state: str, timeout: float = 10
) -> dict:
    deadline = time.monotonic() + timeout
    while (found := deliveries(helpdesk, conversation_id).get(text, {})).get("state") != state:
        assert time.monotonic() < deadline, deliveries(helpdesk, conversation_id)
        time.sleep(0.05)
    return found


def claimed(helpdesk: Helpdesk, conversation: str) -> None:
    assert helpdesk.request_handoff(conversation).status_code == 201
    assert helpdesk.agent("billing").conversation(conversation, "claim").status_code == 200


def reply(helpdesk: Helpdesk, conversation: str, text: str) -> None:
    answer = helpdesk.agent("billing").conversation(conversation, "reply", json={"text": text})
    assert answer.status_code == 201, answer.text


def receipt(helpdesk: Helpdesk, conversation: str, *ids: str, key: str | None = None):
    body = {"conversation_id": conversation, "delivery_ids": list(ids)}
    return helpdesk.api("POST", "/deliveries/receipts", json=body, key=key)


def test_a_confirming_client_is_waited_for_and_a_receipt_delivers(
    helpdesk: Helpdesk, rasa: RasaRecorder
) -> None:
    conversation = new_conversation_id()
    rasa.confirming.add(conversation)
    claimed(helpdesk, conversation)
    reply(helpdesk, conversation, "Checking now.")
    line = wait_for_state(helpdesk, conversation, "Checking now.", "accepted")
    joined = next(d for t, d in deliveries(helpdesk, conversation).items() if "joined" in t)
    assert joined["state"] == "accepted"
    assert line["delivery_id"] != joined["delivery_id"]

    # Another conversation cannot confirm this one's messages; a wrong key is refused.
    assert receipt(helpdesk, new_conversation_id(), line["delivery_id"]).json() == {"confirmed": 0}
    assert receipt(helpdesk, conversation, line["delivery_id"], key="wrong").status_code == 401
    assert deliveries(helpdesk, conversation)["Checking now."]["state"] == "accepted"

    answer = receipt(helpdesk, conversation, line["delivery_id"], joined["delivery_id"])
    assert answer.status_code == 200 and answer.json() == {"confirmed": 2}
    assert receipt(helpdesk, conversation, line["delivery_id"]).json() == {"confirmed": 0}
    assert deliveries(helpdesk, conversation)["Checking now."]["state"] == "delivered"


def test_malformed_receipts_are_refused_whole(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    good = "0" * 32
    for body in (
        {"conversation_id": conversation, "delivery_ids": []},
        {"conversation_id": conversation, "delivery_ids": ["not-a-delivery-id"]},
        {"conversation_id": conversation, "delivery_ids": [good] * 51},
        {"conversation_id": conversation, "delivery_ids": [1]},
        {"conversation_id": "../x", "delivery_ids": [good]},
        {"conversation_id": conversation, "delivery_ids": [good], "extra": True},
        {"delivery_ids": [good]},
    ):
        answer = helpdesk.api("POST", "/deliveries/receipts", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]["code"] == "invalid_request"


def test_a_failed_message_is_shown_and_an_agent_retries_it(
    helpdesk: Helpdesk, rasa: RasaRecorder
) -> None:
    conversation = new_conversation_id()
    claimed(helpdesk, conversation)
    helpdesk.wait_all_delivered(conversation)
    rasa.unrelayed.add(conversation)  # from now on Rasa answers 200 and relays nothing
    reply(helpdesk, conversation, "Are you still there?")
    line = wait_for_state(helpdesk, conversation, "Are you still there?", "failed", timeout=60)
    cap = int(helpdesk.env["DELIVERY_MAX_ATTEMPTS"])
    assert line["attempts"] == cap and "did not relay" in line["error"]
    agent = helpdesk.agent("billing")
    path = f"deliveries/{line['delivery_id']}/retry"

    # Only an agent of the department, only a failed message, only a well-formed id.
    assert helpdesk.agent("logistics").conversation(conversation, path).status_code == 403
    joined = next(d for t, d in deliveries(helpdesk, conversation).items() if "joined" in t)
    refused = agent.conversation(conversation, f"deliveries/{joined['delivery_id']}/retry")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "delivery_not_failed"
    missing = agent.conversation(conversation, f"deliveries/{'f' * 32}/retry")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "delivery_not_found"
    assert agent.conversation(conversation, "deliveries/nope/retry").status_code == 422

    rasa.unrelayed.discard(conversation)
    retried = agent.conversation(conversation, path)
    assert retried.status_code == 200, retried.text
    wait_for_state(helpdesk, conversation, "Are you still there?", "delivered")
    posts = [c for c in rasa.calls_for(conversation) if c.name == "EXTERNAL_agent_message"]
    assert len(posts) == cap + 1 and {c.delivery_id for c in posts} == {line["delivery_id"]}
