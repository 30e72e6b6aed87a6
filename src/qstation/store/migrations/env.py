"""Alembic environment: the URL comes from the caller (see qstation.store.migrate)."""

from alembic import context

from qstation.store.db import make_sync_engine
from qstation.store.orm import Base

config = context.config
url = config.attributes["database_url"]
engine = make_sync_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
