"""Database layer: the declarative base, engines and sessions, and Alembic migrations."""
