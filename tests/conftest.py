"""Shared fixtures: real settings pointed at a SQLite file in tmp_path, and a started core."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App
from bot.ingest.load import article_files, load_file, read_manifest
from bot.ingest.pipeline import prepare
from bot.settings import PROJECT_DIR, Settings, load_settings
from bot.text.terms import TermIndexer
from tests.engines import ENGINES, postgres_schema_url

SEEDS = PROJECT_DIR / "seeds"
FIXED_NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def fixed_clock() -> dt.datetime:
    """A clock that never moves, so tests never depend on the wall clock."""
    return FIXED_NOW


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Modules marked both_engines run their store-using tests on each engine (tests/engines.py).
    if "store_engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_engines"
    ):
        metafunc.parametrize("store_engine", ENGINES, indirect=True)


@pytest.fixture
def store_engine(request: pytest.FixtureRequest) -> str:
    """The engine of the test's store: SQLite unless the module runs on both engines."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def settings(tmp_path: Path, store_engine: str) -> Iterator[Settings]:
    """The project's real settings with the store in tmp_path (or a fresh PostgreSQL schema,
    when the module runs on both engines)."""
    local = dataclasses.replace(load_settings({}), store_path=tmp_path / "briefbot.sqlite3")
    if store_engine != "postgres":
        yield local
        return
    with postgres_schema_url() as url:
        yield dataclasses.replace(local, database_url=url)


@pytest.fixture
async def briefbot(settings: Settings) -> AsyncIterator[App]:
    """A core started on the seed corpus, closed after the test."""
    bot = await App.start(settings, clock=fixed_clock)
    try:
        yield bot
    finally:
        await bot.close()


@pytest.fixture
def keep_root_logging() -> Iterator[None]:
    """Put the root logger back as it was after a test that runs ``configure_logging``."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)
        root.setLevel(level)


def seed_sentences(indexer: TermIndexer) -> list[str]:
    """The seed articles' sentences as ingest splits them, each distinct sentence once."""
    manifest = read_manifest(SEEDS)
    articles = [prepare(load_file(p, 2_000_000, manifest), indexer) for p in article_files([SEEDS])]
    return list(dict.fromkeys(s for a in articles for s in a.article.sentences))
