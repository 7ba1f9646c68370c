"""Customers carry their loyalty tier, points and yearly spend (issue 12: a signed-in customer).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

`customers.loyalty_tier` (member, silver, gold, diamond), `loyalty_points` and
`loyalty_spend_vnd` (the last 12 months' spend the next tier is measured by). Existing customers
become members with no points: server defaults fill the rows that were there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIERS = "'member', 'silver', 'gold', 'diamond'"


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(
            sa.Column("loyalty_tier", sa.String(length=16), nullable=False, server_default="member")
        )
        batch.add_column(
            sa.Column("loyalty_points", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("loyalty_spend_vnd", sa.BigInteger(), nullable=False, server_default="0")
        )
    # A second copy of the table: SQLite's batch cannot check columns it is adding.
    with op.batch_alter_table("customers") as batch:
        batch.create_check_constraint("ck_customers_loyalty_tier", f"loyalty_tier IN ({TIERS})")
        batch.create_check_constraint("ck_customers_loyalty_points", "loyalty_points >= 0")
        batch.create_check_constraint("ck_customers_loyalty_spend_vnd", "loyalty_spend_vnd >= 0")


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint("ck_customers_loyalty_spend_vnd", type_="check")
        batch.drop_constraint("ck_customers_loyalty_points", type_="check")
        batch.drop_constraint("ck_customers_loyalty_tier", type_="check")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("loyalty_spend_vnd")
        batch.drop_column("loyalty_points")
        batch.drop_column("loyalty_tier")
