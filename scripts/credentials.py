"""Composes Rasa's effective credentials: the base `credentials.yml` plus every messaging channel
whose required environment variables are all set.

Why not `${VAR}` in credentials.yml: Rasa fails to start when a referenced variable is unset, so
optional channels could not live there. Secrets stay in the environment (or `.env`); the composed
file is written with mode 600 and never printed.

    python -m scripts.credentials var/credentials.yml [--env-file .env]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scripts.envfile import read_env_file

ROOT = Path(__file__).resolve().parent.parent
BASE_CREDENTIALS = ROOT / "credentials.yml"


@dataclass(frozen=True)
class ChannelSpec:
    """One messaging channel: its Rasa class and which env var fills which credential key."""

    name: str  # the channel's name in Rasa (tracker input_channel, webhook path)
    class_path: str  # the key in credentials.yml
    required: Mapping[str, str]  # env var -> credential key
    optional: Mapping[str, str] = field(default_factory=dict)


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        "telegram",
        "channels.telegram.TelegramInput",
        required={
            "TELEGRAM_ACCESS_TOKEN": "access_token",
            "TELEGRAM_BOT_NAME": "verify",
            "TELEGRAM_WEBHOOK_URL": "webhook_url",
        },
        optional={"TELEGRAM_SECRET_TOKEN": "secret_token", "TELEGRAM_API_URL": "api_url"},
    ),
    ChannelSpec(
        "facebook",
        "channels.messenger.MessengerInput",
        required={
            "FACEBOOK_VERIFY_TOKEN": "verify",
            "FACEBOOK_APP_SECRET": "secret",
            "FACEBOOK_PAGE_ACCESS_TOKEN": "page-access-token",
        },
        optional={"FACEBOOK_GRAPH_API_URL": "graph_api_url"},
    ),
    ChannelSpec(
        "zalo",
        "channels.zalo.ZaloInput",
        required={
            "ZALO_APP_ID": "app_id",
            "ZALO_OA_SECRET_KEY": "secret_key",
            "ZALO_OA_ACCESS_TOKEN": "access_token",
        },
        optional={"ZALO_API_URL": "api_url"},
    ),
)


@dataclass
class Composition:
    credentials: dict[str, Any]
    enabled: list[str]  # channel names added from the environment
    incomplete: dict[str, list[str]]  # channel name -> required env vars still missing


def _set(env: Mapping[str, str], name: str) -> bool:
    return bool(env.get(name, "").strip())


def compose(env: Mapping[str, str], base: Path = BASE_CREDENTIALS) -> Composition:
    """The base credentials, untouched, plus each fully configured channel of `CHANNELS`."""
    loaded = yaml.safe_load(base.read_text(encoding="utf-8")) if base.exists() else None
    if loaded is not None and not isinstance(loaded, dict):
        raise ValueError(f"{base}: expected a mapping of channels")
    credentials: dict[str, Any] = dict(loaded or {})
    enabled: list[str] = []
    incomplete: dict[str, list[str]] = {}
    for spec in CHANNELS:
        missing = [var for var in spec.required if not _set(env, var)]
        if missing:
            if len(missing) < len(spec.required):
                incomplete[spec.name] = missing
            continue
        entry = {key: env[var].strip() for var, key in spec.required.items()}
        entry.update(
            {key: env[var].strip() for var, key in spec.optional.items() if _set(env, var)}
        )
        credentials[spec.class_path] = entry
        enabled.append(spec.name)
    return Composition(credentials, enabled, incomplete)


def write(target: Path, composition: Composition) -> Path:
    """Write the credentials readable by the owner only (they hold tokens and app secrets)."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Written by scripts/credentials.py from the environment: do not edit.\n")
        yaml.safe_dump(composition.credentials, handle, sort_keys=False, allow_unicode=True)
    target.chmod(0o600)  # O_CREAT's mode does not apply to a file that already existed
    return target


def summary(composition: Composition) -> str:
    """Which channels are on (names only, never a secret)."""
    names = {spec.class_path: spec.name for spec in CHANNELS}
    on = [names.get(key, key) for key in composition.credentials]
    lines = ["channels: " + ", ".join(on)]
    for spec in CHANNELS:
        if spec.name in composition.incomplete:
            lines.append(
                f"  {spec.name}: not enabled, missing "
                + ", ".join(composition.incomplete[spec.name])
            )
    return "\n".join(lines)


def environment_with_env_file(env_file: Path) -> dict[str, str]:
    """`.env` first, the real environment on top (as `make run` does)."""
    env = read_env_file(env_file)
    env.update(os.environ)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("target", type=Path, help="where to write the composed credentials")
    parser.add_argument("--env-file", type=Path, default=ROOT / ".env")
    parser.add_argument("--base", type=Path, default=BASE_CREDENTIALS)
    args = parser.parse_args(argv)
    composition = compose(environment_with_env_file(args.env_file), args.base)
    write(args.target, composition)
    print(summary(composition))
    return 0


if __name__ == "__main__":
    sys.exit(main())
