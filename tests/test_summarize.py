"""Briefing exactly the given articles in memory: numbering, word budget, the brief's guarantees."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bot.brief.corpus import build_corpus, corpus_of
from bot.brief.select import SelectionLimits
from bot.brief.summarize import fit_words, summarize, word_count
from bot.ingest.inputs import cluster_articles, read_inputs
from bot.models import (
    ArticleDate,
    Brief,
    CleanArticle,
    Paragraph,
    Point,
    PreparedArticle,
    RawArticle,
)
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.test_brief import YANG_OUTLETS, yang_points

EVAL = Path(__file__).parent / "data" / "eval" / "multiling2011_en.jsonl"
SEEDS = Path(__file__).parent.parent / "seeds"


@pytest.fixture(scope="module")
def indexer() -> TermIndexer:
    return TermIndexer(OfflineTokenizer())


def test_corpus_numbers_articles_and_sentences_like_the_store() -> None:
    clean = [
        CleanArticle(
            "a",
            "A",
            "Src A",
            None,
            ArticleDate.unknown(),
            (Paragraph(("One.", "Two.")), Paragraph(("Three.",))),
        ),
        CleanArticle("b", None, "Src B", None, ArticleDate.unknown(), (Paragraph(("Four.",)),)),
    ]
    corpus = corpus_of([PreparedArticle(c, tuple(("t",) for _ in c.sentences)) for c in clean])
    assert [a.id for a in corpus.articles] == [1, 2]
    assert [(r.id, r.article_id, r.position, r.text) for r in corpus.records] == [
        (1, 1, 0, "One."),
        (2, 1, 1, "Two."),
        (3, 1, 2, "Three."),
        (4, 2, 0, "Four."),
    ]


def test_rejected_articles_are_reported_not_briefed(indexer: TermIndexer) -> None:
    raws = [RawArticle("empty.txt", "Like us on Facebook\n"), RawArticle("ok.txt", "Gas flows.")]
    corpus = build_corpus(raws, indexer)
    assert len(corpus.articles) == 1
    assert corpus.rejected and "empty.txt" in corpus.rejected[0]


def brief_of(texts: list[str], ranks: list[int] | None = None) -> Brief:
    ranks = ranks or [0] * len(texts)
    points = tuple(
        Point(text=t, sources=(), score=1.0, rank=r) for t, r in zip(texts, ranks, strict=True)
    )
    return Brief("t", "T", points, 1, 1, None)


def test_fit_words_keeps_whole_points_best_ranked_first_in_reading_order() -> None:
    texts = ["one two three.", "four five six seven.", "eight nine.", "ten."]
    brief = fit_words(brief_of(texts, ranks=[3, 1, 4, 2]), 6)
    # Rank 1 (4 words) fits, rank 2 (1 word) fits, rank 3 (3 words) no longer does, rank 4
    # (2 words) does not either: nothing is cut, and reading order is kept.
    assert [p.text for p in brief.points] == ["four five six seven.", "ten."]
    assert word_count(brief) == 5


def test_fit_words_leaves_a_brief_within_budget_alone() -> None:
    brief = brief_of(["one two three", "four"])
    assert fit_words(brief, 10) == brief


@pytest.fixture(scope="module")
def cluster_brief(indexer: TermIndexer) -> Brief:
    line = EVAL.read_text(encoding="utf-8").splitlines()[2]
    corpus = build_corpus(cluster_articles(line, "M002"), indexer)
    return summarize(corpus, indexer, SelectionLimits(points=10_000, words=250))


def test_word_budget_is_filled_with_whole_points(cluster_brief: Brief) -> None:
    assert 230 <= word_count(cluster_brief) <= 250
    assert all(p.text.endswith((".", '"', "”")) for p in cluster_brief.points)


@pytest.mark.parametrize("words", [20, 60, 100, 250])
def test_no_point_is_cut_or_a_stub_under_any_budget(indexer: TermIndexer, words: int) -> None:
    for line in EVAL.read_text(encoding="utf-8").splitlines():
        corpus = build_corpus(cluster_articles(line, None), indexer)
        brief = summarize(corpus, indexer, SelectionLimits(points=10_000, words=words))
        assert brief.points and word_count(brief) <= words
        for point in brief.points:
            assert point.text.rstrip().endswith((".", "!", "?", '"', "”", "’", ")")), point.text
            assert len(point.text.split()) >= 6


def test_cluster_brief_reads_in_date_order_with_sources(cluster_brief: Brief) -> None:
    firsts = [min(r.date.value for r in p.sources if r.date.value) for p in cluster_brief.points]
    assert firsts == sorted(firsts)
    assert all(p.sources for p in cluster_brief.points)
    assert cluster_brief.article_count == 10


def test_seed_files_summarized_directly_keep_the_brief_guarantees(indexer: TermIndexer) -> None:
    raws = read_inputs(sorted(SEEDS.glob("*.txt")), max_bytes=2_000_000)
    brief = summarize(build_corpus(raws, indexer), indexer, SelectionLimits(points=10))
    text = "\n".join(p.text for p in brief.points)
    assert "Like us on Facebook" not in text and "reCAPTCHA" not in text
    (yang,) = yang_points(brief)
    assert {r.source for r in yang.sources} == YANG_OUTLETS


def test_plain_strategy_is_still_available(indexer: TermIndexer) -> None:
    raws = read_inputs(sorted(SEEDS.glob("*.txt")), max_bytes=2_000_000)
    corpus = build_corpus(raws, indexer)
    default = SelectionLimits(points=5)
    plain = dataclasses.replace(
        default, strategy=dataclasses.replace(default.strategy, position_decay=None)
    )
    assert len(summarize(corpus, indexer, plain).points) == 5


@pytest.mark.parametrize("workers", [1, 3])
def test_forked_workers_prepare_the_same_corpus(indexer: TermIndexer, workers: int) -> None:
    # All 100 English MultiLing articles, with rejected ones among them (empty, furniture,
    # no sentence) at the start, in the middle and at the end of the workers' runs.
    raws = cluster_articles(EVAL.read_text(encoding="utf-8"), "multiling.jsonl")
    rejected = [
        RawArticle("empty.txt", "   \n"),
        RawArticle("furniture.txt", "Like us on Facebook\nSubscribe to our newsletter\n"),
        RawArticle("headline.txt", "Gas flows again\n"),
    ]
    raws = [rejected[0], *raws[:50], rejected[1], *raws[50:], rejected[2]]
    here = build_corpus(raws, TermIndexer(OfflineTokenizer()))
    forked = build_corpus(raws, indexer, workers=workers)
    assert forked == here
    assert len(here.rejected) == 3 and len(here.articles) == 100


def test_forked_workers_stop_at_the_deadline(indexer: TermIndexer) -> None:
    import multiprocessing
    import time

    raws = cluster_articles(EVAL.read_text(encoding="utf-8"), "multiling.jsonl")
    with pytest.raises(TimeoutError):
        build_corpus(raws, indexer, deadline=time.monotonic() + 0.05, workers=1)
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_loses_nothing(
    indexer: TermIndexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from bot.brief import corpus as corpus_module

    def dies_after_one_run(runs: Any, indexer: TermIndexer, sending: Any) -> None:
        runs.take()  # a run taken, never sent back
        os._exit(1)

    raws = cluster_articles(EVAL.read_text(encoding="utf-8"), "multiling.jsonl")
    here = build_corpus(raws, indexer)
    monkeypatch.setattr(corpus_module, "_work", dies_after_one_run)
    called: list[bool] = []
    forked = build_corpus(raws, indexer, workers=1, meanwhile=lambda: called.append(True))
    assert forked == here
    assert called == [True]


def test_an_error_in_a_worker_is_the_commands_own(
    indexer: TermIndexer, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from bot.brief import corpus as corpus_module

    raws = cluster_articles(EVAL.read_text(encoding="utf-8"), "multiling.jsonl")
    broken = raws[-1].origin

    def prepare_or_fail(raw: RawArticle, indexer: TermIndexer) -> PreparedArticle:
        if raw.origin == broken:
            raise ValueError("a bug in preparing")
        return real_prepare(raw, indexer)

    real_prepare = corpus_module.prepare
    monkeypatch.setattr(corpus_module, "prepare", prepare_or_fail)
    with pytest.raises(ValueError, match="a bug in preparing"):
        build_corpus(raws, indexer, workers=1)
    assert "Traceback" not in capfd.readouterr().err
