"""The search lexemes' shortcuts (joiners replaced one by one, ASCII text read by the stdlib
engine) give the plain computation's lexemes (bot/store/lexemes.py)."""

from __future__ import annotations

import json

from bot.settings import PROJECT_DIR
from bot.store import lexemes as module
from bot.store.lexemes import STEMMERS, lexemes, search_text

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
