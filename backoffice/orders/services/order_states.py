"""An order's status, in one table: its fulfilment path, and where the customer may cancel it.

    pending --pack--> processing --ship--> shipped --deliver--> delivered
       \\________________\\________________\\___cancel___> cancelled (where the policy allows)

Which statuses may be cancelled is the retailer's rule, read from the knowledge file
(`Policies.cancellable_statuses`, quoted by the FAQ answers), so the cancel rows are built from
it rather than written twice. A refused cancel keeps what the order API's clients read:
409 `not_cancellable` with `details` `{"status": ...}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from backoffice.core.transitions import TransitionTable

Action = Literal["pack", "ship", "deliver", "cancel"]

FULFILMENT: dict[tuple[str, str], str] = {
    ("pending", "pack"): "processing",
    ("processing", "ship"): "shipped",
    ("shipped", "deliver"): "delivered",
}
TERMINAL = ("delivered", "cancelled")  # no policy can make these cancellable


def order_table(cancellable_statuses: Iterable[str]) -> TransitionTable:
    """The table under a policy: the fulfilment path, and cancel from each cancellable status."""
    cancel = {
        (status, "cancel"): "cancelled" for status in cancellable_statuses if status not in TERMINAL
    }
    return TransitionTable(
        "order", "an order", "status", {**FULFILMENT, **cancel},
        refusal_codes={"cancel": "not_cancellable"}, explains_refusals=False,
    )  # fmt: skip
