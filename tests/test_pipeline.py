"""Ingest: files become stored articles; bad files are reported and never stop the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest.pipeline import RejectedArticle, ingest_paths, prepare
from bot.ingest.workers import InProcessPreparer
from bot.models import RawArticle
from bot.store.sqlite.store import SqliteStore
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import SEEDS, fixed_clock


@pytest.fixture(scope="module")
def indexer() -> TermIndexer:
    return TermIndexer(OfflineTokenizer())


def in_process(indexer: TermIndexer, max_bytes: int) -> InProcessPreparer:
    return InProcessPreparer(indexer, max_bytes)


async def test_seed_folder_ingests_once(tmp_path: Path, indexer: TermIndexer) -> None:
    async with await SqliteStore.open(tmp_path / "s.sqlite3") as store:
        preparer = in_process(indexer, 1_000_000)
        first = await ingest_paths([SEEDS], store, preparer, fixed_clock)
        second = await ingest_paths([SEEDS], store, preparer, fixed_clock)
        assert (first.added, first.duplicates, first.failures) == (5, 0, ())
        assert (second.added, second.duplicates) == (0, 5)


async def test_bad_files_are_reported_and_the_rest_stored(
    tmp_path: Path, indexer: TermIndexer
) -> None:
    (tmp_path / "good.txt").write_text("China and Russia signed an energy deal on Tuesday.\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "russian.txt").write_text(
        "Россия и Китай подписали новое энергетическое соглашение во вторник в Москве.\n"
    )
    (tmp_path / "big.txt").write_text("Trade grew. " * 200)
    async with await SqliteStore.open(tmp_path / "s.sqlite3") as store:
        report = await ingest_paths([tmp_path], store, in_process(indexer, 1000), fixed_clock)
    reasons = {Path(f.origin).name: f.reason for f in report.failures}
    assert report.added == 2  # English and Russian
    assert "no article text" in reasons["empty.txt"]
    assert "too large" in reasons["big.txt"]


def test_one_sentence_article_is_kept(indexer: TermIndexer) -> None:
    raw = RawArticle(origin="x", text="Xi and Putin spoke by video on Friday.")
    assert prepare(raw, indexer).article.sentences == ("Xi and Putin spoke by video on Friday.",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "Like us on Facebook.\nSign up for our newsletter today.",
            "no article text before the end-of-article line 'Like us on Facebook.'",
        ),
        (
            "Sign up for our newsletter today.\nClick here to reset your password.",
            r"only site furniture \(2 line\(s\)",
        ),
        (
            "Federal: Health care, of course, and vending machines\nLocal: Guns and shark fins",
            "no complete sentence: none of its 1 line",
        ),
        ("New Year, new laws: Obamacare, pot, guns and drones", "only a title line"),
    ],
)
def test_a_rejected_text_says_why(indexer: TermIndexer, text: str, reason: str) -> None:
    with pytest.raises(RejectedArticle, match=reason):
        prepare(RawArticle(origin="x", text=text), indexer)


def test_each_article_is_prepared_in_its_language(indexer: TermIndexer) -> None:
    chinese = prepare(
        RawArticle(origin="x", text="中国和俄罗斯周二在莫斯科签署了一项新的能源协议。"), indexer
    )
    assert chinese.article.language == "zh"
    assert chinese.terms[0][:2] == ("zh:中国", "zh:国和")
    english = prepare(RawArticle(origin="y", text="China and Russia signed a deal."), indexer)
    assert english.article.language == "en"
    assert english.terms == (("china", "russia", "sign", "deal"),)


def test_a_language_left_out_of_the_settings_is_refused_by_name() -> None:
    english_only = TermIndexer(OfflineTokenizer(), supported={"en"})
    raw = RawArticle(
        origin="x", text="Россия и Китай подписали новое энергетическое соглашение во вторник."
    )
    with pytest.raises(RejectedArticle, match=r"written in Russian \(ru\).*languages: English"):
        prepare(raw, english_only)


def test_a_language_without_a_pipeline_is_refused_by_name(indexer: TermIndexer) -> None:
    raw = RawArticle(
        origin="x",
        text="Trung Quốc và Nga đã ký một thỏa thuận năng lượng mới vào thứ Ba tại Moscow.",
    )
    with pytest.raises(RejectedArticle, match=r"written in Vietnamese \(vi\)"):
        prepare(raw, indexer)


def test_source_label_falls_back_to_host_or_file(indexer: TermIndexer) -> None:
    text = "Xi and Putin spoke by video on Friday."
    web = prepare(RawArticle(origin="u", text=text, url="https://www.example.org/a"), indexer)
    assert web.article.source == "example.org"
    assert prepare(RawArticle(origin="/tmp/a.txt", text=text), indexer).article.source == "a.txt"
