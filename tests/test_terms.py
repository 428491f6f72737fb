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


def _quotations_one_passage_at_a_time(indexer: TermIndexer, sentence: str) -> tuple[object, ...]:
    """``quotations`` as first written: each quoted passage split into words on its own."""
    from bot.text.terms import _QUOTATION, MIN_QUOTED_WORDS

    quoted = []
    for match in _QUOTATION.finditer(sentence):
        passage = match.group(1) or match.group(2)
        words = indexer.tokenizer.to_words(passage)
        content = [w for w in words if w.lower() not in indexer.stop_words]
        capitalised = sum(w[0].isupper() for w in content)
        if len(words) >= MIN_QUOTED_WORDS and 2 * capitalised < len(content):
            quoted.append(indexer.terms_of_words(words))
    return tuple(quoted)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_quotations_of_many_sentences_are_each_sentences_own(language: str) -> None:
    # The passages of all the sentences are split into words in one batch: the terms of each
    # quotation are those of its passage split alone (MultiLing 2011, every article).
    import json
    from pathlib import Path

    path = Path(__file__).parent / "data" / "eval" / f"multiling2011_{language}.jsonl"
    english = TermIndexer(OfflineTokenizer())
    indexer = english.for_language(language)
    sentences = [
        sentence
        for line in path.read_text("utf-8").splitlines()
        for doc in json.loads(line)["docs"]
        for sentence in indexer.tokenizer.to_sentences(doc["text"].replace("\n", " "))
    ]
    sentences += ['He said "we will not give up on this ever," and left.', "No quotes."]
    batch = indexer.quotations_many(sentences)
    fresh = english.for_language(language) if language != "en" else TermIndexer(OfflineTokenizer())
    alone = [_quotations_one_passage_at_a_time(fresh, s) for s in sentences]
    assert batch == alone
    assert sum(map(len, batch)) >= 20
    assert [indexer.quotations(s) for s in sentences[-2:]] == batch[-2:]
