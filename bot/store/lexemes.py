"""What full-text search matches, in every language and on both engines: lexemes.

A document (an article's title and body) and a query phrase are read the same way:

1. ``search_text``: the punctuation that PostgreSQL's parser would read as part of a file path,
   host, e-mail, URL, number or hyphenated word becomes a space (so "Earthquake/Tsunami" is two
   words, as SQLite's tokenizer always read it); every ideograph, kana, Hangul syllable and Thai
   letter (with its marks) stands alone, because those scripts are written without spaces
   between words: a phrase of characters in order then finds any run of them, of any length,
   one character included ("中国" is the phrase 中 国).
2. Words are runs of letters, combining marks and digits; each is lower-cased, and stemmed by
   the Snowball stemmer of the article's language where PostgreSQL ships one (``STEMMERS``),
   unless it holds an ASCII digit. Stop words are kept, so a phrase means its words in order.

PostgreSQL does this itself: migration 3 defines ``briefbot_search_text`` (step 1, in SQL) and
one text search configuration per stemmer (step 2), and the generated ``search`` column uses
the article's language's configuration. SQLite indexes the lexemes this module computes (its
FTS5 table is fed by a trigger calling ``document_lexemes``, or the same lexemes worked out
ahead by an ingest's worker processes: ``GivenLexemes``). A query runs against each language
the store holds, with that language's stems, so "sanctions" finds "sanctionné" in French
articles and "sanctioned" in English ones. tests/store/test_search_parity.py checks that both
engines find the same articles for the dev sets' queries in every language.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable

import regex
import snowballstemmer

from bot.models import PreparedArticle

# Snowball stemmer of each language, where PostgreSQL 15 ships one (its ``*_stem``
# dictionaries); other languages are matched by lower-cased words. English uses the original
# Porter algorithm, as SQLite's FTS5 ``porter`` tokenizer always did.
STEMMERS: dict[str, str] = {
    "en": "porter",
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hi": "hindi",
    "id": "indonesian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
# snowballstemmer 3 renamed the Dutch algorithm PostgreSQL 15 ships, and replaced it.
_PYTHON_NAMES = {"dutch": "dutch_porter"}
# Snowball 3 also changed French ("mauvais", "palais" are no longer stemmed) and a few German,
# Finnish and Swedish endings; NLTK's ports stem those languages as PostgreSQL 15 does
# (measured on stop-word lists and the dev sets against ts_lexize).
_NLTK = {"french", "german", "finnish", "swedish"}

# Characters PostgreSQL's parser joins words with into paths, hosts, URLs, e-mail addresses,
# numbers and hyphenated words. A plain mapping, not a character class: classes would depend
# on the server's locale.
JOINERS = "/\\.@:-_+<>&"
# Scripts written without spaces between words: ideographs, kana, Hangul syllables, and Thai
# letters with their vowel and tone marks. The same ranges as ``briefbot_search_text``.
UNSPACED = (
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
    r"|[\u0e01-\u0e30\u0e32\u0e33\u0e3f-\u0e46\u0e4f-\u0e5b][\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]*"
)
_UNSPACED = regex.compile(f"({UNSPACED})")
# A word as PostgreSQL's parser reads one in a UTF-8 database: letters, marks and digits.
_WORD = regex.compile(r"[\p{L}\p{M}\p{Nd}]+")
# The same on ASCII text (its only letters and digits), on the faster stdlib engine.
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_ASCII_DIGIT = regex.compile(r"[0-9]")
# PostgreSQL skips words longer than this (in UTF-8 bytes), and does not stem words over 1000.
_LONGEST_WORD = 2047
_LONGEST_STEMMED = 1000


def search_text(text: str) -> str:
    """Step 1: joining punctuation as spaces, and unspaced scripts one character apart."""
    joined = text
    for joiner in JOINERS:  # each a plain search, 20x faster than str.translate's dict
        joined = joined.replace(joiner, " ")
    if joined.isascii():  # no unspaced script in it
        return joined
    return str(_UNSPACED.sub(r" \1 ", joined))


def lexemes(text: str, language: str) -> list[str]:
    """The lexemes of ``text`` in order, as articles in ``language`` are indexed."""
    lexeme = _lexeme_of(STEMMERS.get(language))
    searchable = search_text(text)
    words = (_ASCII_WORD if searchable.isascii() else _WORD).findall(searchable)
    return [found for found in map(lexeme, words) if found]


def document_lexemes(language: str | None, title: str | None, body: str | None) -> str:
    """An article's lexemes, one space apart, as SQLite's full-text index holds them."""
    return " ".join(lexemes(f"{title or ''} {body or ''}", language or "en"))


class GivenLexemes:
    """``document_lexemes`` as SQLite's full-text triggers call it (``briefbot_lexemes``),
    answered from the lexemes an article came with (worked out ahead by an ingest's worker
    processes) for exactly its language, title and body, and computed here otherwise."""

    def __init__(self) -> None:
        self._given: dict[tuple[str | None, str | None, str | None], str] = {}

    def give(self, items: Iterable[PreparedArticle]) -> None:
        """The lexemes of the articles about to be stored, in place of the last ones given
        (a value given is always right for its text: keeping one longer costs only memory)."""
        self._given = {
            (item.article.language, item.article.title, item.article.body): item.search_lexemes
            for item in items
            if item.search_lexemes is not None
        }

    def __call__(self, language: str | None, title: str | None, body: str | None) -> str:
        found = self._given.get((language, title, body))
        return document_lexemes(language, title, body) if found is None else found


def config_name(language: str) -> str:
    """The PostgreSQL text search configuration of articles in ``language``."""
    stemmer = STEMMERS.get(language)
    if stemmer is None:
        return "briefbot_simple"
    return "briefbot" if language == "en" else f"briefbot_{stemmer}"


@functools.cache
def _lexeme_of(stemmer: str | None) -> Callable[[str], str]:
    stem = _stemmer(stemmer)

    # News repeats its words: most are read once per process.
    @functools.lru_cache(maxsize=200_000)
    def lexeme(word: str) -> str:
        size = len(word.encode())
        if size > _LONGEST_WORD:
            return ""
        word = _lower(word)
        if size > _LONGEST_STEMMED or _ASCII_DIGIT.search(word):
            return word
        # A word the stemmer reduces to nothing ("s", Greek "όταν") stays as it is.
        return stem(word) or word

    return lexeme


def _lower(word: str) -> str:
    # One character at a time, as PostgreSQL lower-cases (no final sigma, no expansions).
    return "".join(c.lower()[0] for c in word) if not word.islower() else word


def _stemmer(name: str | None) -> Callable[[str], str]:
    if name is None:
        return _unchanged
    if name in _NLTK:
        # NLTK's Snowball module alone: ``import nltk`` would cost a second and a half.
        from bot.text import nltk_parts

        return nltk_parts.stemmer(name)
    stemmer = snowballstemmer.stemmer(_PYTHON_NAMES.get(name, name))
    # A Snowball stemmer keeps its work in the object: one word at a time (SQLite's writer
    # thread indexes while the event loop reads queries).
    lock = threading.Lock()

    def stem(word: str) -> str:
        with lock:
            return str(stemmer.stemWord(word))

    return stem


def _unchanged(word: str) -> str:
    return word
