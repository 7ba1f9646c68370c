"""Alembic's migrations of the back office's database; `backoffice.core.schema` runs them."""
