"""Order events (issue 14): the order's history, the conversations that follow an order, and
the transactional outbox of the updates they are owed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

`order_history` keeps every event reported about an order (by the order system, a carrier or the
customer's cancel) with the status before and after; `order_subscriptions` the conversations
that asked for an order's updates (ended ones kept, `ended_at`); `order_events_outbox` one row
per event per subscribed conversation, written in the event's transaction and read by the
delivery worker (backoffice/orders/services/order_outbox.py). New tables only: nothing existing
changes, and orders reported before have an empty history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

EVENT_TYPES = (
    "type IN ('packed', 'shipped', 'out_for_delivery', 'delivered', 'delayed', "
    "'delivery_failed', 'cancelled')"
)


def upgrade() -> None:
    op.create_table(
        "order_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=True),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("status_before", sa.String(length=16), nullable=False),
        sa.Column("status_after", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("expected_delivery", sa.Date(), nullable=True),
        sa.Column("carrier", sa.String(length=32), nullable=True),
        sa.Column("tracking_number", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('order_system', 'carrier', 'customer')", name="ck_order_history_source"
        ),
        sa.CheckConstraint(EVENT_TYPES, name="ck_order_history_type"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "event_id", name="uq_order_history_order_id_event_id"),
    )
    op.create_index("ix_order_history_order_id", "order_history", ["order_id"])
    op.create_table(
        "order_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=16), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("proof", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "channel IN ('socketio', 'rest', 'telegram', 'facebook', 'zalo')",
            name="ck_order_subscriptions_channel",
        ),
        sa.CheckConstraint("language IN ('en', 'vi')", name="ck_order_subscriptions_language"),
        sa.CheckConstraint(
            "proof IN ('contact', 'signed_customer')", name="ck_order_subscriptions_proof"
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "order_id", "conversation_id", name="uq_order_subscriptions_order_id_conversation_id"
        ),
    )
    op.create_index(
        "ix_order_subscriptions_conversation_id", "order_subscriptions", ["conversation_id"]
    )
    op.create_table(
        "order_events_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("history_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("delivery_key", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'deferred', 'sent', 'not_allowed', 'failed', 'unsubscribed')",
            name="ck_order_events_outbox_state",
        ),
        sa.ForeignKeyConstraint(["history_id"], ["order_history.id"]),
        sa.ForeignKeyConstraint(["subscription_id"], ["order_subscriptions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_key", name="uq_order_events_outbox_delivery_key"),
        sa.UniqueConstraint(
            "history_id",
            "subscription_id",
            name="uq_order_events_outbox_history_id_subscription_id",
        ),
    )
    op.create_index(
        "ix_order_events_outbox_conversation_id", "order_events_outbox", ["conversation_id", "id"]
    )
    op.create_index(
        "ix_order_events_outbox_due", "order_events_outbox", ["state", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("order_events_outbox")
    op.drop_table("order_subscriptions")
    op.drop_table("order_history")
