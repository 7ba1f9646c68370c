"""The names of a conversation's hand-off states, for every process that reads them.

The back office owns the hand-off and its state machine (which moves are legal, in
backoffice/helpdesk/services/handoff_states.py); the Rasa server's policies and the action
server mirror the state in the `handoff_state` slot and decide by these names whether
the customer's messages go to an agent. The agent console (backoffice/web/console) shows the
back office's state with its own labels keyed on these names.

    bot      the assistant answers (no hand-off, or the last one is over, or nobody could take
             it: its ticket stays open and an agent may take the conversation over later)
    waiting  the customer waits for an agent of the routed department
    with_agent  an agent has taken the conversation
    resolved the agent closed it; the customer is told, then it goes back to `bot`
"""

from __future__ import annotations

from typing import Final, Literal

HandoffState = Literal["bot", "waiting", "with_agent", "resolved"]

BOT: Final = "bot"
WAITING: Final = "waiting"
WITH_AGENT: Final = "with_agent"
RESOLVED: Final = "resolved"

STATES: Final[tuple[HandoffState, ...]] = (BOT, WAITING, WITH_AGENT, RESOLVED)
# While a hand-off is in one of these, the customer's messages go to the agent side, not the bot.
ACTIVE_STATES: Final[tuple[HandoffState, ...]] = (WAITING, WITH_AGENT)


def is_active(state: object) -> bool:
    """True while the customer's messages belong to a person (waiting for one, or with one)."""
    return state in ACTIVE_STATES
