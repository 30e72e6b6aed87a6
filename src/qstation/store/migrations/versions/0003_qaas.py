"""QaaS API v1: integer user and device ids, job extras, favourites, API keys, runcards and
calibrations.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _user_fk() -> sa.ForeignKey:
    return sa.ForeignKey("users.username", ondelete="CASCADE")


def _job_fk() -> sa.ForeignKey:
    return sa.ForeignKey("jobs.id", ondelete="CASCADE")


def _records(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("device_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("qililab_version", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index(f"ix_{name}_name", name, ["name"])


def upgrade() -> None:
    op.create_table(
        "qaas_users",
        sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), _user_fk(), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "qaas_api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), _user_fk(), nullable=False),
        sa.Column("key_hash", sa.String(256), nullable=False),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float, nullable=True),
    )
    op.create_index("ix_qaas_api_keys_username", "qaas_api_keys", ["username"])
    op.create_table(
        "qaas_devices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "quantum_computer",
            sa.String(64),
            sa.ForeignKey("quantum_computers.alias", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
    )
    op.create_table(
        "qaas_jobs",
        sa.Column("job_id", sa.String(36), _job_fk(), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("device_id", sa.Integer, nullable=False),
        sa.Column("job_type", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("layout", sa.JSON, nullable=False),
        sa.Column("result", sa.Text, nullable=True),
    )
    op.create_table(
        "qaas_favourites",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.String(36), _job_fk(), primary_key=True),
    )
    _records("qaas_runcards")
    _records("qaas_calibrations")


def downgrade() -> None:
    for table in (
        "qaas_calibrations",
        "qaas_runcards",
        "qaas_favourites",
        "qaas_jobs",
        "qaas_devices",
        "qaas_api_keys",
        "qaas_users",
    ):
        op.drop_table(table)
