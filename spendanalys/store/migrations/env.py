"""Alembic environment: runs the packaged migrations on a connection given in code.

``spendanalys.store.engine.migrate`` passes its open write-transaction connection in
``config.attributes["connection"]``; without one (the ``alembic`` command line during
development) the URL in the config is used.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from spendanalys.store.engine import create_store_engine, resolve_url, write_transaction
from spendanalys.store.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        engine = create_store_engine(resolve_url(config.get_main_option("sqlalchemy.url")))
        try:
            with write_transaction(engine) as connection:
                _run(connection)
        finally:
            engine.dispose()
