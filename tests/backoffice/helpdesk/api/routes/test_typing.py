"""Typing during a live chat over real HTTP (services/typing.py): the customer's reaches the
department's consoles, the holding agent's reaches the customer's channel through Rasa; only
while a person is involved, throttled, never stored."""

from __future__ import annotations

import time

import pytest

from tests.support.helpdesk import RASA_TOKEN, Helpdesk, RasaRecorder, new_conversation_id

BILLING_AGENT = "Lê Thị Mai Anh"


def customer_typing(helpdesk: Helpdesk, conversation_id: str, typing: bool, **kwargs: object):
    return helpdesk.api(
        "POST", f"/handoffs/{conversation_id}/typing", json={"typing": typing}, **kwargs
    )


def agent_typing(helpdesk: Helpdesk, username: str, conversation_id: str, typing: bool):
    agent = helpdesk.agent(username)
    return agent.conversation(conversation_id, "typing", json={"typing": typing})


def stored(helpdesk: Helpdesk, conversation_id: str) -> tuple[int, int]:
    """(transcript lines, outbox events) of the conversation."""
    lines = helpdesk.rows(
        "SELECT COUNT(*) FROM ticket_messages m JOIN handoffs h ON h.ticket_id = m.ticket_id "
        "WHERE h.conversation_id = :c",
        c=conversation_id,
    )[0][0]
    events = helpdesk.rows(
        "SELECT COUNT(*) FROM outbox_events WHERE conversation_id = :c", c=conversation_id
    )[0][0]
    return int(lines), int(events)


def test_customer_typing_reaches_the_department_s_consoles_only_while_a_person_is_involved(
    helpdesk: Helpdesk,
) -> None:
    conversation = new_conversation_id()
    # The bot has the conversation: nobody is told.
    answer = customer_typing(helpdesk, conversation, True)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"relayed": False}

    assert helpdesk.request_handoff(conversation).status_code == 201  # billing, waiting
    billing, logistics = (
        helpdesk.agent("billing").websocket(),
        helpdesk.agent("logistics").websocket(),
    )
    try:
        billing.wait_for(lambda e: e["type"] == "hello")
        logistics.wait_for(lambda e: e["type"] == "hello")
        billing.drain(0.2)
        before = stored(helpdesk, conversation)

        assert customer_typing(helpdesk, conversation, True).json() == {"relayed": True}
        event = billing.wait_for(lambda e: e["type"] == "customer_typing")
        assert event == {"type": "customer_typing", "conversation_id": conversation, "typing": True}

        # A flood within the interval passes nothing more; "stopped" passes once.
        flood = [customer_typing(helpdesk, conversation, True).json() for _ in range(15)]
        assert flood == [{"relayed": False}] * 15
        assert customer_typing(helpdesk, conversation, False).json() == {"relayed": True}
        assert customer_typing(helpdesk, conversation, False).json() == {"relayed": False}
        stopped = billing.wait_for(lambda e: e["type"] == "customer_typing")
        assert stopped["typing"] is False
        assert [e for e in billing.drain() if e["type"] == "customer_typing"] == []
        # Another department's consoles hear nothing of it.
        assert [e for e in logistics.drain() if e["type"] == "customer_typing"] == []
        # Ephemeral: no transcript line, no outbox event.
        assert stored(helpdesk, conversation) == before

        # With an agent, too (after the interval).
        assert helpdesk.agent("billing").conversation(conversation, "claim").status_code == 200
        time.sleep(2.1)
        assert customer_typing(helpdesk, conversation, True).json() == {"relayed": True}
        billing.wait_for(lambda e: e["type"] == "customer_typing" and e["typing"] is True)

        # Resolved: the bot has it again, nobody is told.
        assert helpdesk.agent("billing").conversation(conversation, "resolve").status_code == 200
        assert customer_typing(helpdesk, conversation, False).json() == {"relayed": False}
        time.sleep(2.1)
        assert customer_typing(helpdesk, conversation, True).json() == {"relayed": False}
    finally:
        billing.close()
        logistics.close()


def test_customer_typing_needs_the_channels_key_and_carries_no_text(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    assert helpdesk.request_handoff(conversation).status_code == 201
    assert customer_typing(helpdesk, conversation, True, key="wrong").status_code == 401
    with_text = helpdesk.api(
        "POST", f"/handoffs/{conversation}/typing", json={"typing": True, "text": "my card no"}
    )
    assert with_text.status_code == 422
    not_a_flag = helpdesk.api("POST", f"/handoffs/{conversation}/typing", json={"typing": "yes"})
    assert not_a_flag.status_code == 422


def test_agent_typing_reaches_the_customer_only_from_the_agent_who_holds_the_conversation(
    helpdesk: Helpdesk, rasa: RasaRecorder
) -> None:
    conversation = new_conversation_id()
    assert helpdesk.request_handoff(conversation).status_code == 201
    # Waiting: nobody holds it yet.
    waiting = agent_typing(helpdesk, "billing", conversation, True)
    assert waiting.status_code == 409, waiting.text
    assert waiting.json()["error"]["code"] == "not_with_agent"
    # Another department's agent cannot see it at all.
    assert agent_typing(helpdesk, "logistics", conversation, True).status_code == 403

    assert helpdesk.agent("billing").conversation(conversation, "claim").status_code == 200
    helpdesk.wait_all_delivered(conversation)  # "agent joined"
    before = stored(helpdesk, conversation)

    answer = agent_typing(helpdesk, "billing", conversation, True)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"relayed": True}
    [call] = rasa.wait_typing(conversation, 1)
    assert call.channel == "socketio"
    assert call.token == RASA_TOKEN
    assert call.body == {
        "conversation_id": conversation,
        "typing": True,
        "agent_name": BILLING_AGENT,
    }

    # Throttled: a flood of keystrokes sends nothing more; "stopped" goes once.
    flood = [agent_typing(helpdesk, "billing", conversation, True).json() for _ in range(10)]
    assert flood == [{"relayed": False}] * 10
    assert agent_typing(helpdesk, "billing", conversation, False).json() == {"relayed": True}
    calls = rasa.wait_typing(conversation, 2)
    time.sleep(0.3)
    assert [c.body["typing"] for c in rasa.typing_for(conversation)] == [True, False]
    assert len(calls) == 2
    # Nothing stored, nothing for the outbox to send again.
    assert stored(helpdesk, conversation) == before

    # Resolved: nobody holds it any more.
    assert helpdesk.agent("billing").conversation(conversation, "resolve").status_code == 200
    assert agent_typing(helpdesk, "billing", conversation, True).status_code == 409


def test_agent_typing_needs_a_session(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    assert helpdesk.request_handoff(conversation).status_code == 201
    agent = helpdesk.agent("billing")
    answer = agent.conversation(conversation, "typing", token="not-a-token", json={"typing": True})
    assert answer.status_code == 401
    unknown = agent.conversation(new_conversation_id(), "typing", json={"typing": True})
    assert unknown.status_code == 404


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
def test_agent_typing_goes_to_the_conversation_s_own_channel(
    helpdesk: Helpdesk, rasa: RasaRecorder, channel: str
) -> None:
    conversation = f"{channel}:{time.time_ns()}"
    assert helpdesk.request_handoff(conversation, channel=channel).status_code == 201
    assert helpdesk.agent("billing").conversation(conversation, "claim").status_code == 200
    # Zalo has no typing API: its route does not exist and the signal is simply lost.
    assert agent_typing(helpdesk, "billing", conversation, True).json() == {"relayed": True}
    [call] = rasa.wait_typing(conversation, 1)
    assert call.channel == channel
