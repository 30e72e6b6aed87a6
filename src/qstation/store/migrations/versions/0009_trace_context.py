"""The W3C trace context a job was submitted under, for the worker's execution span.

Revision ID: 0009
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("trace_context", sa.String(512), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE: a batch copy would drop ``jobs``, whose cascades empty its children.
    op.execute("ALTER TABLE jobs DROP COLUMN trace_context")
