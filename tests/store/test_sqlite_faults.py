"""Store faults as users meet them: a write lock held by another process, a full disk, a
read-only filesystem, a damaged file. Each gives one clear line (CLI, chat) and a doctor finding;
never a traceback. Real processes, real filesystems (a tmpfs in a private mount namespace)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.chat.commands import Notice
from bot.models import Conversation
from bot.settings import PROJECT_DIR, Settings
from bot.store.errors import StoreError, StoreFault
from bot.store.records import SearchQuery
from bot.store.sqlite.store import SqliteStore
from tests.conftest import FIXED_NOW, fixed_clock
from tests.store.test_sqlite import writer

HERE = Conversation("slack", "C1", "U1")
RUSSIA = SearchQuery((("russia",),))
UTC = ZoneInfo("UTC")


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "BRIEFBOT_DB": str(db)},
        cwd=PROJECT_DIR,
        timeout=180,
        check=False,
    )


def seeded_store(folder: Path) -> Path:
    """A store holding the seed corpus, made as a user makes one."""
    db = folder / "briefbot.sqlite3"
    made = cli(db, "topics")
    assert made.returncode == 0, made.stderr
    return db


def said_plainly(result: subprocess.CompletedProcess[str], fault: StoreFault) -> None:
    """Exit 1, the fault's one line for the user, the cause in the log, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert f"briefbot: {fault.message}" in result.stderr.splitlines()
    assert f"({fault.value})" in result.stderr  # the log line naming the cause
    assert "Traceback" not in result.stderr and "failed unexpectedly" not in result.stderr


@contextmanager
def write_lock_held(db: Path) -> Iterator[None]:
    """Another process holding a write transaction on the store until the block ends."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"db = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            "db.execute(\"INSERT INTO meta (key, value) VALUES ('held', 'yes')\")\n"
            "print('holding', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline() == "holding\n"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


needs_mount_namespace = pytest.mark.skipif(
    not unshare_works(), reason="needs unshare -rm (user and mount namespaces) for a tmpfs"
)


def in_private_mount(script: str, mount: Path) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a new mount namespace, with a fresh tmpfs at ``mount``."""
    mount.mkdir()
    briefbot = f"{sys.executable} -m bot.cli"
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script.format(mount=mount, briefbot=briefbot)],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        env={**os.environ, "BRIEFBOT_DB": str(mount / "briefbot.sqlite3")},
        timeout=300,
        check=False,
    )


def sections(output: str) -> dict[str, str]:
    """The output of a script that prints '== name' before each step."""
    parts: dict[str, str] = {}
    name = ""
    for line in output.splitlines(keepends=True):
        if line.startswith("== "):
            name = line[3:].strip()
            parts[name] = ""
        else:
            parts[name] = parts.get(name, "") + line
    return parts


async def test_a_write_lock_held_elsewhere_never_blocks_reads(tmp_path: Path) -> None:
    db = seeded_store(tmp_path)
    with write_lock_held(db):
        # Opening a current store writes nothing, so the brief does not wait for the lock.
        brief = cli(db, "brief", "china-russia")
        assert brief.returncode == 0, brief.stderr
        assert brief.stdout.startswith("China–Russia relations\n")
        async with await SqliteStore.open(db, busy_timeout_ms=200) as store:
            assert len(await store.search(RUSSIA, 10)) == 5
            assert await store.get_meta("held") is None  # the other process's write is unseen
            with pytest.raises(StoreError) as locked:
                await store.set_meta("k", "v")
            assert locked.value.fault is StoreFault.LOCKED
            assert "database is locked" in locked.value.cause
        doctor = cli(db, "doctor")
        assert "WARN store lock: another process holds the store's write lock" in doctor.stdout
    async with await SqliteStore.open(db, busy_timeout_ms=200) as store:
        await store.set_meta("k", "v")  # the lock is gone: writes work again


