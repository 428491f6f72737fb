"""The store engines a test can run on: SQLite always, PostgreSQL when a test server is named.

A test module marked ``pytestmark = pytest.mark.both_engines`` runs each of its tests that use
the ``settings`` fixture (or ``briefbot``, built on it) once per engine: on SQLite, and on a
fresh schema of the server named by ``BRIEFBOT_TEST_DATABASE_URL`` (``.ci/run`` starts one).
Processes a test starts find the same store through ``store_env``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from bot.settings import Settings

TEST_DATABASE_URL = os.environ.get("BRIEFBOT_TEST_DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="BRIEFBOT_TEST_DATABASE_URL is not set"
)
ENGINES = ["sqlite", pytest.param("postgres", marks=needs_postgres)]


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A ``postgresql://`` URL (as BRIEFBOT_DATABASE_URL takes) for a fresh schema in the test
    server; the schema is dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    parts = conninfo_to_dict(TEST_DATABASE_URL)
    user = parts.get("user", "postgres")
    password = f":{quote(str(parts['password']), safe='')}" if parts.get("password") else ""
    host, port = parts.get("host", "127.0.0.1"), parts.get("port", "5432")
    dbname = parts.get("dbname", "postgres")
    options = quote(f"-c search_path={schema}", safe="")
    url = f"postgresql://{user}{password}@{host}:{port}/{dbname}?options={options}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]
        try:
            yield url
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[arg-type]


def store_env(settings: Settings) -> dict[str, str]:
    """Environment variables that point a briefbot process at the settings' store."""
    if settings.database_url is not None:
        return {"BRIEFBOT_DATABASE_URL": settings.database_url}
    return {"BRIEFBOT_DB": str(settings.store_path)}
