"""Descriptions marked public by staff, the api_key that filed a request (schema 5).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

No description stored before becomes public: `description_public` is false for every row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("description_public", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("client_key", sa.String(64), nullable=True))
