"""Faults with real processes: SIGKILL and SIGTERM during ``briefbot ingest``, and a backup
taken while another process writes. Nothing committed is lost, nothing half-written stays."""

from __future__ import annotations

import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.ingest.load import load_file
from bot.ingest.pipeline import prepare
from bot.ingest.workers import workers_for
from bot.settings import PROJECT_DIR
from bot.store.sqlite.backup import backup_store
from bot.store.sqlite.store import SqliteStore
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

SEEDS = sorted((PROJECT_DIR / "seeds").glob("*.txt"))
FILES = 400  # several times what worker processes have in flight, and ~1 s of ingest
KILL_AFTER = 4  # articles reported stored before the signal is sent


def corpus(folder: Path) -> Path:
    """FILES distinct real articles: the seeds, each copy with its own opening line."""
    folder.mkdir()
    for i in range(FILES):
        text = SEEDS[i % len(SEEDS)].read_text(encoding="utf-8")
        (folder / f"{i:03}.txt").write_text(
            f"Dispatch {i}: the newsroom filed this copy of the report on the talks.\n{text}",
            encoding="utf-8",
        )
    return folder


def config(tmp_path: Path) -> Path:
    """The project's config without seeding, so each process starts on the corpus at once."""
    folder = tmp_path / "config"
    shutil.copytree(PROJECT_DIR / "config", folder)
    settings = folder / "settings.toml"
    settings.write_text(
        settings.read_text().replace("seed_on_first_run = true", "seed_on_first_run = false")
    )
    return folder


def ingest_command(tmp_path: Path, db: Path, folder: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bot.cli",
        "-v",
        "--config",
        str(config(tmp_path)),
        "--db",
        str(db),
        "ingest",
        str(folder),
    ]


@contextmanager
def ingesting(command: list[str]) -> Iterator[subprocess.Popen[str]]:
    """A running ingest process, killed by a watchdog if a test would otherwise hang."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_DIR
    )
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        yield process
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
        process.wait()


def wait_for_progress(process: subprocess.Popen[str], count: int) -> list[str]:
    """Read the process's log until ``count`` files are reported done; return those lines."""
    assert process.stderr is not None
    seen: list[str] = []
    for line in process.stderr:
        if "ingested " in line:
            seen.append(line)
            if len(seen) >= count:
                break
    assert len(seen) >= count, "ingest ended before making progress"
    return seen


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def exits_within(pid: int, seconds: float) -> bool:
    """Whether a process that is not our child exits within ``seconds`` (waits on a pidfd)."""
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        return True  # already gone
    try:
        return bool(select.select([descriptor], [], [], seconds)[0])
    finally:
        os.close(descriptor)


def assert_every_article_whole(db: Path) -> int:
    """Integrity ok, and each stored article has exactly the sentences its file yields."""
    indexer = TermIndexer(OfflineTokenizer())
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(
            "SELECT a.origin, count(s.id) FROM articles a"
            " LEFT JOIN sentences s ON s.article_id = a.id GROUP BY a.id"
        ).fetchall()
        hashes = conn.execute("SELECT count(DISTINCT content_hash) FROM articles").fetchone()[0]
    assert hashes == len(rows)
    for origin, stored in rows:
        expected = len(prepare(load_file(Path(origin), 10_000_000, {}), indexer).article.sentences)
        assert stored == expected, origin
    return len(rows)


def test_sigkill_mid_ingest_loses_nothing_committed_and_a_rerun_finishes(tmp_path: Path) -> None:
    folder, db = corpus(tmp_path / "articles"), tmp_path / "store.sqlite3"
    command = ingest_command(tmp_path, db, folder)
    with ingesting(command) as process:
        wait_for_progress(process, KILL_AFTER)
        workers = child_pids(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert workers or not workers_for(FILES), "the ingest ran without worker processes"
    for pid in workers:  # orphaned workers notice and exit
        assert exits_within(pid, 30), f"worker {pid} outlived the killed ingest"
    stored = assert_every_article_whole(db)
    assert KILL_AFTER <= stored < FILES

    rerun = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, cwd=PROJECT_DIR
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{FILES - stored} added, {stored} already stored, 0 failed" in rerun.stdout
    assert assert_every_article_whole(db) == FILES


async def test_sigterm_finishes_the_articles_in_flight_and_closes_cleanly_while_a_backup_runs(
    tmp_path: Path,
) -> None:
    folder, db = corpus(tmp_path / "articles"), tmp_path / "store.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    with ingesting(ingest_command(tmp_path, db, folder)) as process:
        progress = wait_for_progress(process, KILL_AFTER)
        # Another process is writing right now: the copy must still be consistent.
        report = await backup_store(db, backup)
        process.send_signal(signal.SIGTERM)
        assert process.stdout is not None and process.stderr is not None
        # Through the same file object: communicate() would skip what its buffer read ahead.
        stderr = process.stderr.read()
        stdout = process.stdout.read()
        process.wait(timeout=120)
    progress += [line for line in stderr.splitlines() if "ingested " in line]

    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "stopped by SIGTERM after finishing the articles in flight" in stdout
    assert "run the same ingest again" in stdout
    assert "Traceback" not in stderr
    # A clean close checkpoints and removes the write-ahead log; a killed process leaves it.
    assert not db.with_name(db.name + "-wal").exists()
    stored = assert_every_article_whole(db)
    assert stored == len(progress) < FILES  # every article reported done is there, no more

    assert KILL_AFTER <= report.articles <= stored
    assert assert_every_article_whole(backup) == report.articles
    async with await SqliteStore.open(backup) as copy:
        assert await copy.integrity_ok() and await copy.count_articles() == report.articles


def test_sigterm_stops_feed_polling_between_rounds_with_the_store_closed(tmp_path: Path) -> None:
    """`briefbot poll` (the Procfile's feeds) ends on SIGTERM like every long-running command."""
    folder = config(tmp_path)
    # A feed the fetcher refuses at once (loopback): a round fails fast, then the poller waits.
    (folder / "feeds.toml").write_text(
        '[[feed]]\ntopic = "china-russia"\nurls = ["http://127.0.0.1:9/feed.xml"]\n'
    )
    db = tmp_path / "store.sqlite3"
    command = [sys.executable, "-m", "bot.cli", "-v", "--config", str(folder), "--db", str(db)]
    with ingesting([*command, "poll"]) as process:
        assert process.stderr is not None and process.stdout is not None
        for line in process.stderr:
            if "polled 1 feeds" in line:
                break
        else:
            raise AssertionError("poll ended before its first round")
        process.send_signal(signal.SIGTERM)
        stderr = process.stderr.read()
        process.wait(timeout=30)
    assert process.returncode == 0, stderr
    assert "SIGTERM: finishing the work in flight" in stderr
    assert "Traceback" not in stderr
    assert not db.with_name(db.name + "-wal").exists()  # the store was closed, not abandoned
