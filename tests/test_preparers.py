"""Worker processes prepare article files exactly as this process does, and lose none."""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ingest.load import article_files
from bot.ingest.pipeline import IngestFailure, ingest_paths
from bot.ingest.workers import (
    MIN_FILES_FOR_WORKERS,
    InProcessPreparer,
    ProcessPreparer,
    workers_for,
)
from bot.models import PreparedArticle
from bot.store import lexemes
from bot.store.lexemes import document_lexemes
from bot.store.sqlite.store import SqliteStore
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import SEEDS, fixed_clock

MAX_BYTES = 1_000_000


@pytest.fixture
def workers() -> Iterator[ProcessPreparer]:
    # As `briefbot ingest` starts them for a SQLite store: search lexemes worked out too.
    preparer = ProcessPreparer.start("english", MAX_BYTES, workers=2, search_lexemes=True)
    yield preparer
    preparer.close()


def article_folder(folder: Path) -> Path:
    """The seeds plus one of each kind of bad file."""
    folder.mkdir()
    for seed in SEEDS.iterdir():
        (folder / seed.name).write_bytes(seed.read_bytes())
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01" * 50)
    (folder / "page.txt").write_text("<html><body>" + "<p>x</p>" * 20 + "</body></html>")
    (folder / "russian.txt").write_text(
        "Россия и Китай подписали новое энергетическое соглашение во вторник в Москве.\n"
    )
    (folder / "vietnamese.txt").write_text(
        "Trung Quốc và Nga đã ký một thỏa thuận năng lượng mới vào thứ Ba tại Moscow.\n"
    )
    return folder


async def test_workers_prepare_exactly_what_this_process_does(
    tmp_path: Path, workers: ProcessPreparer
) -> None:
    folder = article_folder(tmp_path / "articles")
    paths = list(article_files([folder]))
    here = InProcessPreparer(TermIndexer(OfflineTokenizer()), MAX_BYTES, search_lexemes=True)
    expected = await here.prepare_files(paths)
    assert await workers.prepare_files(paths) == expected
    failures = [o for o in expected if isinstance(o, IngestFailure)]
    # Five seeds and the Russian article stored; the Vietnamese one has no pipeline.
    assert len(failures) == 4 and len(expected) - len(failures) == 6
    # The lexemes are the store's own, and the rest is what a preparer without them gives.
    plain = await InProcessPreparer(TermIndexer(OfflineTokenizer()), MAX_BYTES).prepare_files(paths)
    for outcome, without in zip(expected, plain, strict=True):
        if isinstance(outcome, PreparedArticle):
            article = outcome.article
            assert outcome.search_lexemes == document_lexemes(
                article.language, article.title, article.body
            )
            assert dataclasses.replace(outcome, search_lexemes=None) == without


def stored_rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT a.origin, a.title, a.source, a.published, s.position, s.text, s.terms"
            " FROM articles a JOIN sentences s ON s.article_id = a.id ORDER BY a.id, s.position"
        ).fetchall()


async def test_an_ingest_through_workers_stores_what_one_in_process_stores(
    tmp_path: Path, workers: ProcessPreparer
) -> None:
    folder = article_folder(tmp_path / "articles")
    here = InProcessPreparer(TermIndexer(OfflineTokenizer()), MAX_BYTES)
    reports = []
    for name, preparer in (("here", here), ("workers", workers)):
        async with await SqliteStore.open(tmp_path / f"{name}.sqlite3") as store:
            reports.append(await ingest_paths([folder, folder], store, preparer, fixed_clock))
    assert reports[0] == reports[1]
    assert (reports[1].added, reports[1].duplicates, len(reports[1].failures)) == (6, 6, 8)
    assert stored_rows(tmp_path / "here.sqlite3") == stored_rows(tmp_path / "workers.sqlite3")
    # The full-text index too: worked out by the storing process here, by the workers there.
    assert indexed(tmp_path / "here.sqlite3") == indexed(tmp_path / "workers.sqlite3") != []


async def test_the_storing_process_works_out_no_lexemes_the_workers_sent(
    tmp_path: Path, workers: ProcessPreparer, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = article_folder(tmp_path / "articles")
    here = InProcessPreparer(TermIndexer(OfflineTokenizer()), MAX_BYTES)
    async with await SqliteStore.open(tmp_path / "here.sqlite3") as store:
        await ingest_paths([folder], store, here, fixed_clock)

    def refuse(*args: object) -> str:
        raise AssertionError("search lexemes worked out again by the storing process")

    # Only this process's computation is refused: the workers were forked before.
    monkeypatch.setattr(lexemes, "document_lexemes", refuse)
    async with await SqliteStore.open(tmp_path / "workers.sqlite3") as store:
        report = await ingest_paths([folder], store, workers, fixed_clock)
    assert report.added == 6
    assert indexed(tmp_path / "here.sqlite3") == indexed(tmp_path / "workers.sqlite3")


def indexed(db: Path) -> list[tuple[object, ...]]:
    """Every entry of the full-text index: lexeme, article, position."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute(
            "CREATE VIRTUAL TABLE temp.entries USING fts5vocab(main, articles_fts, instance)"
        )
        return conn.execute("SELECT term, doc, offset FROM entries ORDER BY doc, offset").fetchall()


async def test_a_killed_worker_loses_no_file(tmp_path: Path, workers: ProcessPreparer) -> None:
    folder = article_folder(tmp_path / "articles")
    for child in multiprocessing.active_children():
        child.kill()
        child.join()
    async with await SqliteStore.open(tmp_path / "s.sqlite3") as store:
        report = await ingest_paths([folder], store, workers, fixed_clock)
        assert (report.added, len(report.failures)) == (6, 4)
        assert await store.count_articles() == 6


def test_workers_only_for_many_files() -> None:
    assert workers_for(MIN_FILES_FOR_WORKERS - 1) == 0
    many = workers_for(10_000)
    assert many == 0 or many >= 2  # none on one core, else one per core
