"""Digest subscriptions and the digest log in SQLite: the shared SQL of bot.store.sql."""

from __future__ import annotations

from bot.store.sql.subscriptions import SqlSubscriptions
from bot.store.sqlite.connection import Database, Statements


class SqliteSubscriptions(SqlSubscriptions):
    """Subscriptions and the digest log (a bot.store.protocols.SubscriptionStore) in SQLite."""

    def __init__(self, database: Database) -> None:
        super().__init__(Statements(database))
