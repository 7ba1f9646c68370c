"""The step before the app starts (`python -m backoffice migrate`): the schema to head, the
helpdesk's accounts, and the demo data only with CAREDESK_SEED_DEMO=true, each once; the
server refuses a database that has not been through it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice.core import schema
from backoffice.core.config import ConfigError, load_settings
from backoffice.core.db import make_engine, make_session_factory
from backoffice.helpdesk.models import Agent
from backoffice.orders.models import Order
from backoffice.orders.seed import ORDERS
from backoffice.prestart import prestart
from caredesk_rules.accounts import SEEDED_AGENTS
from devstack.backoffice import AGENT_PASSWORD_ENV
from devstack.processes import REPO_ROOT

AGENTS = len(SEEDED_AGENTS)


def counts(url: str) -> tuple[int, int]:
    """(orders, agents) in the database."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            orders = session.execute(select(func.count()).select_from(Order)).scalar_one()
            agents = session.execute(select(func.count()).select_from(Agent)).scalar_one()
        return orders, agents
    finally:
        engine.dispose()


@pytest.fixture
def settings_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = f"sqlite:///{tmp_path / 'nested' / 'app.db'}"  # the folder is created on demand
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", url)
    monkeypatch.setenv("BACKOFFICE_API_KEY", "k")
    for name, value in AGENT_PASSWORD_ENV.items():
        monkeypatch.setenv(name, value)

    def make(seed_demo: str | None):
        if seed_demo is None:
            monkeypatch.delenv("CAREDESK_SEED_DEMO", raising=False)
        else:
            monkeypatch.setenv("CAREDESK_SEED_DEMO", seed_demo)
        return load_settings(env_file=None)

    return make


def test_demo_data_is_seeded_with_the_flag_and_only_once(settings_for) -> None:
    settings = settings_for("true")
    prestart(settings)
    assert counts(settings.database_url) == (len(ORDERS), AGENTS)
    prestart(settings)  # every start runs it: nothing twice
    assert counts(settings.database_url) == (len(ORDERS), AGENTS)
    engine = make_engine(settings.database_url)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()


@pytest.mark.parametrize("flag", [None, "false", "0"])
def test_no_demo_data_without_the_flag(settings_for, flag: str | None) -> None:
    settings = settings_for(flag)
    assert settings.seed_demo is False
    prestart(settings)
    assert counts(settings.database_url) == (0, AGENTS)  # the accounts are not demo data
    engine = make_engine(settings.database_url)
    schema.require_head(engine)
    engine.dispose()


def test_turning_the_flag_on_later_seeds_an_empty_shop_only(settings_for) -> None:
    prestart(settings_for("false"))
    settings = settings_for("true")
    prestart(settings)
    assert counts(settings.database_url) == (len(ORDERS), AGENTS)


def test_production_refuses_demo_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_API_KEY", "k")
    monkeypatch.setenv("CAREDESK_ENV", "production")
    monkeypatch.delenv("CAREDESK_SEED_DEMO", raising=False)
    assert load_settings(env_file=None).seed_demo is False
    monkeypatch.setenv("CAREDESK_SEED_DEMO", "true")
    with pytest.raises(ConfigError, match="CAREDESK_SEED_DEMO"):
        load_settings(env_file=None)


def run_backoffice(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "BACKOFFICE_API_KEY": "k",
        "BACKOFFICE_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "BACKOFFICE_PORT": "9",  # never listened on: the server must refuse before
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "backoffice", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_server_refuses_a_database_that_was_not_migrated(tmp_path: Path) -> None:
    refused = run_backoffice(tmp_path)
    assert refused.returncode == 2
    assert "python -m backoffice migrate" in refused.stderr
    assert "Traceback" not in refused.stderr
    migrated = run_backoffice(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert counts(f"sqlite:///{tmp_path / 'app.db'}") == (0, AGENTS)
