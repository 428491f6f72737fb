"""The store backends the shared suite runs against: each test gets a fresh, empty database.

``stores`` opens any number of stores on that one database (as separate processes would);
``store`` is the first of them. A test in tests/store/ uses only these fixtures and the
Protocols, so it runs unchanged against every engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.store.protocols import Store
from bot.store.sqlite.store import SqliteStore

OpenStore = Callable[[], Awaitable[Store]]


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The engine under test."""
    return str(request.param)


@pytest.fixture
async def stores(backend: str, tmp_path: Path) -> AsyncIterator[OpenStore]:
    """Opens stores on one fresh database; all are closed after the test."""
    opened: list[Store] = []

    async def open_one() -> Store:
        store = await SqliteStore.open(tmp_path / "store.sqlite3")
        opened.append(store)
        return store

    try:
        yield open_one
    finally:
        for store in reversed(opened):
            await store.close()


@pytest.fixture
async def store(stores: OpenStore) -> Store:
    """One open store on a fresh database."""
    return await stores()
