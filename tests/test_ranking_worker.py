"""Briefs that stop: a big brief is built in a process that a deadline or a stop kills; a
one-shot command builds it on a daemon thread and exits at the deadline."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench.rereported import rereported_docs
from bot.app import App
from bot.brief.briefer import RankJob
from bot.brief.corpus import Corpus, build_corpus
from bot.brief.select import SelectionLimits
from bot.brief.worker import PROCESS_MIN_SENTENCES, ProcessRanker, RankingFailed, run_job
from bot.chat.commands import UserError
from bot.ingest.inputs import cluster_articles
from bot.settings import PROJECT_DIR, Settings
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import fixed_clock

HANG_GUARD_SECONDS = 60
# Enough re-reporting articles (12 sentences each) to be built in the ranking process.
ARTICLES = 1 + PROCESS_MIN_SENTENCES // 12


@pytest.fixture(scope="module")
def indexer() -> TermIndexer:
    return TermIndexer(OfflineTokenizer("english"))


@pytest.fixture(scope="module")
def corpus(indexer: TermIndexer) -> Corpus:
    docs = json.dumps({"id": "rr", "docs": rereported_docs(ARTICLES)})
    built = build_corpus(cluster_articles(docs, "rereported.jsonl"), indexer)
    assert len(built.records) >= PROCESS_MIN_SENTENCES
    return built


def job_of(corpus: Corpus) -> RankJob:
    return RankJob("rr", "Re-reported", corpus.articles, corpus.records, SelectionLimits(5), None)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def started_child(ranker: ProcessRanker) -> int:
    """The ranking process's id, once one has been started."""
    async with asyncio.timeout(HANG_GUARD_SECONDS):
        # The process starts inside rank(); nothing signals it, so look every 10 ms.
        while ranker.process.pid is None:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return ranker.process.pid


async def test_a_big_brief_built_in_the_ranking_process_is_the_same_brief(
    corpus: Corpus, indexer: TermIndexer
) -> None:
    job = job_of(corpus)
    async with ProcessRanker(indexer, "english") as ranker:
        built = await ranker.rank(job)
        assert ranker.process.pid is not None  # it did go to the process
    assert built == run_job(job, indexer)
    assert len(built.points) == 5


async def test_cancelling_a_build_kills_its_process_and_the_next_build_starts_afresh(
    corpus: Corpus, indexer: TermIndexer
) -> None:
    async with ProcessRanker(indexer, "english") as ranker:
        building = asyncio.ensure_future(ranker.rank(job_of(corpus)))
        pid = await started_child(ranker)
        building.cancel()
        with pytest.raises(asyncio.CancelledError):
            await building
        assert not alive(pid)  # killed and reaped: its memory and its core are free
        assert ranker.process.pid is None
        small = dataclasses.replace(job_of(corpus), limits=SelectionLimits(2))
        assert len((await ranker.rank(small)).points) == 2
        assert ranker.process.pid not in (None, pid)


async def test_a_ranking_process_that_dies_fails_that_brief_only(
    corpus: Corpus, indexer: TermIndexer
) -> None:
    async with ProcessRanker(indexer, "english") as ranker:
        building = asyncio.ensure_future(ranker.rank(job_of(corpus)))
        os.kill(await started_child(ranker), signal.SIGKILL)  # the kernel's OOM killer, say
        with pytest.raises(RankingFailed, match="died"):
            await building
        assert len((await ranker.rank(job_of(corpus))).points) == 5


async def test_a_brief_past_its_deadline_is_stopped_with_a_message(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "rereported"
    folder.mkdir()
    for n, doc in enumerate(rereported_docs(ARTICLES)):
        (folder / f"{n:04}.txt").write_text(doc["text"] + "\n", encoding="utf-8")
    # No ranking can finish in a microsecond: the deadline always passes mid-build.
    hurried = dataclasses.replace(settings, deadline_seconds=1e-6)
    app = await App.start(hurried, clock=fixed_clock)
    try:
        assert (await app.intake.ingest_files([folder])).added == ARTICLES
        with pytest.raises(UserError, match="took longer than 1e-06 s"):
            await app.briefer.brief("tsunami death toll")
        ranker = app.briefer.ranker
        assert isinstance(ranker, ProcessRanker)
        assert ranker.process.pid is None  # nothing left running
    finally:
        await app.close()


def config_with_deadline(tmp_path: Path, seconds: str) -> Path:
    """A copy of the default configuration with ``brief.deadline_seconds = seconds``."""
    config = tmp_path / "config"
    config.mkdir()
    for name in ("settings.toml", "topics.toml"):
        text = (PROJECT_DIR / "config" / name).read_text(encoding="utf-8")
        (config / name).write_text(text, encoding="utf-8")
    settings_toml = config / "settings.toml"
    text = settings_toml.read_text(encoding="utf-8")
    assert "deadline_seconds = 30" in text
    settings_toml.write_text(text.replace("deadline_seconds = 30", f"deadline_seconds = {seconds}"))
    return config


# A build that never ends (a pathological input, say): the command must still exit at its
# deadline, not when the build ends. Runs the real command line with only the build replaced.
NEVER_ENDING_BUILD = """
import sys
import bot.brief.build

def never_ending(*args, **kwargs):
    while True:
        pass

bot.brief.build.build_brief = never_ending
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_brief_command_exits_at_its_deadline_while_its_build_runs_on(tmp_path: Path) -> None:
    config = config_with_deadline(tmp_path, "0.5")
    store = tmp_path / "store.sqlite3"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            NEVER_ENDING_BUILD,
            "--config",
            str(config),
            "--db",
            str(store),
            "brief",
            "china-russia",
        ],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "took longer than 0.5 s; try a narrower query" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_summarize_command_exits_at_its_deadline_while_its_build_runs_on(
    tmp_path: Path,
) -> None:
    config = config_with_deadline(tmp_path, "2")
    article = tmp_path / "article.txt"
    article.write_text(" ".join(rereported_docs(1)[0]["text"].split()) + "\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            NEVER_ENDING_BUILD,
            "--config",
            str(config),
            "summarize",
            str(article),
        ],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "took longer than 2 s and was stopped" in result.stderr
    assert "Traceback" not in result.stderr


def test_summarize_stops_at_its_deadline(tmp_path: Path) -> None:
    config = config_with_deadline(tmp_path, "0.000001")
    cluster = tmp_path / "rereported.jsonl"
    cluster.write_text(json.dumps({"id": "rr", "docs": rereported_docs(ARTICLES)}) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "summarize", str(cluster)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )
    assert result.returncode == 1
    assert "took longer than 1e-06 s and was stopped" in result.stderr
    assert "Traceback" not in result.stderr
