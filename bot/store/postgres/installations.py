"""Chat installations and OAuth states in PostgreSQL: the shared SQL of bot.store.sql."""

from __future__ import annotations

from bot.store.postgres.connection import Database, Statements
from bot.store.sql.installations import SqlInstallations


class PostgresInstallations(SqlInstallations):
    """Installations and OAuth states (``Installations`` and ``OAuthStates``) in PostgreSQL."""

    def __init__(self, database: Database) -> None:
        super().__init__(Statements(database))
