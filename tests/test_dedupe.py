"""The near-duplicate measure behind one-point-per-statement."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.brief.corpus import Corpus, build_corpus
from bot.brief.dedupe import CARRIES, LEAD_PARAPHRASE, REDUNDANT, SAME_STATEMENT, OverlapIndex
from bot.ingest.inputs import read_inputs
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import SEEDS, seed_sentences

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


# Yang Jiechi's statement as the seeds carry it: the quote, and two outlets' leads on Sep 13.
QUOTE = SAME[0][1]
FOX_LEAD = (
    "A top Chinese official said that his country will continue its partnership with Russia in "
    "the hopes of creating a new international order that will rival western influence."
)
OUTLET_A_LEAD = (
    "A top Chinese official said this week that China is willing to work with Russia to "
    "establish a new world order that will work “in a more just and reasonable direction.”"
)
SEP_13 = dt.date(2022, 9, 13)


def statement_index(
    indexer: TermIndexer, sentences: list[str], leads: dict[int, dt.date] | None = None
) -> OverlapIndex:
    every = [*sentences, *CONTEXT]
    return OverlapIndex(
        indexer.terms_many(every), [indexer.quotations(s) for s in every], leads=leads
    )


def test_a_sentence_quoting_another_reports_its_statement(indexer: TermIndexer) -> None:
    index = statement_index(indexer, [OUTLET_A_LEAD, QUOTE])
    assert index.overlap(0, 1) < REDUNDANT  # in other words, apart from the quoted ones
    assert index.statement(0) == index.statement(1) == [0, 1]


def test_quotations_are_statements_not_catchphrases_or_names(indexer: TermIndexer) -> None:
    assert indexer.quotations(OUTLET_A_LEAD) == (("reason", "direct"),)
    assert indexer.quotations('Putin called the pipeline "historic" and a "new era".') == ()
    assert indexer.quotations('Mella, known as "the King of the Cochayuyo", sells algae.') == ()


def test_words_between_two_straight_quotations_are_no_quotation(indexer: TermIndexer) -> None:
    # The first mark closes a quotation that opened in the sentence before.
    sentence = 'resolved in days," said Blair, adding that it would be "easier for all of us."'
    assert indexer.quotations(sentence) == (("easier",),)


@pytest.fixture(scope="module")
def seeds(indexer: TermIndexer) -> Corpus:
    """The seed articles as a brief reads them: the cosine's idf is the story's."""
    return build_corpus(read_inputs(sorted(SEEDS.glob("*.txt")), max_bytes=2_000_000), indexer)


def test_same_day_leads_in_other_words_report_the_same_news(
    indexer: TermIndexer, seeds: Corpus
) -> None:
    texts = [r.text for r in seeds.records]
    terms = indexer.terms_many(texts)
    quoted = [indexer.quotations(t) for t in texts]
    fox, outlet_a, quote = texts.index(FOX_LEAD), texts.index(OUTLET_A_LEAD), texts.index(QUOTE)
    same_day = {fox: SEP_13, outlet_a: SEP_13}
    index = OverlapIndex(terms, quoted, same_day)
    assert index.overlap(fox, outlet_a) < REDUNDANT
    assert index.cosine(fox, outlet_a) >= LEAD_PARAPHRASE
    # Fox's lead is linked to outlet A's lead directly; the quote only to outlet A's lead,
    # which quotes it: links never chain, so the quote is not in Fox's statement.
    assert outlet_a in index.statement(fox)
    assert quote not in index.statement(fox)
    assert quote in index.statement(outlet_a)
    assert outlet_a not in index.statement(fox, lead_paraphrase=None)
    # Published on different days, or one not a lead, the same two sentences stay apart.
    apart = OverlapIndex(terms, quoted, {fox: SEP_13, outlet_a: dt.date(2022, 9, 15)})
    assert outlet_a not in apart.statement(fox)
    assert outlet_a not in OverlapIndex(terms, quoted, {fox: SEP_13}).statement(fox)


def test_a_short_sentence_inside_a_long_one_is_not_its_statement(indexer: TermIndexer) -> None:
    # MultiLing 2011, story M005 (Chile): two different aftershock measurements. Most of the
    # short sentence's few terms occur in the long one, but it is less than half its length.
    short = "University of Chile Seismologic Service measured the aftershock's magnitude as 6.6."
    long = (
        "The aftershock, as reported by the Servicio Sismológico de la Universidad de Chile "
        "(University of Chile Seismological Service), had a magnitude of 5.8, and occurred at a "
        "depth of 32.6 kilometers (20.3 miles)."
    )
    index = OverlapIndex(indexer.terms_many([short, long, *CONTEXT]))
    assert index.overlap(0, 1) >= SAME_STATEMENT
    assert not index.same_statement(0, 1)
    assert index.statement(0) == [0] and index.statement(1) == [1]


def test_identical_quotations_carried_by_many_outlets_are_matched_once(
    indexer: TermIndexer,
) -> None:
    copies = [QUOTE] * 300 + [OUTLET_A_LEAD]
    index = statement_index(indexer, copies)
    # One distinct quotation per wording, however many sentences carry it.
    assert len(index._quotations) == 2
    lead = len(copies) - 1
    assert set(range(300)) <= index.quote_links(lead)
    # A copy of the quote holds the words the lead quotes, and the words the other copies quote.
    assert index.quote_links(0) == {*range(1, 300), lead}


def test_carriage_names_the_sentence_or_adjacent_pair_that_carries_a_point(
    indexer: TermIndexer, seeds: Corpus
) -> None:
    texts = [r.text for r in seeds.records]
    index = OverlapIndex(indexer.terms_many(texts), [indexer.quotations(t) for t in texts])
    fox = texts.index(FOX_LEAD)
    article_of = {
        a.source: [i for i, r in enumerate(seeds.records) if r.article_id == a.id]
        for a in seeds.articles
    }
    mirror = article_of["Campbell River Mirror"]
    share, carrier = index.carriage(fox, mirror)
    # The Mirror's lead alone carries 11 of its 16 terms: the evidence is that one sentence,
    # not a pair taking in the neighbour too.
    assert share >= CARRIES and carrier == (mirror[0],)
    assert texts[carrier[0]].startswith("A top Chinese official stated that Beijing plans")
    # Outlet A reports the statement in its own words: not the point's words, no credit.
    share, _ = index.carriage(fox, article_of["Unnamed outlet A"])
    assert share < CARRIES
