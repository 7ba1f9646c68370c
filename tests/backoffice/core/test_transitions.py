"""The machinery every state machine shares: a table's refusals, a move."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from backoffice.core.transitions import (
    IllegalTransitionError,
    Transition,
    TransitionTable,
    move,
)

NOW = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)
DOOR = TransitionTable(
    "door",
    "a door",
    "position",
    {("shut", "open"): "ajar", ("ajar", "close"): "shut", ("ajar", "lock"): "locked"},
    refusal_codes={"lock": "not_lockable"},
)


def test_a_table_lists_its_actions_once_in_the_order_written() -> None:
    assert DOOR.actions == ("open", "close", "lock")
    assert DOOR.allowed_actions("ajar") == ["close", "lock"]
    assert DOOR.allowed_actions("locked") == []
    assert DOOR.allowed("shut", "open") and not DOOR.allowed("shut", "close")


def test_a_refusal_is_a_409_naming_the_state_the_action_and_what_is_allowed() -> None:
    with pytest.raises(IllegalTransitionError) as caught:
        DOOR.next_state("ajar", "open")
    refused = caught.value
    assert (refused.status_code, refused.code) == (409, "illegal_transition")
    assert refused.message == "Cannot open a door that is ajar."
    assert refused.details == {"position": "ajar", "action": "open", "allowed": ["close", "lock"]}


def test_an_action_may_keep_a_refusal_code_of_its_own() -> None:
    refused = DOOR.refusal("shut", "lock")
    assert (refused.status_code, refused.code) == (409, "not_lockable")


def test_a_table_may_keep_its_refusals_to_the_state() -> None:
    terse = replace(DOOR, explains_refusals=False)
    refused = terse.refusal("locked", "open")
    assert (refused.code, refused.details) == ("illegal_transition", {"position": "locked"})


def test_move_sets_the_state_and_describes_the_move() -> None:
    door = SimpleNamespace(position="shut")
    event = move(DOOR, door, "open", NOW, subject_id=7, actor="Mai", data={"why": "air"})
    assert door.position == "ajar"
    assert event == Transition("door", 7, "shut", "ajar", "open", "Mai", NOW, door, {"why": "air"})


def test_a_refused_move_leaves_the_subject_as_it_was() -> None:
    door = SimpleNamespace(position="locked")
    with pytest.raises(IllegalTransitionError):
        move(DOOR, door, "open", NOW, subject_id=7)
    assert door.position == "locked"
