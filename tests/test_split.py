"""Offline splitting gives stock sumy's sentences and words without NLTK data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.ingest.extract import extract_article
from bot.ingest.load import article_files, load_file
from bot.text.clean import clean_lines
from bot.text.split import OfflineTokenizer


def test_abbreviations_do_not_end_sentences() -> None:
    tokenizer = OfflineTokenizer()
    text = "Mr. Xi met Mr. Putin in the U.S. capital. Trade rose 27% to $160 billion, e.g. in oil."
    assert tokenizer.to_sentences(text) == (
        "Mr. Xi met Mr. Putin in the U.S. capital.",
        "Trade rose 27% to $160 billion, e.g. in oil.",
    )


def test_a_rank_before_a_name_does_not_end_the_sentence() -> None:
    # MultiLing 2011 (WikiNews, CC BY): the split after "Spc." made "Charles Graner guilty of
    # abusing prisoners at Iraq's Abu Ghraib prison." a point of its own.
    tokenizer = OfflineTokenizer()
    text = (
        "A United States Army court martial found Army Spc. Charles Graner guilty of abusing "
        "prisoners. Staff Sgt. Ivan Frederick was sentenced earlier. He left the Army as a sgt. "
        "The appeal failed."
    )
    assert tokenizer.to_sentences(text) == (
        "A United States Army court martial found Army Spc. Charles Graner guilty of abusing "
        "prisoners.",
        "Staff Sgt. Ivan Frederick was sentenced earlier.",
        "He left the Army as a sgt.",
        "The appeal failed.",
    )


def test_quotes_stay_with_their_sentence() -> None:
    tokenizer = OfflineTokenizer()
    text = '"Facts have proved it," Xi told Putin. The call lasted an hour.'
    assert tokenizer.to_sentences(text) == (
        '"Facts have proved it," Xi told Putin.',
        "The call lasted an hour.",
    )


def test_words_follow_sumys_word_rule() -> None:
    words = OfflineTokenizer().to_words("China's Xi said: don't cut the $55 billion pipeline.")
    assert words == ("China", "Xi", "said", "do", "n't", "cut", "the", "billion", "pipeline")


def test_tokenizer_needs_no_nltk_data(monkeypatch: pytest.MonkeyPatch) -> None:
    import nltk

    # With no NLTK data path at all, splitting must still work: nothing is loaded from disk.
    monkeypatch.setattr(nltk.data, "path", [])
    assert OfflineTokenizer().to_sentences("One. Two.") == ("One.", "Two.")


# The fast word path (chunks tokenized once, Punkt skipped without a candidate boundary) must
# give exactly what the plain path gives: Punkt, NLTK's tokenizer, sumy's word filter.

DATA = Path(__file__).parent / "data"
SEEDS = Path(__file__).parents[1] / "seeds"


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    """Every real text at hand, whole, line by line and sentence by sentence, as ingest sees it."""
    tokenizer = OfflineTokenizer()
    bodies = [load_file(p, 2_000_000, {}).text for p in article_files([SEEDS])]
    for line in (DATA / "eval" / "multiling2011_en.jsonl").read_text("utf-8").splitlines():
        bodies.extend(doc["text"] for doc in json.loads(line)["docs"])
    for page in sorted((DATA / "web").glob("*.html")):
        bodies.append(extract_article(page.read_bytes(), page.name).article.text)
    texts = []
    for body in bodies:
        texts.append(body)
        for line in clean_lines(body).lines:
            texts.append(line)
            texts.extend(tokenizer.to_sentences(line))
    return texts


def test_fast_words_equal_nltk_words_on_all_real_text(real_texts: list[str]) -> None:
    tokenizer = OfflineTokenizer()
    assert len(real_texts) > 2500
    for text in real_texts:
        assert tokenizer.to_words(text) == tokenizer.reference_words(text), text


def test_fast_words_survive_a_cleared_memo(real_texts: list[str]) -> None:
    tokenizer = OfflineTokenizer(memo_size=3)
    for text in real_texts[:150]:
        assert tokenizer.to_words(text) == tokenizer.reference_words(text), text


# Pieces that exercise NLTK's position rules: quotes at either end, final periods before closing
# quotes and brackets, contractions, commas before digits, dashes, ellipses, odd whitespace.
_PIECES = (
    *("Putin", "said", "U.S.", "Mr.", "e.g.", "York.", "it's", "dogs'", "can", "not", "cannot"),
    *("gonna", "wanna", "'tis", "'t", "is", "don't", "n't", "'s", "''", "``", "well-known"),
    *("3,5", "3.5", "$5", "a", "an", "(", ")", "[", "]", "{", "}", "<", ">", '"', "'", "«", "»"),
    *("“", "”", "‘", "’", "„", ".", "..", "...", "…", ",", ":", ";", "?", "!", "-", "--", "–"),
    *("—", "*", "@", "#", "%", "&", "Zoë", "Москва", "北京", "1990s", "_x", "x_"),
)


@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(_PIECES), min_size=1, max_size=3).map("".join),
            st.sampled_from((*(" ",) * 6, "", "  ", "\n", "\t", "\u00a0")),
        ),
        max_size=12,
    ).map(lambda pairs: "".join(piece + gap for piece, gap in pairs))
)
@hsettings(max_examples=300, deadline=None)
def test_fast_words_equal_nltk_words_on_generated_text(text: str) -> None:
    assert TOKENIZER.to_words(text) == TOKENIZER.reference_words(text)


TOKENIZER = OfflineTokenizer()  # one memo across examples, as in a running bot


# The fast sentence path (Punkt's steps in place, its annotation passes on each candidate's
# context) must give exactly what Punkt's own tokenize gives.


def test_fast_sentences_equal_punkt_sentences_on_all_real_text(real_texts: list[str]) -> None:
    tokenizer = OfflineTokenizer()
    for text in real_texts:
        assert tokenizer.to_sentences(text) == tokenizer.reference_sentences(text), text


# Pieces that exercise Punkt's decisions and spans: abbreviations, initials, numbers, known
# collocations and sentence starters, ellipses, runs of "!?", closing quotes and brackets to
# realign, and words in either case.
_SENTENCE_PIECES = (
    *("Putin", "said", "the", "The", "However", "he", "He", "Mr.", "U.S.", "e.g.", "al."),
    *("Dr.", "Co.", "Jan.", "J.", "b.", "3.", "1990.", "5", "No.", "Notable", "Stewart", "x"),
    *(".", "..", "...", ". . .", "!", "?", "?!", "!!!", ",", ";", ":", "-", "--", "…"),
    *('"', "'", ")", "(", "]", "}", "”", "’", "“", "«", "»", '."', ".)", ".”", '.")', "?'"),
    *("Zoë", "Москва", "北京", "_x", "é."),
)


def _paragraphs(pieces: tuple[str, ...], gaps: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.lists(
        st.tuples(
            st.lists(st.sampled_from(pieces), min_size=1, max_size=3).map("".join),
            st.sampled_from(gaps),
        ),
        max_size=14,
    ).map(lambda pairs: "".join(piece + gap for piece, gap in pairs))


_GAPS = (*(" ",) * 8, "", "  ", "\u00a0", "\u2028", "\x85", "\x1f")


@given(_paragraphs(_SENTENCE_PIECES, (*_GAPS, "\n", "\t")))
@hsettings(max_examples=300, deadline=None)
def test_fast_sentences_equal_punkt_sentences_on_generated_text(text: str) -> None:
    assert TOKENIZER.to_sentences(text) == TOKENIZER.reference_sentences(text)


# Only text without ellipses, tabs or line breaks takes the fast path (the rest goes to Punkt
# itself), so such text is generated on its own too.
@given(_paragraphs(tuple(p for p in _SENTENCE_PIECES if ". ." not in p and ".." not in p), _GAPS))
@hsettings(max_examples=500, deadline=None)
def test_fast_sentences_equal_punkt_sentences_on_generated_prose(text: str) -> None:
    assert TOKENIZER.to_sentences(text) == TOKENIZER.reference_sentences(text)
    assert TOKENIZER.to_sentences(" " + text) == TOKENIZER.reference_sentences(" " + text)


def test_an_initialism_opening_a_name_does_not_end_the_sentence() -> None:
    # MultiLing 2011 (WikiNews, CC BY): Punkt ended the sentence at "U.N." because its model
    # knows "climate" only in lower case, and "... may have to wait until after the U.N." was a
    # point of its own. A capitalised word the model has seen opening sentences, or a lower-case
    # word after it, keeps the break.
    tokenizer = OfflineTokenizer()
    text = (
        "The United Nations secretary-general, Ban Ki-moon says setting greenhouse-gas emission "
        "targets may have to wait until after the U.N. Climate Change Conference being held in "
        "Bali. She moved to the U.S. Climate change was not her field. He flew back to the U.S. "
        "The New York Times reported it."
    )
    expected = (
        "The United Nations secretary-general, Ban Ki-moon says setting greenhouse-gas emission "
        "targets may have to wait until after the U.N. Climate Change Conference being held in "
        "Bali.",
        "She moved to the U.S.",
        "Climate change was not her field.",
        "He flew back to the U.S.",
        "The New York Times reported it.",
    )
    assert tokenizer.to_sentences(text) == expected
    assert tokenizer.reference_sentences(text) == expected
