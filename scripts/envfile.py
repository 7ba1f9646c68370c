"""Reads and fills the repository's `.env`: secrets come from the environment or from there.

Missing secrets get random values; values already there are kept. The seeded helpdesk accounts
get one password each (`HELPDESK_ADMIN_PASSWORD`, `HELPDESK_BILLING_PASSWORD`, ...): the first
password of that account, used when the back office seeds it; the agent changes it in the
console afterwards.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from caredesk_rules.accounts import PASSWORD_VARIABLES, password_problem

GENERATED_SECRETS = (
    "RASA_AUTH_TOKEN",
    "BACKOFFICE_API_KEY",
    "CAREDESK_SESSION_SECRET",  # signs the widget's conversation tokens (channels/socketio.py)
    "ACTION_SERVER_TOKEN",  # Rasa -> action server (scripts/action_server.py, endpoints.yml)
    "TELEGRAM_SECRET_TOKEN",  # Telegram -> webhook, used when Telegram is configured
    "CAREDESK_SHOP_SECRET",  # the shop signs its signed-in customer (channels/shop_identity.py)
)
PASSWORDS_COMMENT = (
    "# First password of each helpdesk account (sign in at /console as admin, billing, ...);\n"
    "# used when the accounts are created. Change it in the console after signing in.\n"
)


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def new_password(username: str) -> str:
    """22 random characters (128 bits) that meet the password rule."""
    while True:
        password = secrets.token_urlsafe(16)
        if password_problem(password, username) is None:
            return password


def ensure_secrets(
    path: Path, names: tuple[str, ...] = GENERATED_SECRETS, passwords_too: bool = True
) -> list[str]:
    """Writes a random value for every missing secret of `names` (and, with `passwords_too`,
    the accounts' first passwords); returns the names it added."""
    existing = read_env_file(path)
    values = {name: secrets.token_urlsafe(32) for name in names if not existing.get(name)}
    passwords = {
        variable: new_password(username)
        for username, variable in PASSWORD_VARIABLES.items()
        if passwords_too and not existing.get(variable)
    }
    lines = [f"{name}={value}\n" for name, value in values.items()]
    if passwords:
        lines += [PASSWORDS_COMMENT, *(f"{name}={value}\n" for name, value in passwords.items())]
    if lines:
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        if before and not before.endswith("\n"):
            lines.insert(0, "\n")  # a last line without its newline stays a line of its own
        # Created readable by its owner only (not first world-readable, then chmod).
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.writelines(lines)
        path.chmod(0o600)
    return [*values, *passwords]


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    for name in ensure_secrets(target):
        print(f"wrote a random {name} into {target}")
