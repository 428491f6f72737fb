"""The store's named locks, one suite for each engine: file locks beside a SQLite store, and
PostgreSQL advisory locks when ``BRIEFBOT_TEST_DATABASE_URL`` names a test database."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.settings import PROJECT_DIR, load_settings
from bot.store.locks import NamedLocks, open_locks
from bot.store.postgres.locks import AdvisoryLocks, lock_key
from bot.store.sqlite.locks import FileLocks

GUARD_SECONDS = 60  # turns a hang into a failure; never reached when things work
TEST_DATABASE = os.environ.get("BRIEFBOT_TEST_DATABASE_URL", "")
# Code run in another process to hold a lock until killed: the engine's locks from argv[1].
HOLDER = """
import asyncio, sys, pathlib
from bot.store.postgres.locks import AdvisoryLocks
from bot.store.sqlite.locks import FileLocks
async def main():
    where = sys.argv[1]
    locks = AdvisoryLocks.at(where) if where.startswith("postgres") else FileLocks(pathlib.Path(where))
    held = await locks.acquire("bucket")  # kept: a dropped lock may be collected
    print("held", flush=True)
    await asyncio.sleep(600)
    await held.release()
asyncio.run(main())
"""

Engine = Callable[[Path], tuple[NamedLocks, str]]


def file_locks(tmp_path: Path) -> tuple[NamedLocks, str]:
    return FileLocks(tmp_path), str(tmp_path)


def advisory_locks(tmp_path: Path) -> tuple[NamedLocks, str]:
    return AdvisoryLocks.at(TEST_DATABASE), TEST_DATABASE


ENGINES = [
    pytest.param(file_locks, id="sqlite"),
    pytest.param(
        advisory_locks,
        id="postgres",
        marks=pytest.mark.skipif(not TEST_DATABASE, reason="BRIEFBOT_TEST_DATABASE_URL not set"),
    ),
]


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_lock_excludes_a_second_holder_until_released(
    engine: Engine, tmp_path: Path
) -> None:
    locks, _ = engine(tmp_path)
    first = await locks.acquire(f"identify-{tmp_path.name}-0")
    waiting = asyncio.create_task(locks.acquire(f"identify-{tmp_path.name}-0"))
    other = await locks.acquire(f"identify-{tmp_path.name}-1")  # another name is free
    await asyncio.sleep(0.5)
    assert not waiting.done()
    await first.release()
    second = await asyncio.wait_for(waiting, GUARD_SECONDS)
    await second.release()
    await second.release()  # twice does nothing
    await other.release()


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_cancelled_wait_holds_nothing(engine: Engine, tmp_path: Path) -> None:
    locks, _ = engine(tmp_path)
    first = await locks.acquire("bucket")
    waiting = asyncio.create_task(locks.acquire("bucket"))
    await asyncio.sleep(0.3)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await first.release()
    await (await asyncio.wait_for(locks.acquire("bucket"), GUARD_SECONDS)).release()


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_killed_holder_releases_its_lock(engine: Engine, tmp_path: Path) -> None:
    locks, where = engine(tmp_path)
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, where, stdout=asyncio.subprocess.PIPE, cwd=PROJECT_DIR
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), GUARD_SECONDS) == b"held\n"
        waiting = asyncio.create_task(locks.acquire("bucket"))
        await asyncio.sleep(0.5)
        assert not waiting.done()
        holder.send_signal(signal.SIGKILL)
        await (await asyncio.wait_for(waiting, GUARD_SECONDS)).release()
    finally:
        if holder.returncode is None:
            holder.kill()
        await holder.wait()


def test_file_locks_live_beside_the_store(tmp_path: Path) -> None:
    locks = FileLocks.beside(tmp_path / "store.sqlite3")
    assert locks.folder == tmp_path / "store.sqlite3.locks"
    assert locks.path_of("discord/identify 1") == locks.folder / "discord_identify_1.lock"


def test_advisory_keys_are_stable_signed_64_bit() -> None:
    assert lock_key("discord-identify-1-0") == lock_key("discord-identify-1-0")
    assert lock_key("discord-identify-1-0") != lock_key("discord-identify-1-1")
    assert -(2**63) <= lock_key("x") < 2**63


async def test_the_store_settings_choose_the_engine_of_the_locks(tmp_path: Path) -> None:
    sqlite = dataclasses.replace(load_settings({}), store_path=tmp_path / "s.sqlite3")
    async with open_locks(sqlite) as locks:
        assert isinstance(locks, FileLocks) and locks.folder == tmp_path / "s.sqlite3.locks"
    postgres = dataclasses.replace(sqlite, database_url="postgresql://briefbot@db.internal/b")
    async with open_locks(postgres) as locks:
        assert isinstance(locks, AdvisoryLocks) and locks.url == postgres.database_url
