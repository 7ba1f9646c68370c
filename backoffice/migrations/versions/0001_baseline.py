"""Baseline: the tables as the start-up code created them before migrations.

Revision ID: 0001
Revises:
Create Date: 2026-12-06

The back office created its tables at start-up (`create_all`, then the nullable columns a model
had gained since, added empty). This revision creates the same tables on an empty database.
On a database that start-up code created it creates only the tables that database lacks, and
gives `outbox_events` what databases from before delivery receipts (issue 10) lack: so `upgrade
head` brings any database of the back office under migrations, with its rows (docs/migrations.md).

Names are as the models made them: the CHECK constraints of `_one_of` are literally named
`ck_%(table_name)s_<column>` (the metadata has no naming convention to fill them in), and
`unique=True` constraints are unnamed (the database names them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create_agents() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )


def _create_customers() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_index("ix_customers_phone", "customers", ["phone"])


def _create_login_counters() -> None:
    op.create_table(
        "login_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('account', 'client')", name="ck_%(table_name)s_scope"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "key", name="uq_login_counters_scope_key"),
    )
    op.create_index("ix_login_counters_window_started_at", "login_counters", ["window_started_at"])


def _create_tickets() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=16), nullable=True),
        sa.Column("conversation_id", sa.String(length=128), nullable=True),
        sa.Column("order_id", sa.String(length=16), nullable=True),
        sa.Column("order_summary", sa.JSON(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("routing_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_agent_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("solved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("csat_score", sa.SmallInteger(), nullable=True),
        sa.Column("csat_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("language IN ('en', 'vi')", name="ck_%(table_name)s_language"),
        sa.CheckConstraint(
            "priority IN ('low', 'normal', 'high', 'urgent')", name="ck_%(table_name)s_priority"
        ),
        sa.CheckConstraint(
            "status IN ('new', 'open', 'pending', 'solved')", name="ck_%(table_name)s_status"
        ),
        sa.CheckConstraint(
            "csat_score IS NULL OR (csat_score >= 1 AND csat_score <= 5)",
            name="ck_tickets_csat_score",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tickets_contact_email", "tickets", ["contact_email"])
    op.create_index("ix_tickets_contact_phone", "tickets", ["contact_phone"])
    op.create_index("ix_tickets_conversation_id", "tickets", ["conversation_id"])
    op.create_index("ix_tickets_department", "tickets", ["department"])
    op.create_index("ix_tickets_status", "tickets", ["status"])


def _create_verification_failures() -> None:
    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("contact_digest", sa.String(length=64), nullable=False),
        sa.Column("client_digest", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "subject_kind IN ('order', 'ticket')", name="ck_verification_failures_subject_kind"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_verification_failures_at", "verification_failures", ["at"])
    op.create_index(
        "ix_verification_failures_client", "verification_failures", ["client_digest", "at"]
    )
    op.create_index(
        "ix_verification_failures_contact", "verification_failures", ["contact_digest", "at"]
    )
    op.create_index(
        "ix_verification_failures_subject",
        "verification_failures",
        ["subject_kind", "subject_id", "at"],
    )


def _create_agent_sessions() -> None:
    op.create_table(
        "agent_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )


def _create_handoffs() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("active_key", sa.String(length=128), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('bot', 'waiting', 'with_agent', 'resolved')", name="ck_%(table_name)s_state"
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active_key"),
    )
    op.create_index("ix_handoffs_conversation_id", "handoffs", ["conversation_id"])
    op.create_index("ix_handoffs_ticket_id", "handoffs", ["ticket_id"])


def _create_orders() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payment_method", sa.String(length=16), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("subtotal_vnd", sa.BigInteger(), nullable=False),
        sa.Column("shipping_fee_vnd", sa.BigInteger(), nullable=False),
        sa.Column("total_vnd", sa.BigInteger(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "payment_method IN ('cod', 'card', 'momo', 'zalopay', 'vnpay', 'bank_transfer')",
            name="ck_%(table_name)s_payment_method",
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')",
            name="ck_%(table_name)s_status",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])


def _create_ticket_messages() -> None:
    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "role IN ('customer', 'bot', 'agent', 'system')", name="ck_%(table_name)s_role"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "external_id", name="uq_ticket_messages_external_id"),
    )
    op.create_index("ix_ticket_messages_ticket_id", "ticket_messages", ["ticket_id"])


def _create_ticket_notes() -> None:
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ticket_notes_ticket_id", "ticket_notes", ["ticket_id"])


def _create_invoices() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_number", sa.String(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_vnd", sa.BigInteger(), nullable=False),
        sa.Column("vat_vnd", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_number"),
        sa.UniqueConstraint("order_id"),
        sa.UniqueConstraint("token"),
    )


def _create_order_items() -> None:
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_vnd", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_order_items_quantity"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_items_order_id", "order_items", ["order_id"])


def _create_outbox_events() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("delivery_key", sa.String(length=32), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_message_id"],
            ["ticket_messages.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_outbox_events_conversation_seq"),
        sa.UniqueConstraint("delivery_key"),
    )
    op.create_index(
        "ix_outbox_events_pending", "outbox_events", ["delivered_at", "conversation_id", "seq"]
    )
    op.create_index("ix_outbox_events_ticket_message_id", "outbox_events", ["ticket_message_id"])


def _create_refunds() -> None:
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_by", sa.Date(), nullable=False),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'processing', 'refunded', 'rejected')",
            name="ck_%(table_name)s_status",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", name="uq_refunds_order_id"),
    )


def _create_shipments() -> None:
    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=16), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("tracking_number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("expected_delivery", sa.Date(), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('label_created', 'in_transit', 'out_for_delivery', 'delivered', 'failed')",
            name="ck_%(table_name)s_status",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id"),
        sa.UniqueConstraint("tracking_number"),
    )


def _create_shipping_addresses() -> None:
    op.create_table(
        "shipping_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("ward", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id"),
    )


def _create_return_requests() -> None:
    op.create_table(
        "return_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'received', 'rejected', 'completed')",
            name="ck_%(table_name)s_status",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["refunds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", name="uq_return_requests_order_id"),
    )


def _create_tracking_events() -> None:
    op.create_table(
        "tracking_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("description_en", sa.String(length=300), nullable=False),
        sa.Column("description_vi", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tracking_events_shipment_id", "tracking_events", ["shipment_id"])


def _create_return_items() -> None:
    op.create_table(
        "return_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_request_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_vnd", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_return_items_quantity"),
        sa.ForeignKeyConstraint(
            ["return_request_id"],
            ["return_requests.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_return_items_return_request_id", "return_items", ["return_request_id"])


TABLES = (
    ("agents", _create_agents),
    ("customers", _create_customers),
    ("login_counters", _create_login_counters),
    ("tickets", _create_tickets),
    ("verification_failures", _create_verification_failures),
    ("agent_sessions", _create_agent_sessions),
    ("handoffs", _create_handoffs),
    ("orders", _create_orders),
    ("ticket_messages", _create_ticket_messages),
    ("ticket_notes", _create_ticket_notes),
    ("invoices", _create_invoices),
    ("order_items", _create_order_items),
    ("outbox_events", _create_outbox_events),
    ("refunds", _create_refunds),
    ("shipments", _create_shipments),
    ("shipping_addresses", _create_shipping_addresses),
    ("return_requests", _create_return_requests),
    ("tracking_events", _create_tracking_events),
    ("return_items", _create_return_items),
)

# Added to `outbox_events` by issue 10 (delivery receipts); start-up added the columns to older
# databases, empty, but not their constraint, foreign key and index.
OUTBOX_RECEIPT_COLUMNS = ("delivery_key", "accepted_at", "failed_at", "ticket_message_id")


def _complete_outbox_events() -> None:
    """`outbox_events` of a database from before issue 10: the receipt columns, the unique
    delivery key, the foreign key and the index, as `_create_outbox_events` makes them."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    present = [column["name"] for column in inspector.get_columns("outbox_events")]
    unique = any(
        constraint["column_names"] == ["delivery_key"]
        for constraint in inspector.get_unique_constraints("outbox_events")
    )
    foreign = any(
        key["constrained_columns"] == ["ticket_message_id"]
        for key in inspector.get_foreign_keys("outbox_events")
    )
    indexes = {index["name"] for index in inspector.get_indexes("outbox_events")}
    indexed = "ix_outbox_events_ticket_message_id" in indexes
    if set(OUTBOX_RECEIPT_COLUMNS) <= set(present) and unique and foreign and indexed:
        return
    if bind.dialect.name == "sqlite":
        # SQLite cannot add a constraint to a table: make the table anew and copy the rows
        # (nothing refers to outbox_events, so nothing else changes).
        for name in indexes:
            op.drop_index(name, table_name="outbox_events")
        op.rename_table("outbox_events", "outbox_events_before_0001")
        _create_outbox_events()
        kept = ", ".join(bind.dialect.identifier_preparer.quote(name) for name in present)
        op.execute(
            f"INSERT INTO outbox_events ({kept}) "  # noqa: S608 (the table's own columns)
            f"SELECT {kept} FROM outbox_events_before_0001"
        )
        op.drop_table("outbox_events_before_0001")
        return
    columns = {
        "delivery_key": sa.Column("delivery_key", sa.String(length=32), nullable=True),
        "accepted_at": sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        "failed_at": sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        "ticket_message_id": sa.Column("ticket_message_id", sa.Integer(), nullable=True),
    }
    for name in OUTBOX_RECEIPT_COLUMNS:
        if name not in present:
            op.add_column("outbox_events", columns[name])
    # Unnamed, as `create_all` made them: PostgreSQL names them the same way.
    if not unique:
        op.create_unique_constraint(None, "outbox_events", ["delivery_key"])
    if not foreign:
        op.create_foreign_key(
            None, "outbox_events", "ticket_messages", ["ticket_message_id"], ["id"]
        )
    if not indexed:
        op.create_index(
            "ix_outbox_events_ticket_message_id", "outbox_events", ["ticket_message_id"]
        )


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES:
        if name not in existing:
            create()
    if "outbox_events" in existing:
        _complete_outbox_events()


def downgrade() -> None:
    for name, _create in reversed(TABLES):
        op.drop_table(name)
