"""Limits on ownership checks: how many wrong guesses an order or a ticket takes before it locks.

Someone who knows one phone number and that order ids are sequential could walk through
ORD-1000x; someone with many conversations could try many contacts on one order. Failures are
counted in the database (so every back-office process and every conversation share them) within
a sliding window, per subject (an order or ticket id, whether it exists or not), per contact and
per client (the conversation: channel + sender id, as the action server names it). Any limit
reached locks until enough failures have left the window; while locked nothing is checked or
recorded, and the answer is the same whether the subject exists or not.

`LIMITS` is the one home of the thresholds.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, delete, or_, select, text
from sqlalchemy.orm import Session

from backoffice.core.errors import AppError
from backoffice.core.models import VerificationFailure
from backoffice.core.unit_of_work import utcnow, writing
from caredesk_rules.contacts import canonical_contact

Status = Literal["verified", "not_verified", "locked"]
VERIFIED: Status = "verified"
NOT_VERIFIED: Status = "not_verified"
LOCKED: Status = "locked"
# Every verification write takes this PostgreSQL advisory lock, so two concurrent guesses
# cannot both slip under a limit (SQLite's BEGIN IMMEDIATE already serialises writers).
_ADVISORY_LOCK = 0x63617265_64657369  # "caredesi"


@dataclass(frozen=True)
class VerificationLimits:
    window: timedelta = timedelta(minutes=30)
    # One conversation guessing one order (or ticket): it locks for everybody, since a new
    # sender id is only a new conversation.
    failures_per_client_and_subject: int = 3
    # Many conversations guessing one order: distinct wrong contacts.
    wrong_contacts_per_subject: int = 8
    # One contact walking through order ids: distinct subjects it failed on.
    subjects_per_contact: int = 5
    # One conversation guessing anything.
    failures_per_client: int = 10


LIMITS = VerificationLimits()


@dataclass(frozen=True)
class Attempt:
    kind: str  # "order" or "ticket"
    subject_id: str
    contact: str | None
    client: str


@dataclass(frozen=True)
class Outcome:
    status: Status
    attempts_left: int | None = None  # for NOT_VERIFIED: failures until a lock
    locked_until: datetime | None = None  # for LOCKED

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED


class VerificationLockedError(AppError):
    status_code = 429
    code = "verification_locked"
    message = "Too many failed attempts: this cannot be checked again before `locked_until`."

    def __init__(self, until: datetime) -> None:
        seconds = max(int((until - utcnow()).total_seconds()) + 1, 1)
        super().__init__(
            details={"locked_until": until.isoformat()}, headers={"Retry-After": str(seconds)}
        )


def digest_key(secret: str) -> bytes:
    """The key that turns contacts and clients into digests (derived from the API key)."""
    return hashlib.sha256(b"caredesk-verification\0" + secret.encode()).digest()


def _until(moments: Iterable[datetime], limit: int, window: timedelta) -> datetime | None:
    """When fewer than `limit` of these moments are left in the window, or None if already."""
    ordered = sorted(moments)
    if len(ordered) < limit:
        return None
    return ordered[len(ordered) - limit] + window


def _latest_per(
    rows: Iterable[VerificationFailure], key: Callable[[VerificationFailure], Hashable]
) -> list[datetime]:
    """The latest failure of each distinct thing (contact, subject): one moment per thing."""
    latest: dict[Hashable, datetime] = {}
    for row in rows:
        latest[key(row)] = max(latest.get(key(row), row.at), row.at)
    return list(latest.values())


class VerificationGuard:
    def __init__(
        self,
        session: Session,
        key: bytes,
        *,
        limits: VerificationLimits = LIMITS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session = session
        self.key = key
        self.limits = limits
        self.clock = clock

    def check(self, attempt: Attempt, matches: Callable[[], bool]) -> Outcome:
        """Locked, or `matches()` (the ownership check itself) with a failure recorded."""
        contact = self._digest(_contact_key(attempt.contact))
        client = self._digest(attempt.client)
        with writing(self.session):
            self._serialise()
            now = self.clock()
            since = now - self.limits.window
            self.session.execute(delete(VerificationFailure).where(VerificationFailure.at <= since))
            rows = self._recent(attempt, contact, client, since)
            until = self._locked_until(rows, attempt, contact, client, now)
            if until is not None:
                return Outcome(LOCKED, locked_until=until)
            if matches():
                # A conversation that proved ownership was not guessing: its slips are forgiven.
                self._forgive(attempt, client)
                return Outcome(VERIFIED)
            failure = VerificationFailure(
                subject_kind=attempt.kind,
                subject_id=attempt.subject_id,
                contact_digest=contact,
                client_digest=client,
                at=now,
            )
            self.session.add(failure)
            rows.append(failure)
            until = self._locked_until(rows, attempt, contact, client, now)
            if until is not None:
                return Outcome(LOCKED, locked_until=until)
            left = self._attempts_left(rows, attempt, contact, client)
            return Outcome(NOT_VERIFIED, attempts_left=left)

    def require(self, attempt: Attempt, matches: Callable[[], bool], not_found: AppError) -> None:
        """`check` for the routes that answer with the resource: raises unless verified."""
        outcome = self.check(attempt, matches)
        if outcome.status == LOCKED and outcome.locked_until is not None:
            raise VerificationLockedError(outcome.locked_until)
        if not outcome.verified:
            raise not_found

    # -- helpers ---------------------------------------------------------------------------

    def _digest(self, value: str) -> str:
        return hmac.new(self.key, value.encode("utf-8", "surrogateescape"), "sha256").hexdigest()

    def _serialise(self) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            self.session.execute(lock, {"key": _ADVISORY_LOCK})

    def _recent(
        self, attempt: Attempt, contact: str, client: str, since: datetime
    ) -> list[VerificationFailure]:
        row = VerificationFailure
        query = select(row).where(
            row.at > since,
            or_(
                and_(row.subject_kind == attempt.kind, row.subject_id == attempt.subject_id),
                row.contact_digest == contact,
                row.client_digest == client,
            ),
        )
        return list(self.session.execute(query).scalars())

    def _forgive(self, attempt: Attempt, client: str) -> None:
        row = VerificationFailure
        self.session.execute(
            delete(row).where(
                row.subject_kind == attempt.kind,
                row.subject_id == attempt.subject_id,
                row.client_digest == client,
            )
        )

    @staticmethod
    def _split(
        rows: list[VerificationFailure], attempt: Attempt, contact: str, client: str
    ) -> tuple[list[VerificationFailure], list[VerificationFailure], list[VerificationFailure]]:
        subject = [
            r for r in rows if r.subject_kind == attempt.kind and r.subject_id == attempt.subject_id
        ]
        return (
            subject,
            [r for r in rows if r.contact_digest == contact],
            [r for r in rows if r.client_digest == client],
        )

    def _locked_until(
        self,
        rows: list[VerificationFailure],
        attempt: Attempt,
        contact: str,
        client: str,
        now: datetime,
    ) -> datetime | None:
        limits, window = self.limits, self.limits.window
        subject, by_contact, by_client = self._split(rows, attempt, contact, client)
        per_client: dict[str, list[datetime]] = defaultdict(list)
        for row in subject:
            per_client[row.client_digest].append(row.at)
        candidates = [
            _until(moments, limits.failures_per_client_and_subject, window)
            for moments in per_client.values()
        ]
        candidates += [
            _until(
                _latest_per(subject, lambda r: r.contact_digest),
                limits.wrong_contacts_per_subject,
                window,
            ),
            _until(
                _latest_per(by_contact, lambda r: (r.subject_kind, r.subject_id)),
                limits.subjects_per_contact,
                window,
            ),
            _until((r.at for r in by_client), limits.failures_per_client, window),
        ]
        locks = [until for until in candidates if until is not None and until > now]
        return max(locks) if locks else None

    def _attempts_left(
        self, rows: list[VerificationFailure], attempt: Attempt, contact: str, client: str
    ) -> int:
        limits = self.limits
        subject, by_contact, by_client = self._split(rows, attempt, contact, client)
        left = (
            limits.failures_per_client_and_subject
            - sum(1 for r in subject if r.client_digest == client),
            limits.wrong_contacts_per_subject - len({r.contact_digest for r in subject}),
            limits.subjects_per_contact - len({(r.subject_kind, r.subject_id) for r in by_contact}),
            limits.failures_per_client - len(by_client),
        )
        return max(min(left), 0)


def _contact_key(contact: str | None) -> str:
    """One form per contact, so "0912 345 678" and "+84912345678" count as one guess."""
    parsed = canonical_contact(contact) if contact else None
    if parsed is not None:
        return parsed[1]
    return "unusable:" + (contact or "").strip().lower()[:320]
