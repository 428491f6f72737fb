"""Topic config, and topics and free text as typed search queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.brief.topics import free_text_query, load_topics
from bot.settings import PROJECT_DIR, SettingsError
from bot.store.records import SearchQuery


def test_configured_topics() -> None:
    catalog = load_topics(PROJECT_DIR / "config" / "topics.toml")
    topic = catalog.get("China-Russia ")
    assert topic is not None and topic.query() == SearchQuery((("China",), ("Russia",)), True)
    assert catalog.suggest("china-rusia")[0] == "china-russia"
    assert catalog.suggest("sanction") == ["russia-sanctions"]


def test_free_text_keeps_only_words_so_no_query_syntax_survives() -> None:
    words = ("energy", "OR", "NEAR", "a", "b", "deal")
    assert free_text_query('energy" OR * NEAR(a b) deal') == SearchQuery(tuple((w,) for w in words))


def test_keywords_become_phrases_and_wordless_ones_vanish() -> None:
    query = SearchQuery((("Xi", "Jinping"), ("  ",), ()), match_all=False)
    assert query.phrases == (("Xi", "Jinping"),) and query
    assert not free_text_query("?! --")


@pytest.mark.parametrize(
    "body",
    [
        '[[topic]]\nslug = "Bad Slug"\nkeywords = ["x"]\n',
        '[[topic]]\nslug = "ok"\nkeywords = []\n',
        '[[topic]]\nslug = "ok"\nkeywords = ["x"]\nmatch = "most"\n',
        "[[topic\n",
    ],
)
def test_bad_topic_config_names_the_problem(tmp_path: Path, body: str) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(body)
    with pytest.raises(SettingsError, match=r"topics\.toml"):
        load_topics(path)


def test_complete_offers_matches_then_close_slugs_within_the_limit() -> None:
    catalog = load_topics(PROJECT_DIR / "config" / "topics.toml")
    assert [t.slug for t in catalog.complete("", 25)] == [t.slug for t in catalog.topics]
    assert catalog.complete("russia", 25)[0].slug == "china-russia"
    assert "china-russia" in [t.slug for t in catalog.complete("china-rusia", 25)]
    assert len(catalog.complete("", 1)) == 1
