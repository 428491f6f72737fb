"""Stage 4, the store: Protocols (bot.store.protocols) and one implementation per engine."""

from __future__ import annotations

from bot.settings import Settings
from bot.store.protocols import Store


async def open_store(settings: Settings) -> Store:
    """The store the settings name, open and migrated."""
    from bot.store.sqlite.store import SqliteStore  # imported on use: one engine per process

    return await SqliteStore.open(settings.store_path)
