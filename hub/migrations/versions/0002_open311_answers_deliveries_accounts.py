"""Open311 reports, answers, deliveries, forwarding, users, sessions, alerts (schema 2).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Reports from Open311 clients have no kiosk: `kiosk_id` may be null. SQLite cannot drop a
NOT NULL, so there the reports table is rebuilt with its rows (batch mode).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("kiosk_id", existing_type=sa.String(64), nullable=True)
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="kiosk"))
        batch.add_column(sa.Column("client", sa.String(200), nullable=True))
        batch.add_column(sa.Column("device_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("account_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("open311_token", sa.String(64), nullable=True))
        batch.add_column(sa.Column("media_url", sa.String(500), nullable=True))
        batch.add_column(sa.Column("attributes", sa.Text, nullable=True))
        batch.add_column(sa.Column("updated", sa.String(32), nullable=True))
        batch.add_column(sa.Column("status_notes", sa.Text, nullable=True))
        batch.add_column(sa.Column("assigned_to", sa.String(64), nullable=True))
        batch.add_column(sa.Column("closed", sa.String(32), nullable=True))
        batch.create_index("reports_open311_token", ["open311_token"])
        batch.create_index("reports_received", ["received"])
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("report_events_report", "report_events", ["report_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt", sa.String(32), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("external_token", sa.String(100), nullable=True),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("updated", sa.String(32), nullable=False),
        sa.UniqueConstraint("report_id", "channel", "target", name="deliveries_once"),
    )
    op.create_index("deliveries_due", "deliveries", ["state", "next_attempt"])
    op.create_table(
        "forward_targets",
        sa.Column("service_code", sa.String(64), primary_key=True),
        sa.Column("endpoint", sa.String(500), nullable=False),
        sa.Column("api_key", sa.Text, nullable=False),
        sa.Column("remote_service_code", sa.String(64), nullable=False),
        sa.Column("jurisdiction_id", sa.String(200), nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("departments", sa.Text, nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("disabled", sa.String(32), nullable=True),
    )
    op.create_table(
        "sessions",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("expires", sa.String(32), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("kiosks", sa.Text, nullable=False),
        sa.Column("groups", sa.Text, nullable=False),
        sa.Column("valid_from", sa.String(32), nullable=True),
        sa.Column("valid_until", sa.String(32), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("withdrawn", sa.String(32), nullable=True),
    )
