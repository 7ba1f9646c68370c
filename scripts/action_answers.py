"""The Rasa server's check of the action server's answers, with the schema checked once.

Rasa 3.6 checks every answer of the action server (`RemoteAction._validate_action_result`) with
`jsonschema.validate`, which first checks the schema itself against JSON Schema's meta-schema:
about 95 % of the check's cost, on every custom action, and under load the largest single cost of
a turn in the Rasa process (README "Speed"). The schema is a constant: here it is checked once
and one validator checks every answer. Same verdicts, same errors, same message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def answer_validator() -> Any:
    """The validator of `RemoteAction`'s answer schema (the schema checked, once)."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result`, on the one validator."""
    error = exceptions.best_match(answer_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (  # Rasa's own words
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """In the Rasa server's process, before it serves."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
