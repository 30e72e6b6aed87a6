"""Timeslot bookings and the per-day usage ledger of quotas.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "quantum_computer",
            sa.String(64),
            sa.ForeignKey("quantum_computers.alias", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("starts_at", sa.Float, nullable=False),
        sa.Column("ends_at", sa.Float, nullable=False),
        sa.Column("note", sa.String(256), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_bookings_qc_end", "bookings", ["quantum_computer", "ends_at"])
    op.create_table(
        "usage_days",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("jobs", sa.Integer, nullable=False, server_default="0"),
        sa.Column("shots", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("usage_days")
    op.drop_index("ix_bookings_qc_end", table_name="bookings")
    op.drop_table("bookings")
