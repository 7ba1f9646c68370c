"""Delivery addresses in Vietnam's two-level form (issue 12).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Since 1 July 2025 an address is street, ward or commune, province; districts are gone and the
63 provinces are 34 (caredesk_rules/provinces.py). Each stored address is rewritten: the
province to its name today ("TP. Hồ Chí Minh", "Bình Dương" -> "Thành phố Hồ Chí Minh"), the
ward's kind written out ("P. Bến Nghé" -> "Phường Bến Nghé"), and the district kept at the end
of the street line, since an old ward name may need it to be found and nobody is there to
confirm a change (`line1` grows to 300 characters for it); then `district` is dropped. A value
that cannot be read is left as it was. Downgrade brings the column back empty: the districts
stay in the street lines, which keep their 300 characters (a longer line would not fit 200).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from caredesk_rules.addresses import province_name, ward_name

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ADDRESSES = sa.table(
    "shipping_addresses",
    sa.column("id", sa.Integer),
    sa.column("line1", sa.String),
    sa.column("ward", sa.String),
    sa.column("district", sa.String),
    sa.column("province", sa.String),
)
LINE1_LENGTH = 300


def two_level(line1: str, ward: str, district: str | None, province: str) -> dict[str, str]:
    """One stored address's new values (what cannot be read stays as it was)."""
    district = (district or "").strip()
    street = f"{line1}, {district}" if district and district not in line1 else line1
    return {
        "line1": street if len(street) <= LINE1_LENGTH else line1,
        "ward": ward_name(ward) or ward,
        "province": province_name(province) or province,
    }


def upgrade() -> None:
    with op.batch_alter_table("shipping_addresses") as batch:
        batch.alter_column(
            "line1", type_=sa.String(length=LINE1_LENGTH), existing_type=sa.String(length=200)
        )
    bind = op.get_bind()
    columns = {c["name"] for c in sa.inspect(bind).get_columns("shipping_addresses")}
    if "district" not in columns:
        return
    rows = bind.execute(
        sa.select(
            _ADDRESSES.c.id,
            _ADDRESSES.c.line1,
            _ADDRESSES.c.ward,
            _ADDRESSES.c.district,
            _ADDRESSES.c.province,
        )
    ).all()
    for row in rows:
        bind.execute(
            _ADDRESSES.update()
            .where(_ADDRESSES.c.id == row.id)
            .values(**two_level(row.line1, row.ward, row.district, row.province))
        )
    with op.batch_alter_table("shipping_addresses") as batch:
        batch.drop_column("district")


def downgrade() -> None:
    with op.batch_alter_table("shipping_addresses") as batch:
        batch.add_column(
            sa.Column("district", sa.String(length=100), nullable=False, server_default="")
        )
    with op.batch_alter_table("shipping_addresses") as batch:
        batch.alter_column("district", server_default=None, existing_type=sa.String(length=100))
