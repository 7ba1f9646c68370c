"""Customers' photos: one row per attachment, the bytes on disk (issue 12 of the project).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

`attachments`: who sent it (conversation, channel), the ticket and transcript line it belongs
to (nullable: a photo sent to the bot before any ticket), what it is (content type checked from
its bytes, size, SHA-256) and when. The bytes live in `CAREDESK_ATTACHMENTS_DIR`, named by
`public_id`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=True),
        sa.Column(
            "ticket_message_id", sa.Integer(), sa.ForeignKey("ticket_messages.id"), nullable=True
        ),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png', 'image/webp')",
            name="ck_%(table_name)s_content_type",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_index("ix_attachments_conversation_id", "attachments", ["conversation_id"])
    op.create_index("ix_attachments_ticket_id", "attachments", ["ticket_id"])
    op.create_index("ix_attachments_ticket_message_id", "attachments", ["ticket_message_id"])
    op.create_index("ix_attachments_created_at", "attachments", ["created_at"])


def downgrade() -> None:
    op.drop_table("attachments")
