"""Configuration comes from the environment, then `.env`; a missing key stops the service."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backoffice.core.config import (
    DEFAULT_DATABASE_URL,
    REPO_ROOT,
    ConfigError,
    load_settings,
)

VARIABLES = (
    "BACKOFFICE_DATABASE_URL",
    "BACKOFFICE_API_KEY",
    "KNOWLEDGE_FILE",
    "PUBLIC_BASE_URL",
    "BACKOFFICE_HOST",
    "BACKOFFICE_PORT",
    "BACKOFFICE_WORKERS",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_DB",
    "REDIS_KEY_PREFIX",
    "ANALYTICS_EVENTS_URL",
    "FACEBOOK_PAGE_ACCESS_TOKEN",
    "MESSENGER_UPDATE_TEMPLATE",
    "ZALO_OA_ACCESS_TOKEN",
    "ZALO_ZNS_TEMPLATE_ID",
    "ZALO_ZNS_TEMPLATE_DATA",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_the_api_key_is_required(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is not None:
        monkeypatch.setenv("BACKOFFICE_API_KEY", value)
    with pytest.raises(ConfigError, match="BACKOFFICE_API_KEY"):
        load_settings(env_file=None)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_API_KEY", "s3cret-value")
    settings = load_settings(env_file=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert f"sqlite:///{REPO_ROOT / 'var' / 'backoffice.db'}" == DEFAULT_DATABASE_URL
    assert settings.knowledge_file == REPO_ROOT / "knowledge" / "store.yml"
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert "s3cret" not in repr(settings)  # the key is a secret


def test_env_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "BACKOFFICE_API_KEY=from-file\nPUBLIC_BASE_URL=https://shop.example/\n"
        "RASA_AUTH_TOKEN=unrelated\n",
        encoding="utf-8",
    )
    settings = load_settings(env_file=env_file)
    assert settings.api_key.get_secret_value() == "from-file"
    assert settings.public_base_url == "https://shop.example"
    monkeypatch.setenv("BACKOFFICE_API_KEY", "from-env")
    assert load_settings(env_file=env_file).api_key.get_secret_value() == "from-env"


def test_postgres_urls_and_relative_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_API_KEY", "k")
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", "postgres://u@db:5432/shop")
    monkeypatch.setenv("KNOWLEDGE_FILE", "knowledge/store.yml")
    settings = load_settings(env_file=None)
    assert settings.database_url == "postgresql://u@db:5432/shop"
    assert settings.knowledge_file == REPO_ROOT / "knowledge" / "store.yml"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BACKOFFICE_PORT", "eighty"),
        ("PUBLIC_BASE_URL", "ftp://x"),
        ("ANALYTICS_EVENTS_URL", "redis://localhost/0"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("BACKOFFICE_API_KEY", "k")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings(env_file=None)


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        ({"ZALO_ZNS_TEMPLATE_DATA": "order_code"}, "ZALO_ZNS_TEMPLATE_DATA expected name=field"),
        ({"MESSENGER_UPDATE_TEMPLATE": "order_update"}, "needs FACEBOOK_PAGE_ACCESS_TOKEN"),
        ({"ZALO_ZNS_TEMPLATE_ID": "231490"}, "needs ZALO_OA_ACCESS_TOKEN"),
    ],
)
def test_an_update_template_needs_its_token_and_a_readable_mapping(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], problem: str
) -> None:
    monkeypatch.setenv("BACKOFFICE_API_KEY", "k")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=problem):
        load_settings(env_file=None)


def test_the_server_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BACKOFFICE_API_KEY": "", "HOME": str(tmp_path)}
    env["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'never.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "backoffice"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "BACKOFFICE_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "never.db").exists()


def test_one_worker_and_no_redis_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_API_KEY", "s3cret-value")
    settings = load_settings(env_file=None)
    assert settings.workers == 1
    assert settings.redis_host == ""
    assert (settings.redis_port, settings.redis_db, settings.redis_key_prefix) == (
        6379,
        0,
        "caredesk",
    )


def test_several_workers_need_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a shared Redis, a console would hear only the pushes of its own worker."""
    monkeypatch.setenv("BACKOFFICE_API_KEY", "s3cret-value")
    monkeypatch.setenv("BACKOFFICE_WORKERS", "3")
    with pytest.raises(ConfigError, match="BACKOFFICE_WORKERS=3 needs REDIS_HOST"):
        load_settings(env_file=None)
    monkeypatch.setenv("REDIS_HOST", " redis.internal ")
    monkeypatch.setenv("REDIS_PORT", "")  # blank, as a template leaves it: the default
    monkeypatch.setenv("REDIS_DB", "2")
    monkeypatch.setenv("REDIS_KEY_PREFIX", "shop-a")
    settings = load_settings(env_file=None)
    assert settings.workers == 3
    assert (settings.redis_host, settings.redis_port, settings.redis_db) == (
        "redis.internal",
        6379,
        2,
    )
    assert settings.redis_key_prefix == "shop-a"


@pytest.mark.parametrize(
    ("name", "value"),
    [("BACKOFFICE_WORKERS", "0"), ("BACKOFFICE_WORKERS", "many"), ("REDIS_PORT", "70000")],
)
def test_worker_and_redis_settings_are_checked(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("BACKOFFICE_API_KEY", "s3cret-value")
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings(env_file=None)
