"""Digest subscriptions and the digest log in PostgreSQL: the shared SQL of bot.store.sql."""

from __future__ import annotations

from bot.store.postgres.connection import Database, Statements
from bot.store.sql.subscriptions import SqlSubscriptions


class PostgresSubscriptions(SqlSubscriptions):
    """Subscriptions and the digest log (a bot.store.protocols.SubscriptionStore) in PostgreSQL."""

    def __init__(self, database: Database) -> None:
        super().__init__(Statements(database))
