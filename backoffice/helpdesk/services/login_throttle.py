"""Login throttling: wrong passwords counted per account and per client address, then a pause.

Each attempt is reserved in the counters before the password is checked (a scrypt check takes
tens of milliseconds), so parallel requests cannot slip more guesses past the limit; a right
password gives the client's reservation back and clears the account's count. The limits live
in `backoffice.helpdesk.login_limits`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backoffice.core.errors import AppError
from backoffice.core.unit_of_work import utcnow, writing
from backoffice.helpdesk.login_limits import ACCOUNT_LIMIT, CLIENT_LIMIT, LOGIN_LIMITS, LoginLimit
from backoffice.helpdesk.models import LoginCounter

UNKNOWN_CLIENT = "unknown"


class TooManyAttemptsError(AppError):
    status_code = 429
    code = "too_many_attempts"
    message = "Too many wrong passwords: wait before trying again."

    def __init__(self, wait: timedelta) -> None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        super().__init__(
            details={"retry_after_seconds": seconds}, headers={"Retry-After": str(seconds)}
        )


def account_key(username: str) -> str:
    """Usernames are lower case: `Billing` and `billing` share one count (known or not)."""
    return username.strip().lower()[:64]


def client_key(address: str | None) -> str:
    return (address or UNKNOWN_CLIENT)[:64]


class LoginThrottle:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    def admit(self, account: str, client: str) -> None:
        """Reserve one attempt for the account and the client, or raise TooManyAttemptsError."""
        with writing(self.session):
            now = self.clock()
            counters = self._counters(account, client, now, restart_expired=True)
            wait = _lockout_left(counters, now)
            if wait is None:
                for limit, counter in counters:
                    if counter.failures >= limit.max_failures:  # the rest is still in flight
                        counter.locked_until = now + limit.lockout
                wait = _lockout_left(counters, now)
            if wait is None:
                for _, counter in counters:
                    counter.failures += 1
        if wait is not None:  # raised after the commit: the lockout just set must stay
            raise TooManyAttemptsError(wait)

    def failed(self, account: str, client: str) -> None:
        """The reserved attempt was a wrong password: it stays counted; at the limit, lock."""
        with writing(self.session):
            now = self.clock()
            for limit, counter in self._counters(account, client, now, restart_expired=False):
                if counter.failures >= limit.max_failures and counter.locked_until is None:
                    counter.locked_until = now + limit.lockout
            self._forget_expired(now)

    def succeeded(self, account: str, client: str) -> None:
        """The right password: the account starts again at zero, the client gets its try back."""
        with writing(self.session):
            self.session.execute(
                delete(LoginCounter)
                .where(LoginCounter.scope == ACCOUNT_LIMIT.scope, LoginCounter.key == account)
                .execution_options(synchronize_session=False)
            )
            self.session.execute(
                update(LoginCounter)
                .where(
                    LoginCounter.scope == CLIENT_LIMIT.scope,
                    LoginCounter.key == client,
                    LoginCounter.failures > 0,
                )
                .values(failures=LoginCounter.failures - 1)
                .execution_options(synchronize_session=False)
            )

    # -- counters ----------------------------------------------------------------------------

    def _counters(
        self, account: str, client: str, now: datetime, *, restart_expired: bool
    ) -> list[tuple[LoginLimit, LoginCounter]]:
        keys = {ACCOUNT_LIMIT.scope: account, CLIENT_LIMIT.scope: client}
        return [
            (limit, self._counter(limit, keys[limit.scope], now, restart_expired))
            for limit in LOGIN_LIMITS
        ]

    def _counter(
        self, limit: LoginLimit, key: str, now: datetime, restart_expired: bool
    ) -> LoginCounter:
        """The row, created when missing and locked (FOR UPDATE on PostgreSQL) for this
        transaction; SQLite's BEGIN IMMEDIATE has serialised the writers already."""
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        self.session.execute(
            dialect.insert(LoginCounter)
            .values(scope=limit.scope, key=key, failures=0, window_started_at=now)
            .on_conflict_do_nothing(index_elements=["scope", "key"])
        )
        counter: LoginCounter = self.session.execute(
            select(LoginCounter)
            .where(LoginCounter.scope == limit.scope, LoginCounter.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        if restart_expired and _expired(limit, counter, now):
            counter.failures = 0
            counter.window_started_at = now
            counter.locked_until = None
        return counter

    def _forget_expired(self, now: datetime) -> None:
        """Rows that count nothing any more (guessed usernames, old addresses) go."""
        for limit in LOGIN_LIMITS:
            self.session.execute(
                delete(LoginCounter)
                .where(
                    LoginCounter.scope == limit.scope,
                    LoginCounter.window_started_at <= now - limit.window,
                    or_(LoginCounter.locked_until.is_(None), LoginCounter.locked_until <= now),
                )
                .execution_options(synchronize_session=False)
            )


def _expired(limit: LoginLimit, counter: LoginCounter, now: datetime) -> bool:
    if counter.locked_until is not None:
        return counter.locked_until <= now  # a lockout served starts a new count
    return counter.window_started_at + limit.window <= now


def _lockout_left(
    counters: Sequence[tuple[LoginLimit, LoginCounter]], now: datetime
) -> timedelta | None:
    waits = [c.locked_until - now for _, c in counters if c.locked_until and c.locked_until > now]
    return max(waits) if waits else None
