"""Terms are exactly sumy LexRank's: its words, lower-cased, stop words out, stemmed."""

from __future__ import annotations

import pytest
from sumy.models.dom import Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import seed_sentences

TOKENIZER = OfflineTokenizer()


def sumy_terms(sentence: str) -> tuple[str, ...]:
    """What sumy's LexRankSummarizer compares for one sentence (its own ``_to_words_set``)."""
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return tuple(summarizer._to_words_set(Sentence(sentence, TOKENIZER)))


@pytest.mark.parametrize("memo_size", [200_000, 3])  # a tiny memo is cleared all the time
def test_terms_are_sumys_terms(memo_size: int) -> None:
    indexer = TermIndexer(TOKENIZER, memo_size=memo_size)
    sentences = seed_sentences(indexer)
    assert len(sentences) > 80
    assert indexer.terms_many(sentences) == [sumy_terms(s) for s in sentences]
    # Asked again, from the memo.
    assert [indexer.terms(s) for s in sentences] == [sumy_terms(s) for s in sentences]


def test_case_variants_and_stop_words() -> None:
    indexer = TermIndexer(TOKENIZER)
    sentence = "The Talks and THE talks: Russia's RUSSIA russia, Running runs."
    assert indexer.terms(sentence) == sumy_terms(sentence)
    assert indexer.terms(sentence) == ("talk", "talk", "russia", "russia", "russia", "run", "run")
