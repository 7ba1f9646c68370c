"""The seeded helpdesk accounts: one password each, from HELPDESK_<USERNAME>_PASSWORD; databases
seeded when every account shared HELPDESK_DEMO_PASSWORD move to the accounts' own passwords;
an operator sets a password from the command line, under the same rule."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.core.config import Settings
from backoffice.core.db import make_engine, make_session_factory
from backoffice.core.passwords import verify_password
from backoffice.core.schema import upgrade
from backoffice.helpdesk.models import Agent, AgentSession
from backoffice.helpdesk.seed import seed_agents, seed_from_settings
from backoffice.helpdesk.services.agents import AgentService
from caredesk_rules.accounts import PASSWORD_VARIABLES
from devstack.backoffice import AGENT_PASSWORDS
from devstack.processes import REPO_ROOT

SHARED = "the one password everybody had"


@pytest.fixture(autouse=True)
def no_password_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (*PASSWORD_VARIABLES.values(), "HELPDESK_DEMO_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'agents.db'}")
    upgrade(engine)  # as `python -m backoffice migrate` does: the operator's CLI finds it at head
    yield engine
    engine.dispose()


def settings(passwords: dict[str, str], shared: str | None = None) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, api_key="k", seed_passwords=passwords, helpdesk_demo_password=shared
    )


def hashes(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.execute(select(Agent.username, Agent.password_hash)).all()
        return {username: password_hash for username, password_hash in rows}


def test_every_account_gets_its_own_password(engine: Engine) -> None:
    assert seed_from_settings(make_session_factory(engine), settings(AGENT_PASSWORDS))
    stored = hashes(engine)
    assert sorted(stored) == sorted(PASSWORD_VARIABLES)
    for username, password_hash in stored.items():
        assert verify_password(AGENT_PASSWORDS[username], password_hash)
    assert not verify_password(AGENT_PASSWORDS["billing"], stored["admin"])
    assert not seed_from_settings(make_session_factory(engine), settings(AGENT_PASSWORDS))


def test_an_account_without_its_variable_cannot_sign_in(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    passwords = {k: v for k, v in AGENT_PASSWORDS.items() if k != "admin"}
    with caplog.at_level(logging.WARNING):
        seed_from_settings(make_session_factory(engine), settings(passwords))
    assert "HELPDESK_ADMIN_PASSWORD" in caplog.text
    assert not any(verify_password(p, hashes(engine)["admin"]) for p in AGENT_PASSWORDS.values())
    assert AGENT_PASSWORDS["admin"] not in caplog.text


def test_the_shared_demo_password_is_retired(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A database seeded before: every account on SHARED, billing has changed hers since."""
    factory = make_session_factory(engine)
    now = datetime.now(timezone.utc)
    with factory() as session:
        seed_agents(session, dict.fromkeys(PASSWORD_VARIABLES, SHARED))
        agents = AgentService(session)
        billing = agents.repo.agent_by_username("billing")
        admin = agents.repo.agent_by_username("admin")
        assert billing is not None and admin is not None
        agents.set_password(billing, "Mai Anh's own choice")
        session.add(
            AgentSession(
                agent_id=admin.id,
                token_hash="0" * 64,
                created_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
        session.commit()
    passwords = {k: v for k, v in AGENT_PASSWORDS.items() if k != "sales"}
    with caplog.at_level(logging.INFO):
        seed_from_settings(factory, settings(passwords, shared=SHARED))
    stored = hashes(engine)
    for username in PASSWORD_VARIABLES:
        if username in ("billing", "sales"):
            continue
        assert verify_password(AGENT_PASSWORDS[username], stored[username]), username
        assert not verify_password(SHARED, stored[username])
    assert verify_password("Mai Anh's own choice", stored["billing"])  # hers stays
    assert verify_password(SHARED, stored["sales"])  # no variable: nothing to move to
    assert "HELPDESK_DEMO_PASSWORD still opens sales: set HELPDESK_SALES_PASSWORD" in caplog.text
    with Session(engine) as session:
        assert session.execute(select(AgentSession)).all() == []  # admin's session ended
    caplog.clear()
    with caplog.at_level(logging.INFO):
        seed_from_settings(factory, settings(AGENT_PASSWORDS, shared=SHARED))
    assert verify_password(AGENT_PASSWORDS["sales"], hashes(engine)["sales"])
    assert "remove it from .env" not in caplog.text  # sales moved just now
    with caplog.at_level(logging.INFO):
        seed_from_settings(factory, settings(AGENT_PASSWORDS, shared=SHARED))
    assert "HELPDESK_DEMO_PASSWORD is used by no account any more" in caplog.text


def test_an_operator_sets_a_password_under_the_same_rule(engine: Engine, tmp_path: Path) -> None:
    seed_from_settings(make_session_factory(engine), settings(AGENT_PASSWORDS))
    url = str(engine.url)

    def set_password(password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "backoffice.helpdesk.seed", "set-password", "technical"],
            input=password + "\n",
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env={
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": str(REPO_ROOT),
                "BACKOFFICE_DATABASE_URL": url,
                "BACKOFFICE_API_KEY": "k",
            },
            timeout=60,
            check=False,
        )

    weak = set_password("technical-1234")
    assert weak.returncode == 2
    assert "must not contain the username" in weak.stderr
    assert verify_password(AGENT_PASSWORDS["technical"], hashes(engine)["technical"])
    done = set_password("Thắng đổi mật khẩu")
    assert done.returncode == 0, done.stderr
    assert verify_password("Thắng đổi mật khẩu", hashes(engine)["technical"])
