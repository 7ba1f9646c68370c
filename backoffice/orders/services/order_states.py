"""An order's status, in one table: its fulfilment path, and where the customer may cancel it.

    pending --pack--> processing --ship--> shipped --deliver--> delivered
       \\________________\\________________\\___cancel___> cancelled (where the policy allows)

Which statuses may be cancelled is the retailer's rule, read from the knowledge file
(`Policies.cancellable_statuses`, quoted by the FAQ answers), so the cancel rows are built from
it rather than written twice. A refused cancel keeps what the order API's clients read:
409 `not_cancellable` with `details` `{"status": ...}`.

The events the order system and carriers report (POST /api/v1/orders/{id}/events) are read
against the same table: `shipped`, `delivered` and `cancelled` are its moves; the others are news
about the current status, which a finished (delivered or cancelled) order no longer takes, and
only an unfinished order can be followed by a conversation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from backoffice.core.transitions import IllegalTransitionError, TransitionTable
from caredesk_rules.order_updates import FINISHED_STATUSES

Action = Literal["pack", "ship", "deliver", "cancel"]

FULFILMENT: dict[tuple[str, str], str] = {
    ("pending", "pack"): "processing",
    ("processing", "ship"): "shipped",
    ("shipped", "deliver"): "delivered",
}
# No policy can make these cancellable, and nobody can follow them (the assistant does not offer
# their updates: the same tuple, caredesk_rules.order_updates).
TERMINAL = FINISHED_STATUSES
# The order events that are moves of the table; every other event type is news.
EVENT_MOVES: dict[str, Action] = {"shipped": "ship", "delivered": "deliver", "cancelled": "cancel"}


def order_table(cancellable_statuses: Iterable[str]) -> TransitionTable:
    """The table under a policy: the fulfilment path, and cancel from each cancellable status."""
    cancel = {
        (status, "cancel"): "cancelled" for status in cancellable_statuses if status not in TERMINAL
    }
    return TransitionTable(
        "order", "an order", "status", {**FULFILMENT, **cancel},
        refusal_codes={"cancel": "not_cancellable"}, explains_refusals=False,
    )  # fmt: skip


def status_after_event(table: TransitionTable, status: str, event_type: str) -> str:
    """The status an order in `status` has after `event_type`, or the refusal (409) when the
    table has no such move or a finished order is given news."""
    action = EVENT_MOVES.get(event_type)
    if action is not None:
        return table.next_state(status, action)
    if status in TERMINAL:
        raise IllegalTransitionError(
            f"An order that is {status} takes no {event_type.replace('_', ' ')} event.",
            details={"status": status, "event": event_type},
        )
    return status


def takes_updates(status: str) -> bool:
    """Whether a conversation may subscribe to the order's events: only while it is unfinished."""
    return status not in TERMINAL
