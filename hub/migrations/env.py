"""Alembic's entry point, run by hub.schema only: the hub hands over the connection (in the
transaction the whole upgrade runs in) and the Table definitions, so no alembic.ini, URL or
engine is made here.

`render_as_batch`: one set of operations for SQLite and PostgreSQL; on SQLite a change
ALTER TABLE cannot make (a NOT NULL dropped, a column with an expression default) rebuilds
the table and copies its rows (hub.db.migrate turns foreign keys off around it).
"""

from alembic import context

from hub.schema import COMPARE

config = context.config
context.configure(
    connection=config.attributes["connection"],
    target_metadata=config.attributes["metadata"],
    render_as_batch=True,
    **COMPARE,
)
with context.begin_transaction():
    context.run_migrations()
