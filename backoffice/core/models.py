"""What both capabilities' tables share: the declarative base, UTC datetimes, and the failed
ownership checks (orders and tickets are verified alike, core/verification.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Integer, String
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import DateTime, TypeDecorator

Base: Any = declarative_base()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (which drops offsets) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Failed ownership checks (an order or ticket id with a contact that does not match it).
#
# Rows live for the counting window only (core/verification.py). Contacts and clients are
# stored as keyed digests: the table counts guesses without keeping anyone's phone number or
# conversation id.
SUBJECT_KINDS = ("order", "ticket")


class VerificationFailure(Base):
    __tablename__ = "verification_failures"
    __table_args__ = (
        CheckConstraint(
            "subject_kind IN ('order', 'ticket')", name="ck_verification_failures_subject_kind"
        ),
        Index("ix_verification_failures_subject", "subject_kind", "subject_id", "at"),
        Index("ix_verification_failures_contact", "contact_digest", "at"),
        Index("ix_verification_failures_client", "client_digest", "at"),
        Index("ix_verification_failures_at", "at"),
    )

    id = Column(Integer, primary_key=True)
    subject_kind = Column(String(8), nullable=False)
    subject_id = Column(String(32), nullable=False)  # ORD-… or TCK-…, existing or not
    contact_digest = Column(String(64), nullable=False)
    client_digest = Column(String(64), nullable=False)  # the conversation: channel + sender id
    at = Column(UTCDateTime, nullable=False)
