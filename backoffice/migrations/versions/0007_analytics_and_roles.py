"""Agent accounts get a role (agent, cco, admin) instead of is_admin; the analytics store
(issue 13: the Chief Customer Officer's dashboard).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

`agents.role` replaces `agents.is_admin`: admins keep `admin`, everyone else becomes `agent`
(the `cco` account is seeded by the next start, backoffice/helpdesk/seed.py). The analytics
tables hold Rasa's events as ingested, each source's cursor, and the conversations rebuilt
from the events (backoffice/analytics/models.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROLES = "role IN ('agent', 'cco', 'admin')"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _roles_up() -> None:
    if _sqlite():
        # In place: copying `agents` (batch mode) would drop a table others point at.
        op.execute(
            "ALTER TABLE agents ADD COLUMN role VARCHAR(8) NOT NULL DEFAULT 'agent' "
            f"CONSTRAINT ck_agents_role CHECK ({ROLES})"
        )
    else:
        op.add_column(
            "agents", sa.Column("role", sa.String(length=8), nullable=False, server_default="agent")
        )
        op.create_check_constraint("ck_agents_role", "agents", ROLES)
    op.execute("UPDATE agents SET role = 'admin' WHERE is_admin")
    op.drop_column("agents", "is_admin")


def _roles_down() -> None:
    if _sqlite():
        op.execute("ALTER TABLE agents ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT 0")
    else:
        op.add_column(
            "agents",
            sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    op.execute("UPDATE agents SET is_admin = (role = 'admin')")
    # The cco account has no place without roles: it is an ordinary account without departments.
    if _sqlite():
        op.execute("ALTER TABLE agents DROP COLUMN role")
    else:
        op.drop_constraint("ck_agents_role", "agents", type_="check")
        op.drop_column("agents", "role")


def upgrade() -> None:
    _roles_up()
    op.create_table(
        "analytics_cursors",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("value", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.CheckConstraint("kind IN ('user', 'action', 'slot')", name="ck_analytics_events_kind"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_analytics_events_key"),
    )
    op.create_index("ix_analytics_events_sender_at", "analytics_events", ["sender_id", "at"])
    op.create_table(
        "analytics_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("last_turn_fallback", sa.Boolean(), nullable=False),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("ticket_id", sa.String(length=128), nullable=True),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("fallback_texts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender_id", "started_at", name="uq_analytics_conversations_start"),
    )
    op.create_index("ix_analytics_conversations_day", "analytics_conversations", ["day"])
    op.create_index("ix_analytics_conversations_sender", "analytics_conversations", ["sender_id"])


def downgrade() -> None:
    op.drop_index("ix_analytics_conversations_sender", table_name="analytics_conversations")
    op.drop_index("ix_analytics_conversations_day", table_name="analytics_conversations")
    op.drop_table("analytics_conversations")
    op.drop_index("ix_analytics_events_sender_at", table_name="analytics_events")
    op.drop_table("analytics_events")
    op.drop_table("analytics_cursors")
    _roles_down()
