"""Login throttling on a real database (SQLite and PostgreSQL) with a clock the test moves:
the limits of `backoffice.helpdesk.login_limits`, their windows and lockouts, and reservations that
hold under parallel attempts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from backoffice.core.db import make_engine, make_session_factory
from backoffice.helpdesk.login_limits import ACCOUNT_LIMIT, CLIENT_LIMIT
from backoffice.helpdesk.models import LoginCounter
from backoffice.helpdesk.seed import seed_agents
from backoffice.helpdesk.services.agents import AgentService, InvalidCredentialsError
from backoffice.helpdesk.services.login_throttle import LoginThrottle, TooManyAttemptsError
from backoffice.models import Base
from devstack.backoffice import AGENT_PASSWORDS, temporary_postgres_database
from tests.support.services import require_service

START = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)
HOME, OFFICE = "198.51.100.7", "203.0.113.9"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'throttle.db'}"
        else:
            require_service("postgres")
            url = stack.enter_context(temporary_postgres_database("caredesk_throttle"))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        Base.metadata.create_all(engine)
        yield make_session_factory(engine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def wrong(factory: sessionmaker, clock: Clock, account: str, client: str = HOME) -> None:
    """One attempt with a wrong password, as the service makes it."""
    with factory() as session:
        throttle = LoginThrottle(session, clock=clock)
        throttle.admit(account, client)
        throttle.failed(account, client)


def refused(factory: sessionmaker, clock: Clock, account: str, client: str = HOME) -> int | None:
    """The Retry-After seconds when the next attempt is refused; None when it is let through
    (and then given back, as a right password would)."""
    with factory() as session:
        throttle = LoginThrottle(session, clock=clock)
        try:
            throttle.admit(account, client)
        except TooManyAttemptsError as error:
            assert error.status_code == 429
            assert error.headers == {"Retry-After": str(error.details["retry_after_seconds"])}
            return int(error.details["retry_after_seconds"])
        return None


def test_the_fifth_wrong_password_locks_the_account_for_15_minutes(
    factory: sessionmaker, clock: Clock
) -> None:
    assert ACCOUNT_LIMIT.max_failures == 5 and ACCOUNT_LIMIT.lockout == timedelta(minutes=15)
    for _ in range(4):
        wrong(factory, clock, "billing")
        clock.advance(timedelta(seconds=10))
    assert refused(factory, clock, "billing") is None  # the fifth try is still allowed ...
    with factory() as session:
        LoginThrottle(session, clock=clock).failed("billing", HOME)  # ... and is wrong
    assert refused(factory, clock, "billing") == 15 * 60
    assert refused(factory, clock, "billing", client=OFFICE) == 15 * 60  # from anywhere
    assert refused(factory, clock, "logistics") is None  # other accounts are not locked
    clock.advance(timedelta(minutes=14, seconds=59))
    assert refused(factory, clock, "billing") == 1
    clock.advance(timedelta(seconds=1))
    assert refused(factory, clock, "billing") is None  # served: a new count starts
    for _ in range(3):
        wrong(factory, clock, "billing")
    assert refused(factory, clock, "billing") is None


def test_failures_older_than_the_window_are_forgotten(factory: sessionmaker, clock: Clock) -> None:
    for _ in range(4):
        wrong(factory, clock, "sales")
    clock.advance(ACCOUNT_LIMIT.window)
    for _ in range(4):
        wrong(factory, clock, "sales")
    assert refused(factory, clock, "sales") is None


def test_one_address_trying_many_accounts_is_stopped(factory: sessionmaker, clock: Clock) -> None:
    assert CLIENT_LIMIT.max_failures == 20
    for number in range(20):
        wrong(factory, clock, f"guess{number}")  # unknown names count like real ones
    assert refused(factory, clock, "admin") == 15 * 60
    assert refused(factory, clock, "admin", client=OFFICE) is None


def test_a_right_password_clears_the_account_and_lockout_refuses_it(
    factory: sessionmaker, clock: Clock
) -> None:
    with factory() as session:
        seed_agents(session, {"billing": AGENT_PASSWORDS["billing"]})
    right = AGENT_PASSWORDS["billing"]

    def login(password: str) -> str:
        with factory() as session:
            try:
                AgentService(session, clock=clock).login("billing", password, HOME)
            except (InvalidCredentialsError, TooManyAttemptsError) as error:
                return error.code
            return "signed in"

    assert [login("wrong password") for _ in range(4)] == ["invalid_credentials"] * 4
    assert login(right) == "signed in"
    assert [login("wrong password") for _ in range(4)] == ["invalid_credentials"] * 4
    assert login("wrong password") == "invalid_credentials"  # the fifth since the success
    assert login(right) == "too_many_attempts"  # locked: not even the right one is checked
    with factory() as session:
        client = session.execute(
            select(LoginCounter.failures).where(LoginCounter.scope == "client")
        ).scalar_one()
    assert client == 9  # nine wrong ones; the right one gave its try back
    clock.advance(ACCOUNT_LIMIT.lockout)
    assert login(right) == "signed in"


def test_parallel_attempts_cannot_pass_the_limit(factory: sessionmaker, clock: Clock) -> None:
    """Each attempt is reserved before the (slow) password check: twelve at once get five."""
    barrier = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        with factory() as session:
            barrier.wait()
            try:
                LoginThrottle(session, clock=clock).admit("admin", HOME)
                outcome = "admitted"
            except TooManyAttemptsError:
                outcome = "refused"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["admitted"] * 5 + ["refused"] * 7


def test_rows_that_count_nothing_are_removed(factory: sessionmaker, clock: Clock) -> None:
    for number in range(3):
        wrong(factory, clock, f"typo{number}")
    clock.advance(CLIENT_LIMIT.window + timedelta(seconds=1))
    wrong(factory, clock, "billing", client=OFFICE)
    with factory() as session:
        keys = session.execute(select(LoginCounter.scope, LoginCounter.key)).all()
    assert sorted(tuple(k) for k in keys) == [("account", "billing"), ("client", OFFICE)]
