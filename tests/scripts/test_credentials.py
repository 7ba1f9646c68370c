"""Composing Rasa's credentials from the environment: base channels kept as they are, each
messaging channel added only when all its required variables are set, secrets never printed."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from devstack.processes import REPO_ROOT
from scripts.credentials import BASE_CREDENTIALS, CHANNELS, compose, summary, write

TELEGRAM = {
    "TELEGRAM_ACCESS_TOKEN": "123:secret-telegram-token",
    "TELEGRAM_BOT_NAME": "shop_bot",
    "TELEGRAM_WEBHOOK_URL": "https://shop.example.com/webhooks/telegram/webhook",
}
FACEBOOK = {
    "FACEBOOK_VERIFY_TOKEN": "verify-me",
    "FACEBOOK_APP_SECRET": "secret-app-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "secret-page-token",
}
ZALO = {
    "ZALO_APP_ID": "4242",
    "ZALO_OA_SECRET_KEY": "secret-zalo-key",
    "ZALO_OA_ACCESS_TOKEN": "secret-zalo-token",
}


def base() -> dict:
    return dict(yaml.safe_load(BASE_CREDENTIALS.read_text(encoding="utf-8")))


def test_without_channel_variables_the_base_credentials_are_unchanged():
    composition = compose({"PATH": "/usr/bin"})
    assert composition.credentials == base()
    assert composition.enabled == [] and composition.incomplete == {}


def test_each_fully_configured_channel_is_added_with_its_keys():
    env = {
        **TELEGRAM,
        "TELEGRAM_SECRET_TOKEN": "tg-secret",
        **FACEBOOK,
        "FACEBOOK_GRAPH_API_URL": "http://127.0.0.1:9999",
        **ZALO,
    }
    composition = compose(env)
    assert composition.enabled == ["telegram", "facebook", "zalo"]
    credentials = composition.credentials
    for key, value in base().items():  # rest, socketio: copied whatever their class key is
        assert credentials[key] == value
    assert credentials["channels.telegram.TelegramInput"] == {
        "access_token": "123:secret-telegram-token",
        "verify": "shop_bot",
        "webhook_url": "https://shop.example.com/webhooks/telegram/webhook",
        "secret_token": "tg-secret",
    }
    assert credentials["channels.messenger.MessengerInput"] == {
        "verify": "verify-me",
        "secret": "secret-app-secret",
        "page-access-token": "secret-page-token",
        "graph_api_url": "http://127.0.0.1:9999",
    }
    assert credentials["channels.zalo.ZaloInput"] == {
        "app_id": "4242",
        "secret_key": "secret-zalo-key",
        "access_token": "secret-zalo-token",
    }


def test_a_partly_configured_channel_is_left_out_and_named():
    env = {**FACEBOOK, "TELEGRAM_ACCESS_TOKEN": "123:x", "TELEGRAM_BOT_NAME": "  "}
    composition = compose(env)
    assert composition.enabled == ["facebook"]
    assert "channels.telegram.TelegramInput" not in composition.credentials
    assert composition.incomplete == {"telegram": ["TELEGRAM_BOT_NAME", "TELEGRAM_WEBHOOK_URL"]}
    text = summary(composition)
    assert "facebook" in text and "TELEGRAM_WEBHOOK_URL" in text
    assert "secret" not in text and "123:x" not in text


def test_a_custom_socketio_class_in_the_base_file_is_kept(tmp_path):
    custom = tmp_path / "credentials.yml"
    custom.write_text(
        "rest:\nchannels.socketio.RedisSocketIOInput:\n  session_persistence: true\n",
        encoding="utf-8",
    )
    composition = compose(TELEGRAM, custom)
    assert list(composition.credentials) == [
        "rest",
        "channels.socketio.RedisSocketIOInput",
        "channels.telegram.TelegramInput",
    ]
    assert composition.credentials["channels.socketio.RedisSocketIOInput"] == {
        "session_persistence": True
    }


def test_a_base_file_that_is_not_a_mapping_is_an_error(tmp_path):
    broken = tmp_path / "credentials.yml"
    broken.write_text("- rest\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        compose({}, broken)


def test_the_written_file_is_private_and_loads_back(tmp_path):
    target = tmp_path / "var" / "credentials.yml"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)
    composition = compose({**FACEBOOK})
    write(target, composition)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert yaml.safe_load(target.read_text(encoding="utf-8")) == composition.credentials


def test_the_table_has_one_entry_per_channel_with_distinct_variables():
    names = [spec.name for spec in CHANNELS]
    assert names == ["telegram", "facebook", "zalo"]
    variables = [var for spec in CHANNELS for var in (*spec.required, *spec.optional)]
    assert len(variables) == len(set(variables))


def test_command_line_writes_the_file_and_prints_only_channel_names(tmp_path):
    target = tmp_path / "credentials.yml"
    env_file = tmp_path / ".env"
    env_file.write_text(
        "".join(f"{key}={value}\n" for key, value in TELEGRAM.items()), encoding="utf-8"
    )
    run = subprocess.run(
        [sys.executable, "-m", "scripts.credentials", str(target), "--env-file", str(env_file)],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), **FACEBOOK},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "telegram" in run.stdout and "facebook" in run.stdout
    assert "secret" not in run.stdout + run.stderr
    written = yaml.safe_load(Path(target).read_text(encoding="utf-8"))
    assert written["channels.telegram.TelegramInput"]["verify"] == "shop_bot"
    assert written["channels.messenger.MessengerInput"]["verify"] == "verify-me"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
