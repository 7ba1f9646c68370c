"""Failed ownership checks (an order or ticket id with a contact that does not match it).

Rows live for the counting window only (services/verification.py). Contacts and clients are
stored as keyed digests: the table counts guesses without keeping anyone's phone number or
conversation id.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, String

from backoffice.models.base import Base, UTCDateTime

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
