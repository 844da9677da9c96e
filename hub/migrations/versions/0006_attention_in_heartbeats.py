"""Reports kiosks keep because the hub refused them, in heartbeats (schema 6).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("heartbeats") as batch:
        batch.add_column(sa.Column("attention", sa.Integer, nullable=True))
        batch.add_column(sa.Column("attention_reports", sa.Text, nullable=True))
