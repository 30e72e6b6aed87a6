"""Jobs' payloads and run definitions move from ``jobs`` to ``job_payloads``.

SQLite rewrites a whole row, large values included, on every update, and a job's row is
updated at its claim, at each heartbeat and at its end; its payload never changes.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_payloads",
        sa.Column("job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("definition", sa.LargeBinary, nullable=True),
    )
    op.execute(
        "INSERT INTO job_payloads (job_id, payload, definition) "
        "SELECT id, payload, definition FROM jobs"
    )
    # A plain ALTER TABLE (SQLite 3.35 and later, as RETURNING needs): a batch copy of
    # ``jobs`` would drop the old table, whose cascades would empty its children.
    op.execute("ALTER TABLE jobs DROP COLUMN payload")
    op.execute("ALTER TABLE jobs DROP COLUMN definition")


def downgrade() -> None:
    op.add_column("jobs", sa.Column("payload", sa.Text, nullable=False, server_default=""))
    op.add_column("jobs", sa.Column("definition", sa.LargeBinary, nullable=True))
    op.execute(
        "UPDATE jobs SET payload = (SELECT p.payload FROM job_payloads p WHERE p.job_id = jobs.id),"
        " definition = (SELECT p.definition FROM job_payloads p WHERE p.job_id = jobs.id)"
    )
    op.drop_table("job_payloads")
