"""The helpdesk's settings: defaults, and a bad value names the variable to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.core.config import ConfigError, load_settings
from caredesk_rules.accounts import PASSWORD_VARIABLES

VARIABLES = (
    "CAREDESK_ENV",
    "RASA_URL",
    "RASA_AUTH_TOKEN",
    "HANDOFF_AGENT_WAIT_SECONDS",
    "HELPDESK_DEMO_PASSWORD",
    "DELIVERY_POLL_SECONDS",
    "HELPDESK_DEPARTMENTS_FILE",
    *PASSWORD_VARIABLES.values(),
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
    assert settings.seed_passwords == {}  # the seeded accounts get unusable passwords
    assert settings.delivery_poll_seconds == 0.5
    assert settings.departments_file is None
    assert settings.environment == "development" and settings.api_docs


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


def test_each_seeded_account_has_its_own_password_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert PASSWORD_VARIABLES["admin"] == "HELPDESK_ADMIN_PASSWORD"
    assert PASSWORD_VARIABLES["after_sales"] == "HELPDESK_AFTER_SALES_PASSWORD"
    env_file = tmp_path / ".env"
    env_file.write_text(
        "HELPDESK_ADMIN_PASSWORD=Huy's, from the file\n"
        "HELPDESK_BILLING_PASSWORD=Mai Anh's, from the file\n"
        "HELPDESK_SALES_PASSWORD=\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HELPDESK_BILLING_PASSWORD", "Mai Anh's, from the environment")
    monkeypatch.setenv("HELPDESK_LOGISTICS_PASSWORD", "   ")  # blank counts as unset
    settings = load_settings(env_file=env_file)
    passwords = {name: value.get_secret_value() for name, value in settings.seed_passwords.items()}
    assert passwords == {
        "admin": "Huy's, from the file",
        "billing": "Mai Anh's, from the environment",  # the environment wins, as elsewhere
    }
    assert "from the" not in repr(settings)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("short-pw", "needs at least 12 characters"),
        ("abababababababab", "needs at least 6 different characters"),
        ("my-Admin-password-2026", "must not contain the username"),
    ],
)
def test_a_weak_seed_password_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, reason: str
) -> None:
    monkeypatch.setenv("HELPDESK_ADMIN_PASSWORD", value)
    with pytest.raises(ConfigError, match=f"HELPDESK_ADMIN_PASSWORD {reason}"):
        load_settings(env_file=None)


@pytest.mark.parametrize(
    ("value", "docs"), [("production", False), (" Production ", False), ("development", True)]
)
def test_production_settings_turn_the_api_docs_off(
    monkeypatch: pytest.MonkeyPatch, value: str, docs: bool
) -> None:
    monkeypatch.setenv("CAREDESK_ENV", value)
    assert load_settings(env_file=None).api_docs is docs


def test_an_unknown_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREDESK_ENV", "prod")
    with pytest.raises(ConfigError, match="CAREDESK_ENV"):
        load_settings(env_file=None)
