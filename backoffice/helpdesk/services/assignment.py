"""Which department a request goes to: the caller's choice, or routing's reading of the words.

The helpdesk owns the routing rule, so a retailer's own helpdesk serving the same contract owns
it too: the assistant sends what the customer wrote (and the intent it understood, as a hint)
and gets back the department and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backoffice.core.errors import ConflictError, InvalidInputError
from backoffice.helpdesk.services.routing.router import Router

# What a ticket or hand-off records when the caller chose the department itself.
CALLER_CHOSE = "department chosen by the caller"


class TopicNeededError(ConflictError):
    code = "topic_needed"
    message = "The request names no topic: ask the customer what it is about."


@dataclass(frozen=True)
class Assignment:
    """`routing`: the decision as data for the console (how="caller", "routed" or "default"
    with routing's evidence), stored with the ticket next to the English `reason`."""

    department: str
    reason: str
    routing: dict[str, Any] = field(default_factory=dict)


def assign(
    router: Router,
    *,
    default_department: str,
    department: str | None = None,
    reason: str | None = None,
    text: str | None = None,
    intent: str | None = None,
    language: str | None = None,
    require_topic: bool = False,
) -> Assignment:
    """The caller's department when given, else routing's; `require_topic` refuses to guess."""
    if department is not None:
        return Assignment(department, reason or CALLER_CHOSE, {"how": "caller"})
    if not text:
        raise InvalidInputError("Give either department or the customer's words (request_text).")
    decision = router.route(text, intent, language)
    if decision.department is not None:
        return Assignment(
            decision.department,
            decision.reason,
            {"how": "routed", "evidence": list(decision.evidence)},
        )
    if require_topic:
        raise TopicNeededError(details={"reason": decision.reason})
    return Assignment(
        default_department, f"{decision.reason}; default department", {"how": "default"}
    )
