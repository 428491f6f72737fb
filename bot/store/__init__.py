"""Stage 4, the store: Protocols (bot.store.protocols) and one implementation per engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.errors import StoreError, StoreFault

if TYPE_CHECKING:
    # Annotations only: the command line imports bot.store.errors (and so this package) in
    # every command, most of which never open a store.
    from bot.settings import Settings
    from bot.store.protocols import Store


def indexes_bot_lexemes(settings: Settings) -> bool:
    """True when the store's full-text index takes the lexemes of bot.store.lexemes (SQLite's
    does; PostgreSQL works out its own from the text), so an ingest may work them out ahead."""
    return settings.database_url is None


async def open_store(settings: Settings) -> Store:
    """The store the settings name (PostgreSQL when a database URL is set, else the SQLite
    file), open and migrated."""
    # Imported on use: one engine per process, and psycopg only where it is wanted.
    if settings.database_url is not None:
        try:
            from bot.store.postgres.store import PostgresStore
        except ImportError as exc:
            raise StoreError(
                StoreFault.UNAVAILABLE,
                f"BRIEFBOT_DATABASE_URL is set but psycopg is missing ({exc});"
                " install briefbot[postgres]",
            ) from exc
        return await PostgresStore.open(settings.database_url, settings.prepare_threshold)
    from bot.store.sqlite.store import SqliteStore

    return await SqliteStore.open(settings.store_path)
