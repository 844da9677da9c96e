"""The hub's schema revisions (Alembic): env.py, the template and versions/, run by hub.schema."""
