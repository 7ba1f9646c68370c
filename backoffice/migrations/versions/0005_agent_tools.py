"""The console's agent tools (issue 12): canned replies and agents' presence.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

`canned_replies`: saved replies per department and language (seeded from
backoffice/config/canned_replies.yml when the table is empty, then edited by admins).
`agents.last_seen_at` / `agents.away`: the console's heartbeat and the away toggle, from which
presence (online, away, offline) is derived (helpdesk/services/presence.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("away", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language IN ('en', 'vi')", name="ck_%(table_name)s_language"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department", "language", "title", name="uq_canned_replies_title"),
    )
    op.create_index(
        "ix_canned_replies_department_language", "canned_replies", ["department", "language"]
    )


def downgrade() -> None:
    op.drop_index("ix_canned_replies_department_language", table_name="canned_replies")
    op.drop_table("canned_replies")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("away")
        batch.drop_column("last_seen_at")
