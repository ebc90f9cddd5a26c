"""Alembic migrations of the store, run in code by ``spendanalys.store.engine.migrate``."""
