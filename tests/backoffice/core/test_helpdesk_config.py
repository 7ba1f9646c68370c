"""The helpdesk's settings: defaults, and a bad value names the variable to fix."""

from __future__ import annotations

import pytest

from backoffice.core.config import ConfigError, load_settings

VARIABLES = (
    "RASA_URL",
    "RASA_AUTH_TOKEN",
    "HANDOFF_AGENT_WAIT_SECONDS",
    "HELPDESK_DEMO_PASSWORD",
    "DELIVERY_POLL_SECONDS",
    "HELPDESK_DEPARTMENTS_FILE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BACKOFFICE_API_KEY", "k")


def test_defaults() -> None:
    settings = load_settings(env_file=None)
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.rasa_auth_token.get_secret_value() == ""
    assert settings.handoff_agent_wait_seconds == 180
    assert settings.helpdesk_demo_password is None
    assert settings.delivery_poll_seconds == 0.5
    assert settings.departments_file is None


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_URL", "http://rasa:5005/")
    monkeypatch.setenv("RASA_AUTH_TOKEN", "s3cret-rasa-token")
    monkeypatch.setenv("HANDOFF_AGENT_WAIT_SECONDS", "1")
    monkeypatch.setenv("HELPDESK_DEMO_PASSWORD", "   ")  # blank counts as unset
    monkeypatch.setenv("HELPDESK_DEPARTMENTS_FILE", "backoffice/config/departments.yml")
    settings = load_settings(env_file=None)
    assert settings.rasa_url == "http://rasa:5005"
    assert "s3cret" not in repr(settings)
    assert settings.handoff_agent_wait_seconds == 1
    assert settings.helpdesk_demo_password is None
    assert settings.departments_file is not None and settings.departments_file.is_absolute()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RASA_URL", "rasa:5005"),
        ("HANDOFF_AGENT_WAIT_SECONDS", "0"),
        ("HANDOFF_AGENT_WAIT_SECONDS", "soon"),
        ("DELIVERY_POLL_SECONDS", "-1"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings(env_file=None)
