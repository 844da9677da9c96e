"""Kiosks, tokens, enrolments, releases, reports, statistics, heartbeats (schema 1).

Revision ID: 0001
Revises:
Create Date: 2026-11-22

The tables as the first hub made them: a database its code made (`schema_migrations` at 1)
is stamped here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("long", sa.Float, nullable=False),
        sa.Column("groups", sa.Text, nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id"), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("revoked", sa.String(32), nullable=True),
    )
    op.create_table(
        "enrolments",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("expires", sa.String(32), nullable=False),
        sa.Column("used", sa.String(32), nullable=True),
    )
    op.create_table(
        "releases",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("published_by", sa.String(200), nullable=True),
        sa.Column("copy_of", sa.Integer, nullable=True),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("received", sa.String(32), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("ref_code", sa.String(20), nullable=False),
        sa.Column("status_token", sa.String(100), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("long", sa.Float, nullable=True),
        sa.Column("address_string", sa.String(250), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("first_name", sa.String(100), nullable=True),
        sa.Column("last_name", sa.String(100), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.UniqueConstraint("kiosk_id", "uuid", name="reports_kiosk_uuid"),
    )
    op.create_index("reports_status_token", "reports", ["status_token"])
    op.create_table(
        "stats",
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id"), primary_key=True),
        sa.Column("hour", sa.String(13), primary_key=True),
        sa.Column("metric", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("clock_synced", sa.Boolean, nullable=False),
        sa.Column("local_hour", sa.String(13), nullable=False),
        sa.Column("received", sa.String(32), nullable=False),
    )
    op.create_index("stats_local_hour", "stats", ["local_hour"])
    op.create_table(
        "stats_daily",
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id"), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("metric", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("clock_synced", sa.Boolean, nullable=False),
    )
    op.create_table(
        "heartbeats",
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id"), primary_key=True),
        sa.Column("received", sa.String(32), nullable=False),
        sa.Column("sent_at", sa.String(32), nullable=False),
        sa.Column("skew", sa.Float, nullable=False),
        sa.Column("content_version", sa.Integer, nullable=True),
        sa.Column("outbox_depth", sa.Integer, nullable=True),
        sa.Column("last_touch", sa.String(32), nullable=True),
        sa.Column("uptime", sa.Float, nullable=True),
        sa.Column("app_version", sa.String(50), nullable=True),
        sa.Column("errors", sa.Text, nullable=False),
    )
