"""The verification limits in-process, on SQLite and PostgreSQL, with a clock the test moves.

Each rule of `VerificationLimits` locks on its own (per client and subject, distinct contacts per
subject, subjects per contact, failures per client), the lock lasts until enough failures left
the window, nothing is checked or recorded while locked, two processes share the counts, and
concurrent guesses cannot slip past a limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from backoffice.core.db import make_engine, make_session_factory
from backoffice.core.models import VerificationFailure
from backoffice.core.verification import (
    LIMITS,
    LOCKED,
    NOT_VERIFIED,
    VERIFIED,
    Attempt,
    Outcome,
    VerificationGuard,
    VerificationLimits,
    digest_key,
)
from backoffice.models import Base
from devstack.backoffice import temporary_postgres_database
from tests.support.services import require_service

KEY = digest_key("test-api-key")
START = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)
ORDER = "ORD-10001"
OWNER = "an.nguyen@example.com"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'verification.db'}"
        created = make_engine(url)
        Base.metadata.create_all(created)
        yield created
        created.dispose()
        return
    require_service("postgres")
    with temporary_postgres_database("caredesk_verification") as url:
        created = make_engine(url)
        Base.metadata.create_all(created)
        yield created
        created.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker:
    return make_session_factory(engine)


Check = Callable[..., Outcome]


@pytest.fixture
def check(sessions: sessionmaker, clock: Clock) -> Iterator[Check]:
    """One verification as a route makes it: its own session, the ownership answer given."""
    opened: list[Session] = []

    def run(
        contact: str,
        client: str,
        subject: str = ORDER,
        kind: str = "order",
        owner: str = OWNER,
        limits: VerificationLimits = LIMITS,
    ) -> Outcome:
        session = sessions()
        opened.append(session)
        guard = VerificationGuard(session, KEY, limits=limits, clock=clock)
        return guard.check(Attempt(kind, subject, contact, client), lambda: contact == owner)

    yield run
    for session in opened:
        session.close()


def rows(sessions: sessionmaker) -> int:
    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(VerificationFailure)).scalar())


def test_a_right_contact_is_verified_and_nothing_is_recorded(
    check: Check, sessions: sessionmaker
) -> None:
    assert check(OWNER, "rest:a") == Outcome(VERIFIED)
    assert rows(sessions) == 0


def test_three_failures_of_one_conversation_lock_the_order_for_everybody(
    check: Check, clock: Clock, sessions: sessionmaker
) -> None:
    first = check("x1@example.com", "rest:guesser")
    assert first == Outcome(NOT_VERIFIED, attempts_left=2)
    clock.advance(minutes=1)
    assert check("x2@example.com", "rest:guesser").attempts_left == 1
    clock.advance(minutes=1)
    third = check("x3@example.com", "rest:guesser")
    assert third.status == LOCKED
    assert third.locked_until == START + LIMITS.window  # the first failure leaves the window

    # The right contact from the same conversation, after a restart, or from a new sender id:
    # not even checked, and not recorded either.
    for client in ("rest:guesser", "rest:new-sender", "socketio:0123456789abcdef"):
        assert check(OWNER, client) == Outcome(LOCKED, locked_until=START + LIMITS.window)
    assert rows(sessions) == 3

    clock.now = START + LIMITS.window  # the first failure is out of the window: open again
    assert check(OWNER, "rest:owner") == Outcome(VERIFIED)


def test_a_conversation_that_proves_the_order_is_forgiven_its_slips(check: Check) -> None:
    check("typo@example.com", "rest:owner")
    check("another-typo@example.com", "rest:owner")
    assert check(OWNER, "rest:owner").verified
    assert check("third-typo@example.com", "rest:owner") == Outcome(NOT_VERIFIED, attempts_left=2)


def test_eight_wrong_contacts_from_eight_conversations_lock_the_order(check: Check) -> None:
    for n in range(7):
        outcome = check(f"guess{n}@example.com", f"rest:conversation-{n}")
        assert outcome.status == NOT_VERIFIED
    assert outcome.attempts_left == 1  # one more distinct contact locks it
    assert check("guess7@example.com", "rest:conversation-7").status == LOCKED
    assert check(OWNER, "rest:the-owner").status == LOCKED
    assert check(OWNER, "rest:another", subject="ORD-10004").verified  # only that order


def test_the_same_wrong_contact_from_many_conversations_counts_once(check: Check) -> None:
    for n in range(9):
        assert check("0999 999 999", f"rest:c{n}").status == NOT_VERIFIED
    assert check(OWNER, "rest:owner").verified


def test_one_contact_walking_through_order_ids_is_stopped(check: Check) -> None:
    phone_formats = ["0999 888 777", "+84999888777", "0999.888.777", "84999888777", "0999888777"]
    for n, phone in enumerate(phone_formats):  # five orders, one phone in five spellings
        outcome = check(phone, f"rest:walker-{n}", subject=f"ORD-2000{n}")
        assert outcome.status == (LOCKED if n == 4 else NOT_VERIFIED), n
    # The phone is locked on any order, for any conversation; other contacts are not.
    assert check("0999888777", "rest:fresh", subject="ORD-20009").status == LOCKED
    assert check(OWNER, "rest:owner").verified


def test_one_conversation_guessing_anything_is_stopped(check: Check) -> None:
    for n in range(9):
        outcome = check(f"g{n}@example.com", "rest:busy", subject=f"ORD-3000{n}")
        assert outcome.status == NOT_VERIFIED
    assert check("g9@example.com", "rest:busy", subject="ORD-30009").status == LOCKED
    assert check(OWNER, "rest:busy").status == LOCKED  # even its own order
    assert check(OWNER, "rest:other").verified


def test_tickets_are_counted_like_orders_and_apart_from_them(check: Check) -> None:
    for n in range(2):
        check(f"t{n}@example.com", "rest:t", subject="TCK-000001", kind="ticket")
    # Two failures on the ticket do not count against the order with the same id space.
    assert check(OWNER, "rest:t").verified
    locked = check("t2@example.com", "rest:t", subject="TCK-000001", kind="ticket")
    assert locked.status == LOCKED


def test_old_failures_leave_the_window_and_the_table(
    check: Check, clock: Clock, sessions: sessionmaker
) -> None:
    check("old@example.com", "rest:old")
    check("old2@example.com", "rest:old")
    clock.advance(seconds=LIMITS.window.total_seconds() + 1)
    assert check("new@example.com", "rest:old") == Outcome(NOT_VERIFIED, attempts_left=2)
    assert rows(sessions) == 1


def test_contacts_and_clients_are_stored_as_digests(check: Check, sessions: sessionmaker) -> None:
    check("0912 345 678", "telegram:123456789")
    with sessions() as session:
        stored = session.execute(text("SELECT * FROM verification_failures")).one()
    assert not any("912345678" in str(value) or "123456789" in str(value) for value in stored)


def test_two_processes_share_the_counts(engine: Engine, clock: Clock, tmp_path: Path) -> None:
    """A second engine stands in for a second back-office process on the same database."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        factories = [make_session_factory(engine), make_session_factory(other)]
        for n in range(3):
            with factories[n % 2]() as session:
                guard = VerificationGuard(session, KEY, clock=clock)
                outcome = guard.check(
                    Attempt("order", ORDER, f"p{n}@example.com", "rest:x"), lambda: False
                )
        assert outcome.status == LOCKED
    finally:
        other.dispose()


def test_concurrent_guesses_cannot_slip_past_a_limit(sessions: sessionmaker, clock: Clock) -> None:
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        with sessions() as session:
            guard = VerificationGuard(session, KEY, clock=clock)
            outcome = guard.check(
                Attempt("order", ORDER, f"c{n}@example.com", f"rest:c{n}"), lambda: False
            )
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 16
    # Exactly eight were checked (the eighth locked it); the other eight were not.
    assert sum(1 for o in outcomes if o.status == NOT_VERIFIED) == 7
    assert sum(1 for o in outcomes if o.status == LOCKED) == 9
    assert rows(sessions) == 8
