"""Pulse-level jobs: the binary run definition of a run job and its sweep results.

A run job's ``type`` is ``"run"``; its protobuf run definition is kept byte for byte in
``jobs.definition`` (the text ``payload`` stays empty), and its serialized sweep results in
``job_results.sweep_results``.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: both dialects add the columns in place (SQLite needs no copy to add one)
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("definition", sa.LargeBinary, nullable=True))
    with op.batch_alter_table("job_results") as batch:
        batch.add_column(sa.Column("sweep_results", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE: a batch copy would drop ``jobs``, whose cascades empty its children.
    op.execute("ALTER TABLE job_results DROP COLUMN sweep_results")
    op.execute("ALTER TABLE jobs DROP COLUMN definition")
