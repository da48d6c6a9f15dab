"""Persistence for Lianxin: SQLModel tables, Alembic migrations, and the unit of work.

Nothing here creates an engine at import time; see `storage.db.make_engine` and
`storage.uow.uow_factory`.
"""
