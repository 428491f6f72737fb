"""The README's commands on a PostgreSQL store, as a user runs them: a real process, a real
server (``BRIEFBOT_TEST_DATABASE_URL``; ``.ci/run`` starts one). Skipped without one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bot.settings import PROJECT_DIR
from tests.store.conftest import TEST_DATABASE_URL, needs_postgres

pytestmark = needs_postgres


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    name = f"cli_{tmp_path.name[-20:].replace('-', '_').lower()}_{os.getpid()}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        try:
            yield make_conninfo(TEST_DATABASE_URL, dbname=name)
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def cli(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "BRIEFBOT_DATABASE_URL": url, "BRIEFBOT_DB": str(tmp_path / "no.db")},
        cwd=PROJECT_DIR,
        timeout=180,
        check=False,
    )


def test_seed_brief_doctor_and_backup_on_postgres(database_url: str, tmp_path: Path) -> None:
    url = "postgresql://{user}@{host}:{port}/{dbname}".format(
        **{"user": "postgres", "host": "127.0.0.1", "port": "5432"} | conninfo_to_dict(database_url)
    )
    brief = cli(url, tmp_path, "brief", "china-russia")
    assert brief.returncode == 0, brief.stderr
    lines = brief.stdout.splitlines()
    # The same brief the SQLite store gives (tests/test_cli.py).
    assert lines[:2] == [
        "China–Russia relations",
        "5 articles from 5 sources · Sep 13, 2022 – Dec 30, 2022",
    ]
    assert not (tmp_path / "no.db").exists()  # the SQLite file was never made
    doctor = cli(url, tmp_path, "doctor")
    assert "OK   store: postgresql://" in doctor.stdout and "5 articles" in doctor.stdout
    assert "OK   topic coverage" in doctor.stdout
    backup = cli(url, tmp_path, "backup", str(tmp_path / "b.dump"))
    assert backup.returncode == 0, backup.stderr
    assert "with pg_dump" in backup.stdout
    assert (tmp_path / "b.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = cli("postgresql://nobody@127.0.0.1:1/none", tmp_path, "brief", "china-russia")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "briefbot: The article store cannot be opened; briefbot doctor says why."
    )
    assert "Traceback" not in result.stderr
