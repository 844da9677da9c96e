"""Which translations in the draft were written against which Polish text; what each
release changed (schema 8).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("content_items") as batch:
        batch.add_column(sa.Column("checked", sa.Text(), nullable=True))
    with op.batch_alter_table("releases") as batch:
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("releases") as batch:
        batch.drop_column("summary")
    with op.batch_alter_table("content_items") as batch:
        batch.drop_column("checked")
