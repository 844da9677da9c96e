"""Unsorted reports, intake flags, reports by kiosk and time (schema 3).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Reports kept in a category the hub did not know (`unsorted`) and what intake mended
(`flags`); an index for counting a kiosk's reports of the last hour.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("unsorted", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("flags", sa.Text, nullable=True))
        batch.create_index("reports_kiosk_received", ["kiosk_id", "received"])
