"""The search lexemes' shortcuts (joiners replaced one by one, ASCII text read by the stdlib
engine, Snowball's C stemmers) give the plain computation's lexemes (bot/store/lexemes.py)."""

from __future__ import annotations

import importlib
import json

import snowballstemmer
import Stemmer
import stopwordsiso

from bot.settings import PROJECT_DIR
from bot.store import lexemes as module
from bot.store.lexemes import _NLTK, _PYTHON_NAMES, STEMMERS, lexemes, search_text
from bot.text.languages import LANGUAGES

DATA = PROJECT_DIR / "tests" / "data"


def plain_search_text(text: str) -> str:
    joiners = str.maketrans(module.JOINERS, " " * len(module.JOINERS))
    return str(module._UNSPACED.sub(r" \1 ", text.translate(joiners)))


def plain_lexemes(text: str, language: str) -> list[str]:
    """Every word read by the `regex` engine from the plain search text."""
    lexeme = module._lexeme_of(STEMMERS.get(language))
    return [found for found in map(lexeme, module._WORD.findall(plain_search_text(text))) if found]


def texts() -> list[tuple[str, str]]:
    """(language, text): MultiLing 2011 in its seven languages, each also read as English; the
    saved web pages (Chinese, Japanese and Arabic among them) as raw HTML; edge words."""
    found = []
    for path in sorted((DATA / "eval").glob("multiling2011_*.jsonl")):
        language = path.stem.rsplit("_", 1)[1]
        for line in path.read_text(encoding="utf-8").splitlines():
            for doc in json.loads(line)["docs"]:
                found += [(code, doc["text"]) for code in (language, "en")]
    for page in sorted((DATA / "web").glob("*.html")):
        html = page.read_text(encoding="utf-8", errors="replace")
        found += [(code, html) for code in ("en", "ja")]
    edge = "x" * 3000 + " ΣΊΣΥΦΟΣ όταν s 123abc İstanbul ß e-mail a.b@c.d ５０ 中国 Straße"
    found += [(code, edge) for code in ("en", "el", "tr", "de")]
    return found


def test_shortcuts_give_the_plain_lexemes() -> None:
    cases = texts()
    assert len(cases) > 1_400
    for language, text in cases:
        assert search_text(text) == plain_search_text(text)
        assert lexemes(text, language) == plain_lexemes(text, language)


def test_a_word_known_in_one_language_is_worked_out_again_in_another() -> None:
    assert lexemes("sanctioned sanctions", "en") == ["sanction", "sanction"]
    assert lexemes("sanctioned sanctions", "zh") == ["sanctioned", "sanctions"]


def snowball_algorithms() -> dict[str, str]:
    """Every algorithm read through ``snowballstemmer`` (search lexemes and terms) -> the
    ISO code of its language."""
    search = {
        _PYTHON_NAMES.get(name, name): code for code, name in STEMMERS.items() if name not in _NLTK
    }
    terms = {lang.name: lang.code for lang in LANGUAGES.values() if lang.stems == "snowball"}
    return search | terms


def test_the_c_stemmers_stem_as_snowballstemmer_s_own_python() -> None:
    # snowballstemmer hands its work to PyStemmer's C stemmers when PyStemmer is installed (a
    # dependency, for speed: 20x faster per word); both are generated from the same Snowball
    # release, and the lexemes' equality with PostgreSQL's was established on the Python ones.
    # Each algorithm gets its language's dev-set words and stop words, and a 40th of all the
    # dev sets' words (the pure-Python stemmers take ~30 us a word).
    assert snowballstemmer.stemmer is Stemmer.Stemmer, "PyStemmer is not in use"
    vocabulary: dict[str, set[str]] = {}
    for path in sorted((DATA / "eval").glob("multiling2011_*.jsonl")):
        words = vocabulary.setdefault(path.stem.rsplit("_", 1)[1], set())
        for line in path.read_text(encoding="utf-8").splitlines():
            for doc in json.loads(line)["docs"]:
                words.update(w.lower() for w in module._WORD.findall(doc["text"]))
    everything = sorted(set().union(*vocabulary.values()))[::40]
    assert len(everything) > 1_000
    for algorithm, code in sorted(snowball_algorithms().items()):
        words = vocabulary.get(code, set()) | set(everything)
        if stopwordsiso.has_lang(code):
            words |= stopwordsiso.stopwords(code)
        python_module = importlib.import_module(f"snowballstemmer.{algorithm}_stemmer")
        python_class = "".join(part.title() for part in algorithm.split("_")) + "Stemmer"
        python = getattr(python_module, python_class)()
        c = snowballstemmer.stemmer(algorithm)
        differ = [w for w in words if c.stemWord(w) != python.stemWord(w)]
        assert differ == [], (algorithm, differ[:10])
