"""Generated conversations against the real system keep the invariants of a conversation that
cannot break (devstack/conversations.py). Seeded: a failure names its seed to replay.
`bench/conversation_fuzz.py` runs many more."""

from __future__ import annotations

import os

import pytest

from devstack.conversations import LogMark, log_mark, run_conversation, server_errors


@pytest.fixture(scope="module", autouse=True)
def module_log_mark(stack) -> LogMark:
    """The services' logs before this module's conversations (autouse: taken first): earlier
    tests on the shared stack stop services on purpose, and their errors are theirs."""
    return log_mark(stack)


pytestmark = pytest.mark.stack

SEEDS = range(int(os.environ.get("CONVERSATION_SEEDS", "12")))
TURNS = 10


@pytest.fixture(scope="module", autouse=True)
def lift_locks(stack):
    """Generated conversations give wrong contacts and may lock an order for every conversation
    (the order system's limits): the modules after this one start without those locks."""
    yield
    stack.lift_verification_locks()


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_conversations_keep_their_invariants(stack, seed):
    conversation, problems = run_conversation(stack, seed, TURNS)
    assert not problems, f"{problems}\n{conversation.describe()}"


def test_a_conversation_survives_a_restart_of_the_action_server(stack):
    def restart_midway(turn: int) -> None:
        if turn == 3:
            stack.restart_actions()

    conversation, problems = run_conversation(stack, 1000, 8, between=restart_midway)
    assert not problems, f"{problems}\n{conversation.describe()}"


def test_no_service_answered_with_a_server_error(stack, module_log_mark):
    # Runs after the generated conversations in this module (pytest keeps file order).
    assert server_errors(stack, since=module_log_mark) == []
