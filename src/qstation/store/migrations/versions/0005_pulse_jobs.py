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
    # batch mode: SQLite rebuilds the table, PostgreSQL just adds the columns
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("definition", sa.LargeBinary, nullable=True))
    with op.batch_alter_table("job_results") as batch:
        batch.add_column(sa.Column("sweep_results", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_results") as batch:
        batch.drop_column("sweep_results")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("definition")
