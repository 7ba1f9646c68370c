"""Reads and fills the repository's `.env`: secrets come from the environment or from there."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

GENERATED_SECRETS = (
    "RASA_AUTH_TOKEN",
    "BACKOFFICE_API_KEY",
    "HELPDESK_DEMO_PASSWORD",
    "CAREDESK_SESSION_SECRET",  # signs the widget's conversation tokens (channels/socketio.py)
    "ACTION_SERVER_TOKEN",  # Rasa -> action server (scripts/action_server.py, endpoints.yml)
    "TELEGRAM_SECRET_TOKEN",  # Telegram -> webhook, used when Telegram is configured
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


def ensure_secrets(path: Path) -> list[str]:
    """Writes a random value for every missing secret; returns the names it added."""
    existing = read_env_file(path)
    added = [name for name in GENERATED_SECRETS if not existing.get(name)]
    if added:
        with path.open("a", encoding="utf-8") as handle:
            for name in added:
                handle.write(f"{name}={secrets.token_urlsafe(32)}\n")
        path.chmod(0o600)
    return added


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    for name in ensure_secrets(target):
        print(f"wrote a random {name} into {target}")
