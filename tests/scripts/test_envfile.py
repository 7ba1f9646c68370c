"""`make run` fills `.env`: random secrets, and a first password of its own for every seeded
helpdesk account; what is there already stays."""

from __future__ import annotations

import stat
from pathlib import Path

from backoffice.core.config import load_settings
from caredesk_rules.accounts import PASSWORD_VARIABLES, password_problem
from scripts.envfile import GENERATED_SECRETS, ensure_secrets, read_env_file


def test_a_new_env_file_gets_every_secret_and_one_password_per_account(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    added = ensure_secrets(target)
    assert added == [*GENERATED_SECRETS, *PASSWORD_VARIABLES.values()]
    assert "HELPDESK_ADMIN_PASSWORD" in added
    assert "HELPDESK_DEMO_PASSWORD" not in added  # no password shared by every account
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    values = read_env_file(target)
    passwords = {username: values[variable] for username, variable in PASSWORD_VARIABLES.items()}
    assert len(set(passwords.values())) == len(passwords)
    for username, password in passwords.items():
        assert password_problem(password, username) is None
    text = target.read_text(encoding="utf-8")
    assert "# First password of each helpdesk account" in text
    # The back office reads them as the seeded accounts' passwords.
    settings = load_settings(env_file=target)
    assert {u: p.get_secret_value() for u, p in settings.seed_passwords.items()} == passwords


def test_existing_values_are_kept(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    target.write_text(
        "HELPDESK_DEMO_PASSWORD=an-older-shared-one\nHELPDESK_ADMIN_PASSWORD=chosen by the owner",
        encoding="utf-8",  # and no newline at the end
    )
    added = ensure_secrets(target)
    assert "HELPDESK_ADMIN_PASSWORD" not in added and "HELPDESK_BILLING_PASSWORD" in added
    values = read_env_file(target)
    assert values["HELPDESK_ADMIN_PASSWORD"] == "chosen by the owner"
    assert values["HELPDESK_DEMO_PASSWORD"] == "an-older-shared-one"
    assert ensure_secrets(target) == []
    assert read_env_file(target) == values
