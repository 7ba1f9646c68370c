"""The hand-off state names every process reads (caredesk_rules.handoff_states)."""

from __future__ import annotations

from typing import get_args

import pytest

from backoffice.helpdesk.models import Handoff
from backoffice.helpdesk.schemas import HandoffStateName
from backoffice.helpdesk.services.handoff_states import TRANSITIONS
from caredesk_rules.handoff_states import (
    ACTIVE_STATES,
    BOT,
    RESOLVED,
    STATES,
    WAITING,
    WITH_AGENT,
    HandoffState,
    is_active,
)


def test_the_names() -> None:
    assert STATES == ("bot", "waiting", "with_agent", "resolved")
    assert get_args(HandoffState) == STATES
    assert ACTIVE_STATES == (WAITING, WITH_AGENT)


@pytest.mark.parametrize(
    ("state", "active"),
    [(BOT, False), (WAITING, True), (WITH_AGENT, True), (RESOLVED, False), (None, False)],
)
def test_only_waiting_and_with_agent_are_active(state: str | None, active: bool) -> None:
    assert is_active(state) is active


def test_the_back_office_machine_moves_between_these_states_only() -> None:
    moved = {state for state, _ in TRANSITIONS} | set(TRANSITIONS.values())
    assert moved == set(STATES)


def test_the_back_office_stores_and_sends_these_names() -> None:
    assert HandoffStateName is HandoffState
    checks = [str(c.sqltext) for c in Handoff.__table__.constraints if hasattr(c, "sqltext")]
    [check] = [c for c in checks if c.startswith("state IN")]
    assert check == "state IN ('bot', 'waiting', 'with_agent', 'resolved')"
