"""Stage 3, split (terms): sentences as the terms LexRank compares (sumy's stemmer, stop words)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import cached_property
from typing import Protocol

from bot.text import nltk_parts
from bot.text.languages import (
    LANGUAGES,
    Language,
    ScriptTokenizer,
    UnsupportedLanguage,
    language_name,
    stemmer_for,
    stop_words_for,
)

# A passage in double quotation marks, curly or straight. A straight mark opens a quotation only
# after a space or an opening bracket or dash, and closes one only before a space or punctuation:
# a sentence split out of a longer quotation ("... days," said Blair, adding it would be "easier")
# must not read the words between two quotations as one.
_QUOTATION = re.compile(r"“([^”]+)”|(?:^|(?<=[\s(\[—–-]))\"([^\"]+)\"(?=[\s.,;:!?)\]—–-]|$)")
# A shorter quotation ("historic", "no limits") is a catchphrase, not a statement.
MIN_QUOTED_WORDS = 5


class Tokenizer(Protocol):
    """Sentences and words of one language (``OfflineTokenizer``, ``ScriptTokenizer``)."""

    def to_sentences(self, paragraph: str) -> tuple[str, ...]: ...

    def to_words(self, sentence: str) -> tuple[str, ...]: ...

    def to_words_many(self, sentences: Sequence[str]) -> list[tuple[str, ...]]: ...


# Every language with a text pipeline (bot.text.languages); settings may narrow it.
ALL_LANGUAGES = frozenset(LANGUAGES)


class TermIndexer:
    """Turns sentences into sumy's LexRank terms: lower-cased, stop words dropped, stemmed.

    An indexer is one language's (English unless told); ``for_language`` gives the indexer of
    any other language of ``supported``, made once and shared. Terms of a language other than
    the first indexer's carry its code ("fr:guerr"), so no term is shared across languages.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        language: str = "english",
        memo_size: int = 200_000,
        *,
        supported: Collection[str] = ALL_LANGUAGES,
        pipeline: Language | None = None,
    ) -> None:
        """``memo_size`` bounds the words whose terms are remembered (~200 bytes each).

        Without ``pipeline`` the stemmer and stop words are sumy's for ``language`` and terms
        are untagged; with it they come from that row of ``bot.text.languages`` and each term
        carries the language's code.
        """
        self.tokenizer = tokenizer
        self.language = language
        self.pipeline = pipeline
        if pipeline is None:
            self.code = next((c for c, row in LANGUAGES.items() if row.name == language), language)
            self._tag = ""
            self._drop_single_letters = False
        else:
            self.code = pipeline.code
            self._tag = f"{pipeline.code}:"
            # After apostrophes split elisions ("l'armée"), a lone letter is a clitic, not a term.
            self._drop_single_letters = pipeline.segmented
        self.supported = frozenset(supported) | {self.code}
        self._family: dict[str, TermIndexer] = {self.code: self}
        # Each word as written -> its term, None for a stop word: NLTK's Snowball stemmer
        # costs ~20 us a word, and a new article brings few new words.
        self._terms: dict[str, str | None] = {}
        self._memo_size = memo_size

    @cached_property
    def stemmer(self) -> nltk_parts.Stemmer | None:
        """sumy's ``Stemmer(language)`` (or the language row's), loaded when first needed;
        None for a language without one."""
        if self.pipeline is None:
            return nltk_parts.stemmer(self.language)
        return stemmer_for(self.pipeline)

    @cached_property
    def stop_words(self) -> frozenset[str]:
        """sumy's stop words (or the language row's), lower-cased as its LexRank compares them."""
        if self.pipeline is None:
            return frozenset(w.lower() for w in nltk_parts.stop_words(self.language))
        return stop_words_for(self.pipeline)

    def for_language(self, code: str) -> TermIndexer:
        """The indexer of language ``code``; UnsupportedLanguage names one outside ``supported``."""
        known = self._family.get(code)
        if known is not None:
            return known
        if code not in self.supported or code not in LANGUAGES:
            raise UnsupportedLanguage(f"{language_name(code)} ({code})")
        lang = LANGUAGES[code]
        indexer = TermIndexer(
            ScriptTokenizer(lang),
            lang.name,
            self._memo_size,
            supported=self.supported,
            pipeline=lang,
        )
        indexer._family = self._family  # one indexer per language, whichever is asked
        self._family[code] = indexer
        return indexer

    def terms(self, sentence: str) -> tuple[str, ...]:
        """The sentence's terms in order, repeats kept (term frequency matters to LexRank)."""
        return self.terms_of_words(self.tokenizer.to_words(sentence))

    def terms_of_words(self, words: Sequence[str]) -> tuple[str, ...]:
        """The terms of a sentence already split into words (``OfflineTokenizer.to_words``)."""
        memo = self._terms
        out: list[str] = []
        for word in words:
            term = memo.get(word)
            if term is None and word not in memo:
                term = self._learn(word)
            if term is not None:
                out.append(term)
        return tuple(out)

    def _learn(self, word: str) -> str | None:
        if len(self._terms) >= self._memo_size:
            self._terms.clear()  # bounded; a cold start costs only speed
        lowered = word.lower()
        if lowered in self.stop_words or (self._drop_single_letters and len(lowered) == 1):
            term = None
        elif lowered != word and lowered in self._terms:
            term = self._terms[lowered]
        elif self.stemmer is None:
            term = self._tag + lowered
        else:
            term = self._tag + str(self.stemmer(lowered))
        self._terms[word] = term
        return term

    def terms_many(self, sentences: Sequence[str]) -> list[tuple[str, ...]]:
        """Terms of several sentences (their words are tokenized together, which is faster)."""
        return [self.terms_of_words(w) for w in self.tokenizer.to_words_many(sentences)]

    def quotations(self, sentence: str) -> tuple[tuple[str, ...], ...]:
        """The terms of each statement the sentence quotes in double quotation marks.

        Only passages of five words or more whose words other than stop words are mostly in
        lower case: a quoted name or title ("the King of the Cochayuyo") is not a statement.
        """
        return self.quotations_many((sentence,))[0]

    def quotations_many(self, sentences: Sequence[str]) -> list[tuple[tuple[str, ...], ...]]:
        """``quotations`` of each sentence, their quoted passages split into words together
        (``to_words_many``: one batch of new words for the tokenizer, ~20% faster over the
        ~1,200 passages of a 1,000-article brief)."""
        passages = [_passages(s) for s in sentences]
        flat = [p for found in passages for p in found]
        words = iter(self.tokenizer.to_words_many(flat) if flat else ())
        quoted = []
        for found in passages:
            statements = []
            for _ in found:
                passage_words = next(words)
                content = [w for w in passage_words if w.lower() not in self.stop_words]
                capitalised = sum(w[0].isupper() for w in content)
                if len(passage_words) >= MIN_QUOTED_WORDS and 2 * capitalised < len(content):
                    statements.append(self.terms_of_words(passage_words))
            quoted.append(tuple(statements))
        return quoted

    def stop_word_share(self, words: Sequence[str]) -> float:
        """Share of the words that are stop words; English prose sits well above 0.25."""
        if not words:
            return 0.0
        return sum(w.lower() in self.stop_words for w in words) / len(words)


def _passages(sentence: str) -> list[str]:
    """The passages a sentence quotes that may hold ``MIN_QUOTED_WORDS`` words."""
    if '"' not in sentence and "“" not in sentence:
        return []
    found = []
    for match in _QUOTATION.finditer(sentence):
        passage = match.group(1) or match.group(2)
        # Most quoted passages are names and catchphrases: skip tokenizing what cannot have
        # five words (tokenizing only ever adds words at contractions).
        if len(passage.split()) + passage.count("'") + passage.count("’") >= MIN_QUOTED_WORDS:
            found.append(passage)
    return found
