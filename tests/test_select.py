"""Selection: budget, MMR redundancy penalty, article diversity, attribution, date order."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.brief.select import SelectionLimits, Strategy, select_points
from bot.models import Article, ArticleDate, SentenceRecord
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

INDEXER = TermIndexer(OfflineTokenizer())
ARTICLES = {
    1: Article(1, "Outlet One", None, None, ArticleDate(dt.date(2022, 9, 13)), "one"),
    2: Article(2, "Outlet Two", None, None, ArticleDate(dt.date(2022, 9, 15)), "two"),
}
SENTENCES = [
    (1, "Gazprom signed a thirty-year deal to send Siberian gas to China through a new pipeline."),
    (1, "The Kremlin said the gas deal with China would be signed by both presidents in Moscow."),
    (2, "Beijing and Moscow staged joint naval drills in the East China Sea on Monday morning."),
    (2, "Gazprom signed a thirty-year deal to send Siberian gas to China, the company said today."),
]
RECORDS = [
    SentenceRecord(n, article, position, text)
    for n, ((article, text), position) in enumerate(zip(SENTENCES, [0, 1, 0, 1], strict=True))
]
TERMS = INDEXER.terms_many([r.text for r in RECORDS])


def texts(scores: list[float], limits: SelectionLimits) -> list[str]:
    return [p.text for p in select_points(RECORDS, TERMS, scores, ARTICLES, limits)]


def test_near_duplicate_is_one_point_crediting_both_articles() -> None:
    points = select_points(RECORDS, TERMS, [0.9, 0.5, 0.4, 0.8], ARTICLES, SelectionLimits(4))
    assert len(points) == 3
    deal = points[0]
    assert deal.text == SENTENCES[0][1]
    assert [r.source for r in deal.sources] == ["Outlet One", "Outlet Two"]


def test_word_budget_takes_the_best_whole_points_that_fit() -> None:
    scores = [0.9, 0.5, 0.4, 0.8]
    # No sentence has 10 words or fewer: nothing, rather than a cut sentence.
    assert texts(scores, SelectionLimits(points=10, words=10)) == []
    assert texts(scores, SelectionLimits(points=10, words=16)) == [SENTENCES[0][1]]
    # The deal (15 words) leaves 16: the Kremlin sentence (16) overlaps the deal and shares its
    # article, so the naval drills (15) are the best remaining point that fits.
    assert texts(scores, SelectionLimits(points=10, words=31)) == [
        SENTENCES[0][1],
        SENTENCES[2][1],
    ]


def test_article_diversity_prefers_another_outlet_on_close_scores() -> None:
    plain = SelectionLimits(2, strategy=Strategy(redundancy_penalty=0.0, article_penalty=0.0))
    diverse = dataclasses.replace(
        plain, strategy=Strategy(redundancy_penalty=0.0, article_penalty=0.5)
    )
    scores = [0.9, 0.6, 0.55, 0.1]
    assert texts(scores, plain) == [SENTENCES[0][1], SENTENCES[1][1]]
    # Points come back in date order: outlet one's lead first, then outlet two's drills.
    assert texts(scores, diverse) == [SENTENCES[0][1], SENTENCES[2][1]]


def test_mmr_penalty_passes_over_a_sentence_sharing_much_with_a_chosen_point() -> None:
    scores = [0.9, 0.6, 0.55, 0.1]
    plain = SelectionLimits(2, strategy=Strategy(redundancy_penalty=0.0, article_penalty=0.0))
    mmr = dataclasses.replace(plain, strategy=Strategy(redundancy_penalty=1.0, article_penalty=0.0))
    assert texts(scores, plain)[1] == SENTENCES[1][1]
    assert texts(scores, mmr)[1] == SENTENCES[2][1]


def test_sentences_the_walk_never_reached_are_not_points() -> None:
    assert texts([0.0, 0.0, 0.7, 0.0], SelectionLimits(4)) == [SENTENCES[2][1]]


def test_an_unverifiable_credit_is_left_out_and_does_not_date_the_point() -> None:
    # A short sentence dated Sep 1 is linked to Fox's Sep 13 lead (all its words are in it,
    # at half its length) but carries only 8 of the lead's 16 content words: no credit, so
    # the point keeps its own date and reads after the Sep 10 point.
    articles = {
        1: Article(1, "Early outlet", None, None, ArticleDate(dt.date(2022, 9, 1)), "e"),
        2: Article(2, "Fox News", None, None, ArticleDate(dt.date(2022, 9, 13)), "f"),
        3: Article(3, "Other outlet", None, None, ArticleDate(dt.date(2022, 9, 10)), "o"),
    }
    sentences = [
        (1, "A top Chinese official said his country will continue its partnership with Russia."),
        (
            2,
            "A top Chinese official said that his country will continue its partnership with "
            "Russia in the hopes of creating a new international order that will rival western "
            "influence.",
        ),
        (3, "Gazprom signed a thirty-year deal to send Siberian gas to China through a pipeline."),
    ]
    records = [SentenceRecord(n, article, 0, text) for n, (article, text) in enumerate(sentences)]
    terms = INDEXER.terms_many([r.text for r in records])
    points = select_points(records, terms, [0.5, 0.9, 0.6], articles, SelectionLimits(2))
    assert [p.text for p in points] == [sentences[2][1], sentences[1][1]]
    assert [r.source for r in points[1].sources] == ["Fox News"]
    assert points[1].rank == 1 and points[0].rank == 2
