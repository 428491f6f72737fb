"""Offline splitting gives stock sumy's sentences and words without NLTK data."""

from __future__ import annotations

import pytest

from bot.split import OfflineTokenizer


def test_abbreviations_do_not_end_sentences() -> None:
    tokenizer = OfflineTokenizer()
    text = "Mr. Xi met Mr. Putin in the U.S. capital. Trade rose 27% to $160 billion, e.g. in oil."
    assert tokenizer.to_sentences(text) == (
        "Mr. Xi met Mr. Putin in the U.S. capital.",
        "Trade rose 27% to $160 billion, e.g. in oil.",
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
