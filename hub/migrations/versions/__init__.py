"""One file a schema revision, applied in order (hub.schema); Alembic skips this file."""
