"""The console words system lines and routing decisions in the agent's language (issue 12).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

`ticket_messages.event` / `event_data`: a system line's kind and values ("joined", with the
agent's name), next to the English `text` kept for the record. `tickets.routing`: the routing
decision as data (how it was chosen, the phrases, intent and classifier probability per
department). All nullable: lines and tickets from before have none, and the console shows
their English text as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_messages") as batch:
        batch.add_column(sa.Column("event", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("event_data", sa.JSON(), nullable=True))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("routing", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("routing")
    with op.batch_alter_table("ticket_messages") as batch:
        batch.drop_column("event_data")
        batch.drop_column("event")
