"""Agent sign-in and sessions in-process on a temporary SQLite database, with a clock the test
controls: a token works until it expires or is ended, and a password change ends every other
session of the agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.core.db import make_session_factory
from backoffice.core.passwords import hash_password
from backoffice.helpdesk.models import Agent, AgentSession
from backoffice.helpdesk.services.agents import (
    SESSION_LIFETIME,
    AgentService,
    InvalidCredentialsError,
    InvalidTokenError,
    WeakPasswordError,
    WrongPasswordError,
)
from caredesk_rules.accounts import PASSWORD_RULE

NOW = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a new and quite different phrase"
HOME = "203.0.113.7"


@dataclass
class World:
    """Sign-in and sessions only (conftest.py's world seeds agents without real passwords)."""

    engine: Engine
    clock: list[datetime]

    def session(self) -> Session:
        session: Session = make_session_factory(self.engine)()
        return session

    def service(self) -> AgentService:
        return AgentService(self.session(), clock=lambda: self.clock[0])

    def login(self, password: str = PASSWORD, username: str = "billing") -> str:
        token, _ = self.service().login(username, password, HOME)
        return token

    def sessions(self) -> int:
        with self.session() as session:
            return int(session.execute(select(func.count()).select_from(AgentSession)).scalar_one())


@pytest.fixture
def world(engine: Engine) -> World:
    """Two agents with a real password hash: one active, one who left."""
    with make_session_factory(engine)() as session:
        for username, active in (("billing", True), ("former", False)):
            session.add(
                Agent(
                    username=username,
                    display_name=username.title(),
                    password_hash=hash_password(PASSWORD),
                    departments=["billing"],
                    active=active,
                    created_at=NOW,
                )
            )
        session.commit()
    return World(engine, [NOW])


def test_a_token_from_signing_in_names_the_agent_until_it_expires(world: World) -> None:
    token, record = world.service().login("billing", PASSWORD, HOME)
    assert record.expires_at == NOW + SESSION_LIFETIME
    assert world.service().authenticate(token).username == "billing"
    world.clock[0] = NOW + SESSION_LIFETIME - timedelta(seconds=1)
    assert world.service().authenticate(token).username == "billing"
    world.clock[0] = NOW + SESSION_LIFETIME
    with pytest.raises(InvalidTokenError) as caught:
        world.service().authenticate(token)
    assert caught.value.status_code == 401
    assert caught.value.headers == {"WWW-Authenticate": "Bearer"}


@pytest.mark.parametrize(
    ("username", "password"),
    [("billing", "wrong password here"), ("nobody", PASSWORD), ("former", PASSWORD)],
    ids=["wrong password", "unknown agent", "inactive agent"],
)
def test_sign_in_refusals_all_look_the_same(world: World, username: str, password: str) -> None:
    with pytest.raises(InvalidCredentialsError) as caught:
        world.service().login(username, password, HOME)
    assert (caught.value.status_code, caught.value.code) == (401, "invalid_credentials")
    assert world.sessions() == 0


@pytest.mark.parametrize("token", [None, "", "x" * 201, "not-a-token-we-gave"])
def test_tokens_we_did_not_give_are_refused(world: World, token: str | None) -> None:
    with pytest.raises(InvalidTokenError):
        world.service().authenticate(token)


def test_a_deactivated_agents_sessions_stop_working(world: World) -> None:
    token = world.login()
    with world.session() as session:
        agent = session.execute(select(Agent).where(Agent.username == "billing")).scalar_one()
        agent.active = False
        session.commit()
    with pytest.raises(InvalidTokenError):
        world.service().authenticate(token)


def test_signing_out_ends_only_that_session(world: World) -> None:
    laptop, phone = world.login(), world.login()
    world.service().logout(laptop)
    with pytest.raises(InvalidTokenError):
        world.service().authenticate(laptop)
    assert world.service().authenticate(phone).username == "billing"


def test_expired_sessions_are_cleared_at_the_next_sign_in(world: World) -> None:
    world.login()
    world.clock[0] = NOW + SESSION_LIFETIME + timedelta(minutes=1)
    world.login()
    assert world.sessions() == 1


def test_a_password_change_ends_every_other_session(world: World) -> None:
    kept, other = world.login(), world.login()
    service = world.service()
    agent = service.authenticate(kept)
    assert service.change_password(agent, kept, PASSWORD, NEW_PASSWORD, HOME) == 1
    assert world.service().authenticate(kept).username == "billing"
    with pytest.raises(InvalidTokenError):
        world.service().authenticate(other)
    with pytest.raises(InvalidCredentialsError):
        world.login(PASSWORD)
    assert world.login(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("current", "new", "code"),
    [
        ("not even the current one", "short", "password_too_short"),
        ("not even the current one", "a" * PASSWORD_RULE["min_length"], "password_too_simple"),
        ("not even the current one", "my billing password 2026", "password_contains_username"),
        (PASSWORD, PASSWORD, "password_unchanged"),
    ],
)
def test_a_new_password_that_breaks_the_rule_is_refused_first(
    world: World, current: str, new: str, code: str
) -> None:
    token = world.login()
    service = world.service()
    agent = service.authenticate(token)
    with pytest.raises(WeakPasswordError) as caught:
        service.change_password(agent, token, current, new, HOME)
    assert (caught.value.status_code, caught.value.code) == (422, code)
    assert caught.value.details == PASSWORD_RULE
    assert world.login(PASSWORD)  # unchanged


def test_a_wrong_current_password_changes_nothing(world: World) -> None:
    token, other = world.login(), world.login()
    service = world.service()
    agent = service.authenticate(token)
    with pytest.raises(WrongPasswordError) as caught:
        service.change_password(agent, token, "not the current one", NEW_PASSWORD, HOME)
    assert caught.value.status_code == 403
    assert world.service().authenticate(other).username == "billing"
    assert world.login(PASSWORD)