async def test_a_full_store_answers_chat_with_one_line(settings: Settings) -> None:
    app = await App.start(settings, clock=fixed_clock)
    try:
        assert isinstance(app.store, SqliteStore)
        # SQLite's own size limit, set to what the file holds now: the next page is "disk full".
        connection = writer(app.store)
        pages = await connection.execute_fetchall("PRAGMA page_count")
        await connection.execute(f"PRAGMA max_page_count = {next(iter(pages))[0]}")
        with pytest.raises(StoreError) as full:
            for channel in range(10_000):  # until the pages' free room is used up
                await app.store.subscriptions.subscribe(
                    "slack", f"C{channel}", "china-russia", dt.time(8), UTC, "U1", FIXED_NOW
                )
        assert full.value.fault is StoreFault.FULL
        reply = await app.dispatcher.handle(
            "subscribe china-russia", Conversation("slack", "Cx", "U1")
        )
        assert isinstance(reply, Notice) and reply.is_error
        assert reply.title == StoreFault.FULL.message
        # Briefs still work: they only read.
        brief = await app.dispatcher.handle("china-russia", HERE)
        assert not (isinstance(brief, Notice) and brief.is_error)
    finally:
        await app.close()


@needs_mount_namespace
def test_a_full_disk_stops_ingest_with_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    seeds = sorted((PROJECT_DIR / "seeds").glob("*.txt"))
    for i in range(300):
        text = seeds[i % len(seeds)].read_text(encoding="utf-8")
        (folder / f"{i:03}.txt").write_text(f"Dispatch {i} of the newsroom.\n{text}")
    result = in_private_mount(
        "mount -t tmpfs -o size=600k tmpfs {mount} || exit 99\n"
        "echo '== ingest'; {briefbot} ingest " + str(folder) + " 2>&1\n"
        "echo '== brief'; {briefbot} brief china-russia 2>&1 | head -1\n"
        "echo '== doctor'; {briefbot} doctor 2>&1\n",
        tmp_path / "small",
    )
    assert result.returncode != 99, result.stderr
    out = sections(result.stdout)
    assert f"briefbot: {StoreFault.FULL.message}" in out["ingest"], out
    assert "Traceback" not in result.stdout + result.stderr
    assert out["brief"] == "China–Russia relations\n"  # what was stored still briefs
    assert "FAIL disk space:" in out["doctor"]


@needs_mount_namespace
def test_a_read_only_store_still_briefs(tmp_path: Path) -> None:
    db = seeded_store(tmp_path)
    page = PROJECT_DIR / "tests" / "data" / "web" / "cnn_article.html"
    result = in_private_mount(
        "mount -t tmpfs tmpfs {mount} && cp " + str(db) + " {mount}/ && "
        "mount -o remount,ro {mount} || exit 99\n"
        "echo '== brief'; {briefbot} brief china-russia 2>&1 | head -1\n"
        "echo '== ingest'; {briefbot} ingest " + str(page) + " 2>&1; echo exit=$?\n"
        "echo '== doctor'; {briefbot} doctor 2>&1\n",
        tmp_path / "ro",
    )
    assert result.returncode != 99, result.stderr
    out = sections(result.stdout)
    assert out["brief"] == "China–Russia relations\n", out
    assert f"briefbot: {StoreFault.READ_ONLY.message}" in out["ingest"], out
    assert "exit=1" in out["ingest"] and "Traceback" not in out["ingest"]
    assert "WARN store writable:" in out["doctor"]


async def test_a_damaged_store_says_so(tmp_path: Path) -> None:
    db = seeded_store(tmp_path)
    db.write_bytes(b"this is not a database, it was overwritten " * 200)
    said_plainly(cli(db, "brief", "china-russia"), StoreFault.CORRUPT)
    doctor = cli(db, "doctor")
    assert "FAIL store:" in doctor.stdout and "Traceback" not in doctor.stderr
    with pytest.raises(StoreError) as damaged:
        await SqliteStore.open(db)
    assert damaged.value.fault is StoreFault.CORRUPT


async def test_a_store_file_in_a_missing_place_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the store's folder should be")
    with pytest.raises(StoreError) as unavailable:
        await SqliteStore.open(blocker / "briefbot.sqlite3")
    assert unavailable.value.fault is StoreFault.UNAVAILABLE
