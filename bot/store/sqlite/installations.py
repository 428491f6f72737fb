"""Chat installations and OAuth states in SQLite: the shared SQL of bot.store.sql."""

from __future__ import annotations

from bot.store.sql.installations import SqlInstallations
from bot.store.sqlite.connection import Database, Statements


class SqliteInstallations(SqlInstallations):
    """Installations and OAuth states (``Installations`` and ``OAuthStates``) in SQLite."""

    def __init__(self, database: Database) -> None:
        super().__init__(Statements(database))
