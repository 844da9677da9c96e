"""Retired kiosks, voided enrolments, routing changes, sign-in failures, editors (schema 4).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Staff bearer tokens could only publish content: they become editor tokens (staff accounts
stay staff).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("retired", sa.String(32), nullable=True))
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("voided", sa.String(32), nullable=True))
    op.create_table(
        "routing_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old", sa.Text, nullable=True),
        sa.Column("new", sa.Text, nullable=True),
        sa.Column("release", sa.Integer, nullable=True),
    )
    op.create_index("routing_changes_at", "routing_changes", ["at"])
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last", sa.String(32), nullable=False),
    )
    op.create_index("sign_in_failures_last", "sign_in_failures", ["last"])
    tokens = sa.table("tokens", sa.column("role", sa.String))
    op.execute(tokens.update().where(tokens.c.role == "staff").values(role="editor"))
