"""The REST channel's checks on a body, before anything reaches the assistant."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.exceptions import RasaException

from channels.limits import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS
from channels.rest import TOKEN_ENV, CaredeskRestInput, body_problem


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "hi",
        {},
        {"sender": "x"},
        {"message": "hi"},
        {"sender": "", "message": "hi"},
        {"sender": 5, "message": "hi"},
        {"sender": "x" * (MAX_SENDER_CHARS + 1), "message": "hi"},
        {"sender": "x", "message": "a" * (MAX_MESSAGE_CHARS + 1)},
        {"sender": "x", "message": "hi", "metadata": ["no"]},
        {"sender": "telegram:123456789", "message": "hi"},  # a messaging channel's conversation
        {"sender": "zalo:1", "message": "hi"},
    ],
)
def test_bodies_that_are_not_a_message_are_refused(body: Any) -> None:
    assert body_problem(body)


def test_a_message_passes() -> None:
    assert body_problem({"sender": "x", "message": "hi", "metadata": {"language": "vi"}}) is None


def test_production_settings_refuse_the_channel_without_its_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAREDESK_ENV", "production")
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(RasaException, match=TOKEN_ENV):
        CaredeskRestInput.from_credentials({})
    monkeypatch.setenv(TOKEN_ENV, "a-token-from-the-environment")
    assert CaredeskRestInput.from_credentials({}).token == "a-token-from-the-environment"
    monkeypatch.setenv("CAREDESK_ENV", "development")
    monkeypatch.delenv(TOKEN_ENV)
    assert CaredeskRestInput.from_credentials({}).token is None  # make run, the tests
