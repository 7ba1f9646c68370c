import json
from pathlib import Path

import pytest

from bench.conversation_replay import (
    ReplayedTurn,
    actions_of_last_turn,
    differences,
    load_conversations,
    report,
)

RETIRED = Path(__file__).resolve().parents[2] / "bench/data/conversations/retired_blind1.json"


def test_the_actions_of_a_turn_are_those_after_the_last_message_without_listening():
    tracker = {
        "events": [
            {"event": "user", "text": "hi"},
            {"event": "action", "name": "action_greet"},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "where is my order"},
            {"event": "action", "name": "order_verification_form"},
            {"event": "slot", "name": "requested_slot"},
            {"event": "action", "name": "action_listen"},
        ]
    }
    assert actions_of_last_turn(tracker) == ("order_verification_form",)


def test_turns_that_ran_other_actions_are_reported_with_both_models():
    def turn(text, *actions):
        return ReplayedTurn(text, actions, (f"reply to {text}",))

    before = {"c1": [turn("hi", "action_greet"), turn("bye", "utter_goodbye")]}
    after = {"c1": [turn("hi", "action_greet"), turn("bye", "action_default_fallback")]}
    assert differences(before, after) == [("c1", 1, before["c1"][1], after["c1"][1])]
    assert differences(before, before) == []
    printed = report([Path("a.tar.gz"), Path("b.tar.gz")], [before, after])
    assert "| a.tar.gz | 2 | 2 |" in printed and "| b.tar.gz | 2 | 1 |" in printed
    assert "c1 turn 2: 'bye'" in printed and "['action_default_fallback']" in printed


def test_conversations_need_unique_ids_and_a_message(tmp_path):
    path = tmp_path / "set.json"
    path.write_text(json.dumps([{"id": "a", "messages": ["hi"]}, {"id": "a", "messages": []}]))
    with pytest.raises(ValueError, match="unique"):
        load_conversations(path)


def test_the_retired_blind_set_loads():
    conversations = load_conversations(RETIRED)
    assert len(conversations) == 60
    assert sum(len(messages) for messages in conversations.values()) == 327
