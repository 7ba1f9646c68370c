import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from scripts import action_answers

ORIGINAL = RemoteAction._validate_action_result

SESSION_START = {
    "events": [
        {"event": "session_started", "timestamp": None},
        {"event": "slot", "name": "language", "value": "vi", "timestamp": None},
        {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
    ],
    "responses": [{"text": "Xin chào", "buttons": []}],
}
WRONG = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot without its name
    {"events": [], "responses": ["not an object"]},
]


@pytest.fixture
def installed():
    action_answers.install()
    yield RemoteAction("action_answer_faq", None)  # no endpoint: only the check is called
    RemoteAction._validate_action_result = ORIGINAL


def test_a_valid_answer_passes_as_with_rasa(installed):
    assert ORIGINAL(installed, SESSION_START) is True
    assert installed._validate_action_result(SESSION_START) is True


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_with_rasas_error(installed, answer):
    with pytest.raises(ValidationError) as rasa:
        ORIGINAL(installed, answer)
    with pytest.raises(ValidationError) as ours:
        installed._validate_action_result(answer)
    assert ours.value.message == rasa.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_the_schema_is_checked_once(installed, monkeypatch):
    checks = []
    validator_class = type(action_answers.answer_validator())
    action_answers.answer_validator.cache_clear()
    monkeypatch.setattr(
        validator_class, "check_schema", classmethod(lambda cls, schema: checks.append(schema))
    )
    for _ in range(3):
        installed._validate_action_result(SESSION_START)
    assert len(checks) == 1
    action_answers.answer_validator.cache_clear()
