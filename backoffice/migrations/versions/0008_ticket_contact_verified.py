"""A ticket says whether the customer proved its contact or only wrote it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

`tickets.contact_verified`: true when the contact came with a verified order or the shop's
signed-in account, false when the customer only wrote it (in the hand-off message or to the
agent). The console shows the customer's orders at once only for a verified contact. Existing
tickets were verified when their order summary is the verified order's (no "note", which marks
an order id the customer only gave).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        # Added in place: copying `tickets` (SQLite's batch mode) would drop a table the
        # messages, notes and hand-offs point at.
        op.execute("ALTER TABLE tickets ADD COLUMN contact_verified BOOLEAN NOT NULL DEFAULT 0")
    else:
        op.add_column(
            "tickets",
            sa.Column("contact_verified", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, order_summary FROM tickets WHERE order_summary IS NOT NULL "
            "AND (contact_email IS NOT NULL OR contact_phone IS NOT NULL)"
        )
    )
    verified = []
    for ticket_id, summary in rows:
        data = json.loads(summary) if isinstance(summary, str) else summary
        if isinstance(data, dict) and data.get("order_id") and not data.get("note"):
            verified.append({"id": ticket_id})
    if verified:
        bind.execute(
            sa.text("UPDATE tickets SET contact_verified = :yes WHERE id = :id"),
            [{**row, "yes": True} for row in verified],
        )


def downgrade() -> None:
    if _sqlite():
        op.execute("ALTER TABLE tickets DROP COLUMN contact_verified")
    else:
        op.drop_column("tickets", "contact_verified")
