"""The near-duplicate measure behind one-point-per-statement."""

from __future__ import annotations

import pytest

from bot.dedupe import REDUNDANT, SAME_STATEMENT, OverlapIndex
from bot.index import TermIndexer
from bot.split import OfflineTokenizer
from tests.conftest import seed_sentences

# Real sentence pairs from the seed articles.
SAME = [
    (
        '"The Chinese side is willing to work with the Russian side to continuously implement '
        "high-level strategic cooperation between the two countries, safeguard common interests and "
        'promote the development of the international order in a more just and reasonable direction," '
        "Director of the Office of the Foreign Affairs Commission of the Communist Party of China "
        "Central Committe Yang Jiechi said Monday, according to Bloomberg.",
        "“The Chinese side is willing to work with the Russian side to continuously implement "
        "high-level strategic cooperation between the two countries, safeguard common interests and "
        "promote the development of the international order in a more just and reasonable "
        "direction,” Yang said, according to a Foreign Ministry statement obtained by Bloomberg.",
    ),
    (
        "But the international influence campaign has seemingly brought Russia and China closer "
        "together, with Chinese President Xi Jinping set to meet with Russian President Vladimir "
        "Putin later this week in Xi's first foreign trip since the start of the COVID-19 pandemic.",
        "Later this week, Chinese President Xi Jinping is set to meet with Russian President "
        "Vladimir Putin.",
    ),
]
DIFFERENT = [
    (
        "Later this week, Chinese President Xi Jinping is set to meet with Russian President "
        "Vladimir Putin.",
        "On February 4, Kremlin spokesman Dmitry Peskov said that Xi set a new target of $250 "
        "billion in trade turnover by 2024 at a meeting with Russian President Vladimir Putin, "
        "increasing the previous objective of $200 billion agreed to by both leaders.",
    ),
    (
        "Later this week, Chinese President Xi Jinping is set to meet with Russian President "
        "Vladimir Putin.",
        "China highly appreciates the fact that Russia is not refusing to resolve the Ukrainian "
        "crisis through negotiations, Chinese President Xi Jinping told his Russian counterpart, "
        "Vladimir Putin on Friday.",
    ),
]
# Context sentences, so term weights reflect a story where every sentence names China and Russia.
CONTEXT = [
    "China and Russia have grown closer together in recent years.",
    "Russia and China are also conducting more financial transactions in the ruble and yuan.",
    "China hasn’t directly condemned the Russian invasion of Ukraine.",
    "The Kremlin’s press service didn’t respond to a request for comment on Russia and China.",
]


@pytest.fixture(scope="module")
def indexer() -> TermIndexer:
    return TermIndexer(OfflineTokenizer())


def overlap(indexer: TermIndexer, a: str, b: str) -> float:
    index = OverlapIndex(indexer.terms_many([a, b, *CONTEXT]))
    return index.overlap(0, 1)


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_statement_in_other_words_collapses(indexer: TermIndexer, a: str, b: str) -> None:
    assert overlap(indexer, a, b) >= SAME_STATEMENT


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_shared_names_alone_do_not_collapse(indexer: TermIndexer, a: str, b: str) -> None:
    assert overlap(indexer, a, b) < SAME_STATEMENT


def test_measure_is_symmetric_and_bounded(indexer: TermIndexer) -> None:
    for a, b in SAME + DIFFERENT:
        index = OverlapIndex(indexer.terms_many([a, b, *CONTEXT]))
        assert index.overlap(0, 1) == pytest.approx(index.overlap(1, 0))
        assert 0.0 <= index.overlap(0, 1) <= 1.0
        assert index.overlap(0, 0) == pytest.approx(1.0)
    assert REDUNDANT < SAME_STATEMENT


def test_similar_finds_every_copy(indexer: TermIndexer) -> None:
    quote_a, quote_b = SAME[0]
    index = OverlapIndex(indexer.terms_many([quote_a, *CONTEXT, quote_b, quote_a]))
    assert index.similar(0, SAME_STATEMENT) == [0, 5, 6]


def test_short_sentences_only_match_exactly(indexer: TermIndexer) -> None:
    index = OverlapIndex(indexer.terms_many(["Xi spoke.", "Xi spoke.", "Putin spoke."]))
    assert index.overlap(0, 1) == 1.0
    assert index.overlap(0, 2) == 0.0


def test_similar_equals_a_scan_of_every_sentence(indexer: TermIndexer) -> None:
    sentences = [*seed_sentences(indexer), "Xi spoke.", "Xi spoke.", "spoke Xi", ""]
    index = OverlapIndex(indexer.terms_many(sentences))
    for threshold in (SAME_STATEMENT, 0.51, 0.9):
        for i in range(len(sentences)):
            scan = [j for j in range(len(sentences)) if j == i or index.overlap(i, j) >= threshold]
            assert index.similar(i, threshold) == scan


def test_similar_refuses_thresholds_the_pair_index_cannot_serve(indexer: TermIndexer) -> None:
    index = OverlapIndex(indexer.terms_many(CONTEXT))
    with pytest.raises(ValueError, match=r"above 0\.5"):
        index.similar(0, 0.5)
