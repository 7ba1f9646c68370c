"""The analytics store keeps the assistant's words (`analytics_events.kind` = `bot`), so the
dashboard's drill-down shows a conversation's transcript with both sides (issue 13).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Only `ck_analytics_events_kind` changes (batch mode: SQLite rebuilds the table; nothing points
at it). Events ingested before have no bot lines: Rasa's events are not read again. The
downgrade deletes the stored bot lines first (the old constraint refuses them).
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_analytics_events_kind"
WITH_BOT = "kind IN ('user', 'action', 'slot', 'bot')"
WITHOUT_BOT = "kind IN ('user', 'action', 'slot')"


def _kinds(condition: str) -> None:
    with op.batch_alter_table("analytics_events") as batch:
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, condition)


def upgrade() -> None:
    _kinds(WITH_BOT)


def downgrade() -> None:
    op.execute("DELETE FROM analytics_events WHERE kind = 'bot'")
    _kinds(WITHOUT_BOT)
