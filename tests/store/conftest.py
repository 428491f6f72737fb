"""The store backends the shared suite runs against: each test gets a fresh, empty database.

``stores`` opens any number of stores on that one database (as separate processes would);
``store`` is the first of them. A test in tests/store/ uses only these fixtures and the
Protocols, so it runs unchanged against every engine. PostgreSQL runs when
``BRIEFBOT_TEST_DATABASE_URL`` names a server (``.ci/run`` starts one); each test gets its own
schema there, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from bot.store.protocols import Store
from bot.store.sqlite.store import SqliteStore

OpenStore = Callable[[], Awaitable[Store]]
TEST_DATABASE_URL = os.environ.get("BRIEFBOT_TEST_DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="BRIEFBOT_TEST_DATABASE_URL is not set"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The engine under test."""
    return str(request.param)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL for a fresh schema in the test server; the schema is dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield make_conninfo(TEST_DATABASE_URL, options=f"-c search_path={schema}")
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
async def stores(backend: str, tmp_path: Path) -> AsyncIterator[OpenStore]:
    """Opens stores on one fresh database; all are closed after the test."""
    opened: list[Store] = []
    with contextlib.ExitStack() as stack:
        if backend == "postgres":
            from bot.store.postgres.store import PostgresStore

            url = stack.enter_context(postgres_schema())

            async def open_one() -> Store:
                store = await PostgresStore.open(url)
                opened.append(store)
                return store

        else:

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
