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


# name, type, default, check: one list for both databases.
COLUMNS = (
    ("loyalty_tier", sa.String(length=16), "member", f"loyalty_tier IN ({TIERS})"),
    ("loyalty_points", sa.Integer(), "0", "loyalty_points >= 0"),
    ("loyalty_spend_vnd", sa.BigInteger(), "0", "loyalty_spend_vnd >= 0"),
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    for name, type_, default, check in COLUMNS:
        if _sqlite():
            # Added in place with its check: copying `customers` (SQLite's batch mode) would
            # drop a table the orders point at, which its foreign keys refuse.
            sql_type = type_.compile(dialect=op.get_bind().dialect)
            op.execute(
                f"ALTER TABLE customers ADD COLUMN {name} {sql_type} NOT NULL "
                f"DEFAULT '{default}' CONSTRAINT ck_customers_{name} CHECK ({check})"
            )
        else:
            op.add_column(
                "customers", sa.Column(name, type_, nullable=False, server_default=default)
            )
            op.create_check_constraint(f"ck_customers_{name}", "customers", check)


def downgrade() -> None:
    for name, _, _, _ in reversed(COLUMNS):
        if _sqlite():
            op.execute(f"ALTER TABLE customers DROP COLUMN {name}")  # its own check goes with it
        else:
            op.drop_constraint(f"ck_customers_{name}", "customers", type_="check")
            op.drop_column("customers", name)
