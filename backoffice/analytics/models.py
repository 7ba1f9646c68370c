"""The analytics store: Rasa's events as ingested (one row per event, its key unique), where
each source's reading stopped, and the conversations rebuilt from the events.

The helpdesk's facts (hand-offs, tickets, CSAT) are not copied: the summary reads them from the
helpdesk's own tables, so they are never stale.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from backoffice.analytics.events import KINDS
from backoffice.core.models import Base, UTCDateTime

_KINDS = ", ".join(f"'{kind}'" for kind in KINDS)


class AnalyticsCursor(Base):
    """How far a source has been read (the SQL broker's last event id); a queue needs none."""

    __tablename__ = "analytics_cursors"

    source = Column(String(64), primary_key=True)
    position = Column(BigInteger, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)


class AnalyticsEvent(Base):
    """One Rasa event the KPIs read (analytics/events.py); `key` makes a replay a no-op."""

    __tablename__ = "analytics_events"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="ck_analytics_events_kind"),
        UniqueConstraint("key", name="uq_analytics_events_key"),
        Index("ix_analytics_events_sender_at", "sender_id", "at"),
    )

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False)
    sender_id = Column(String(255), nullable=False)
    at = Column(UTCDateTime, nullable=False)
    kind = Column(String(8), nullable=False)
    name = Column(String(64))
    value = Column(String(128))
    text = Column(Text)
    confidence = Column(Float)
    channel = Column(String(32))
    language = Column(String(2))


class AnalyticsConversation(Base):
    """A conversation's facts (analytics/conversations.py), rebuilt whenever its customer has
    new events; `day` is the Asia/Ho_Chi_Minh day of its first message (the daily roll-ups
    and the summary's range are by it)."""

    __tablename__ = "analytics_conversations"
    __table_args__ = (
        UniqueConstraint("sender_id", "started_at", name="uq_analytics_conversations_start"),
        Index("ix_analytics_conversations_day", "day"),
        Index("ix_analytics_conversations_sender", "sender_id"),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    started_at = Column(UTCDateTime, nullable=False)
    last_message_at = Column(UTCDateTime, nullable=False)
    next_started_at = Column(UTCDateTime)
    day = Column(Date, nullable=False)
    channel = Column(String(32))
    language = Column(String(2))
    messages = Column(Integer, nullable=False)
    fallbacks = Column(Integer, nullable=False)
    last_turn_fallback = Column(Boolean, nullable=False)
    department = Column(String(128))
    ticket_id = Column(String(128))
    intents = Column(JSON, nullable=False)
    fallback_texts = Column(JSON, nullable=False)
