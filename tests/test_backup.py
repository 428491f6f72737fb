"""``briefbot backup``: a verified, self-contained copy; never over an existing file unasked."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.app import App
from bot.cli import main
from bot.store.errors import BackupError
from bot.store.records import SearchQuery
from bot.store.sqlite.backup import backup_store
from bot.store.sqlite.store import SqliteStore
from tests.conftest import FIXED_NOW
from tests.store.support import prepared


def stored_counts(path: Path) -> tuple[int, int, str]:
    with sqlite3.connect(path) as db:
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        sentences = db.execute("SELECT count(*) FROM sentences").fetchone()[0]
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
    return int(articles), int(sentences), str(check)


def names_starting(folder: Path, prefix: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.lstrip(".").startswith(prefix))


async def test_backup_is_a_checked_single_file(briefbot: App, tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    report = await backup_store(briefbot.settings.store_path, target)
    assert report.articles == 5 and report.size_bytes == target.stat().st_size
    assert stored_counts(target) == (*stored_counts(briefbot.settings.store_path)[:2], "ok")
    assert names_starting(tmp_path, "copy") == ["copy.sqlite3"]  # no -wal, no partial file
    # The copy opens as a store and serves briefs.
    async with await SqliteStore.open(target) as copy:
        assert len(await copy.search(SearchQuery((("Russia",),)), 10)) == 5


async def test_backup_refuses_to_overwrite_unless_forced(briefbot: App, tmp_path: Path) -> None:
    source = briefbot.settings.store_path
    target = tmp_path / "copy.sqlite3"
    target.write_text("precious")
    with pytest.raises(BackupError, match="already exists; use --force"):
        await backup_store(source, target)
    assert target.read_text() == "precious"
    (tmp_path / "copy.sqlite3-wal").write_bytes(b"stale")
    await backup_store(source, target, force=True)
    assert stored_counts(target)[2] == "ok"
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    with pytest.raises(BackupError, match="is the store itself"):
        await backup_store(source, source, force=True)
    with pytest.raises(BackupError, match="no store at"):
        await backup_store(tmp_path / "missing.sqlite3", tmp_path / "x.sqlite3")


async def test_backup_during_writes_holds_only_whole_articles(tmp_path: Path) -> None:
    source, target = tmp_path / "live.sqlite3", tmp_path / "copy.sqlite3"
    async with await SqliteStore.open(source) as writer:

        async def write_many() -> None:
            for i in range(40):
                body = (
                    f"China and Russia met for round {i}. Trade grew by {i} percent. Talks ended."
                )
                await writer.add_articles([prepared(body)], FIXED_NOW)

        writing = asyncio.ensure_future(write_many())
        await asyncio.sleep(0)
        report = await backup_store(source, target)
        await writing
    articles, sentences, check = stored_counts(target)
    assert check == "ok" and report.articles == articles
    assert sentences == 3 * articles  # every article in the copy has all three sentences


def test_cli_backup_exit_codes(
    tmp_path: Path, keep_root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.sqlite3"
    assert main(["--db", str(db), "topics"]) == 0
    target = tmp_path / "b.sqlite3"
    assert main(["--db", str(db), "backup", str(target)]) == 0
    assert "backed up 5 articles" in capsys.readouterr().out
    assert main(["--db", str(db), "backup", str(target)]) == 1
    assert "use --force" in capsys.readouterr().err
    assert main(["--db", str(db), "backup", "--force", str(target)]) == 0
