"""Stage 4b, index: sentences as the terms LexRank compares (sumy's stemmer and stop words)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

from bot.split import OfflineTokenizer

# A passage in double quotation marks, curly or straight.
_QUOTATION = re.compile(r"“([^”]+)”|\"([^\"]+)\"")
# A shorter quotation ("historic", "no limits") is a catchphrase, not a statement.
MIN_QUOTED_WORDS = 5


class TermIndexer:
    """Turns sentences into sumy's LexRank terms: lower-cased, stop words dropped, stemmed."""

    def __init__(self, tokenizer: OfflineTokenizer, language: str = "english") -> None:
        self.tokenizer = tokenizer
        self.stemmer = Stemmer(language)
        self.stop_words = frozenset(w.lower() for w in get_stop_words(language))
        self._stems: dict[str, str] = {}

    def terms(self, sentence: str) -> tuple[str, ...]:
        """The sentence's terms in order, repeats kept (term frequency matters to LexRank)."""
        out: list[str] = []
        for word in self.tokenizer.to_words(sentence):
            lowered = word.lower()
            if lowered in self.stop_words:
                continue
            stem = self._stems.get(lowered)
            if stem is None:
                stem = self._stems.setdefault(lowered, str(self.stemmer(lowered)))
            out.append(stem)
        return tuple(out)

    def terms_many(self, sentences: Sequence[str]) -> list[tuple[str, ...]]:
        """Terms of several sentences."""
        return [self.terms(s) for s in sentences]

    def quotations(self, sentence: str) -> tuple[tuple[str, ...], ...]:
        """The terms of each passage of five words or more the sentence quotes (in double
        quotation marks)."""
        passages = (m.group(1) or m.group(2) for m in _QUOTATION.finditer(sentence))
        return tuple(
            self.terms(p) for p in passages if len(self.tokenizer.to_words(p)) >= MIN_QUOTED_WORDS
        )

    def stop_word_share(self, text: str) -> float:
        """Share of words that are stop words; English prose sits well above 0.25."""
        words = [w.lower() for w in self.tokenizer.to_words(text)]
        if not words:
            return 0.0
        return sum(w in self.stop_words for w in words) / len(words)
