"""Search in every language, on every engine: Chinese and Japanese phrases of any length, each
article's own language's stems, and the same results on SQLite and PostgreSQL for the dev sets'
queries in all seven MultiLing languages (bot/store/lexemes.py)."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.brief.topics import free_text_query, query_words
from bot.ingest.extract import extract_article
from bot.ingest.pipeline import prepare
from bot.models import ArticleDate, CleanArticle, Paragraph, PreparedArticle
from bot.settings import PROJECT_DIR
from bot.store.lexemes import config_name, document_lexemes, lexemes
from bot.store.protocols import Store
from bot.store.records import SearchQuery, content_hash
from bot.store.sqlite.migrations import MIGRATIONS
from bot.store.sqlite.store import SqliteStore
from bot.text.languages import LANGUAGES
from tests.conftest import FIXED_NOW
from tests.store.conftest import TEST_DATABASE_URL, needs_postgres, postgres_schema
from tests.store.support import indexer, seed_articles

WEB = PROJECT_DIR / "tests" / "data" / "web"
EVAL = PROJECT_DIR / "tests" / "data" / "eval"
TEXT = PROJECT_DIR / "tests" / "data" / "text"
DEV_LANGUAGES = ("en", "ar", "cs", "el", "fr", "he", "hi")


@functools.cache
def page(name: str) -> PreparedArticle:
    """A saved real news page, extracted and prepared as ingest does."""
    html = (WEB / name).read_text(encoding="utf-8", errors="replace")
    return prepare(extract_article(html, name).article, indexer())


def text(*phrases: str) -> SearchQuery:
    """The search a user's free text makes: every word required."""
    return free_text_query(" ".join(phrases))


async def found(store: Store, query: SearchQuery) -> set[str | None]:
    return {a.title for a in await store.search(query, 100)}


async def test_chinese_and_japanese_phrases_of_any_length_are_found(store: Store) -> None:
    chinese, japanese = page("chinese_article.html"), page("japanese_article.html")
    assert (chinese.article.language, japanese.article.language) == ("zh", "ja")
    await store.add_articles([chinese, japanese, *seed_articles()[:2]], FIXED_NOW)
    zh, ja = {chinese.article.title}, {japanese.article.title}
    # Leung Chun-ying (three characters), Hong Kong (two), "harbour" (one), an apology.
    assert await found(store, text("梁振英")) == zh
    assert await found(store, text("香港")) == zh
    assert await found(store, text("港")) == zh
    assert await found(store, text("梁振英 道歉")) == zh
    # Characters of the article, but never in this order: not a match.
    assert await found(store, text("英振梁")) == set()
    assert await found(store, text("香港 ナイジェリア")) == set()
    # Nigeria (katakana), suicide attack (two ideographs), Boko Haram in kana (split at the
    # middle dot as every query is) and in Latin letters inside the Japanese text.
    assert await found(store, text("ナイジェリア")) == ja
    assert await found(store, text("自爆攻撃")) == ja
    assert await found(store, text("ボコ・ハラム")) == ja
    assert await found(store, text("Boko Haram")) == ja
    # A topic keyword list in several languages finds the article in each.
    topic = SearchQuery((("Putin",),), True, (text("梁振英"), text("自爆")))
    found_by_topic = await found(store, topic)
    assert zh | ja <= found_by_topic and len(found_by_topic) >= 3


async def test_a_korean_word_is_found_inside_the_word_forms_around_it(store: Store) -> None:
    # Korean attaches particles to words ("이사장에게", to the chairperson): as a run of
    # syllables the word is found in every form it takes.
    lines = (TEXT / "korean_article.txt").read_text(encoding="utf-8").split("\n\n")
    korean = PreparedArticle(
        CleanArticle(
            "ko",
            lines[0],
            "News",
            None,
            ArticleDate.unknown(),
            tuple(Paragraph((line.strip(),)) for line in lines[1:] if line.strip()),
            language="ko",
        ),
        tuple(() for line in lines[1:] if line.strip()),
    )
    await store.add_articles([korean, page("chinese_article.html")], FIXED_NOW)
    assert "이사장에게" in korean.article.body and " 이사장 " not in korean.article.body
    for word in ("이사장", "최태원", "대리인단", "증여"):
        assert await found(store, text(word)) == {lines[0]}, word
    assert await found(store, text("이사장 증여")) == {lines[0]}
    assert await found(store, text("장이사")) == set()


async def test_articles_match_with_their_own_language_stems(store: Store) -> None:
    # Story M001, the London bombings of July 2005, in French and in English.
    french = [a for a in dev_articles("fr") if a.article.origin.startswith("M001/")]
    english = [a for a in dev_articles("en") if a.article.origin.startswith("M001/")]
    await store.add_articles([*french, *english], FIXED_NOW)
    # French stems: "attentat" finds "attentats"; the English article is not French-stemmed.
    plural = await found(store, text("attentats"))
    singular = await found(store, text("attentat"))
    assert plural == singular and plural
    assert all(title in {a.article.title for a in french} for title in plural)
    # "bombings" in English articles, stemmed by Porter, as SQLite always did.
    assert await found(store, text("bombing")) == await found(store, text("bombings")) != set()


async def test_tagging_uses_the_article_language(store: Store) -> None:
    chinese = page("chinese_article.html")
    [added] = await store.add_articles([chinese], FIXED_NOW)
    topics = {"hong-kong": text("香港"), "nigeria": text("ナイジェリア"), "putin": text("Putin")}
    assert await store.ledger.tag(added.article_id, topics) == ("hong-kong",)


async def test_a_store_indexed_before_is_reindexed_on_open(tmp_path: Path) -> None:
    # A store as the release before this index wrote it: FTS5's porter tokenizer, which reads
    # a whole run of ideographs as one word, so "香港" found nothing.
    path = tmp_path / "old.sqlite3"
    chinese = page("chinese_article.html").article
    with contextlib.closing(sqlite3.connect(path)) as db:
        for script in MIGRATIONS[:9]:
            db.executescript(script)
        db.execute(
            "INSERT INTO articles (content_hash, origin, source, title, published, date_precision,"
            " body, ingested_at, language) VALUES ('h', 'o', 'BBC', ?, NULL, 'unknown', ?, ?, 'zh')",
            (chinese.title, chinese.body, FIXED_NOW.isoformat()),
        )
        db.execute("PRAGMA user_version = 9")
        db.commit()
        before = db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH '香港'")
        assert before.fetchall() == []
    store = await SqliteStore.open(path)
    try:
        assert await found(store, text("香港")) == {chinese.title}
        assert await store.integrity_ok()
    finally:
        await store.close()


async def test_an_article_edited_in_place_is_indexed_again(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "edited.sqlite3")
    try:
        [added] = await store.add_articles([page("chinese_article.html")], FIXED_NOW)
        with contextlib.closing(sqlite3.connect(tmp_path / "edited.sqlite3")) as db:
            # What an operator's hand edit runs through: the store's lexemes function.
            db.create_function("briefbot_lexemes", 3, document_lexemes, deterministic=True)
            db.execute(
                "UPDATE articles SET title = '特首道歉', body = '梁振英道歉。' WHERE id = ?",
                (added.article_id,),
            )
            db.commit()
        assert await found(store, text("特首")) == {"特首道歉"}
        assert await found(store, text("香港")) == set()
        assert await store.integrity_ok()
    finally:
        await store.close()


# The dev sets: seven languages, ten stories of ten articles each.


def dev_articles(language: str) -> list[PreparedArticle]:
    """A MultiLing language's articles, one paragraph each (search reads title and body)."""
    lines = (EVAL / f"multiling2011_{language}.jsonl").read_text("utf-8").splitlines()
    return [
        PreparedArticle(
            CleanArticle(
                f"{story['id']}/{doc['docid']}",
                doc["title"],
                "WikiNews",
                None,
                ArticleDate.unknown(),
                (Paragraph((doc["text"],)),),
                language=language,
            ),
            ((),),
        )
        for story in map(json.loads, lines)
        for doc in story["docs"]
    ]


def dev_queries(language: str) -> list[SearchQuery]:
    """What readers type about the dev sets' stories: each story's first three titles as free
    text, each of their first six words alone, and each pair of neighbouring words as a phrase."""
    queries = []
    lines = (EVAL / f"multiling2011_{language}.jsonl").read_text("utf-8").splitlines()
    for story in map(json.loads, lines):
        for doc in story["docs"][:3]:
            title = query_words(doc["title"])
            queries.append(free_text_query(doc["title"]))
            queries += [SearchQuery(((w,),)) for w in title[:6]]
            queries += [SearchQuery((tuple(title[i : i + 2]),)) for i in range(len(title) - 1)]
    return queries


@contextlib.asynccontextmanager
async def both_engines(tmp_path: Path) -> AsyncIterator[tuple[Store, Store]]:
    from bot.store.postgres.store import PostgresStore

    with postgres_schema() as url:
        sqlite = await SqliteStore.open(tmp_path / "parity.sqlite3")
        postgres = await PostgresStore.open(url)
        try:
            yield sqlite, postgres
        finally:
            await sqlite.close()
            await postgres.close()


@needs_postgres
async def test_both_engines_find_the_same_articles_in_every_language(tmp_path: Path) -> None:
    async with both_engines(tmp_path) as (sqlite, postgres):
        for language in DEV_LANGUAGES:
            await sqlite.add_articles(dev_articles(language), FIXED_NOW)
            await postgres.add_articles(dev_articles(language), FIXED_NOW)
        for language in DEV_LANGUAGES:
            queries = dev_queries(language)
            differ = []
            hits = 0
            for query in queries:
                # By title: of two articles with one text (the Hindi set repeats one), each
                # engine keeps the first its batch insert reaches.
                on_sqlite = {a.title for a in await sqlite.search(query, 1000)}
                on_postgres = {a.title for a in await postgres.search(query, 1000)}
                hits += bool(on_sqlite)
                if on_sqlite != on_postgres:
                    differ.append((query, on_sqlite ^ on_postgres))
            assert differ == [], language
            # The queries find articles: the parity is not that of two empty answers.
            assert hits >= 0.9 * len(queries), language


@needs_postgres
async def test_postgres_indexes_the_lexemes_sqlite_indexes(tmp_path: Path) -> None:
    # The index itself: PostgreSQL's tsvector of each dev article against bot.store.lexemes.
    # Two of the 699 articles differ in one word each: NLTK's French stemmer and PostgreSQL's
    # Snowball part on "momentanément" and "Delanoë".
    async with both_engines(tmp_path) as (_, postgres):
        articles = [a for language in DEV_LANGUAGES for a in dev_articles(language)]
        await postgres.add_articles(articles, FIXED_NOW)
        import psycopg

        with psycopg.connect(TEST_DATABASE_URL) as db:
            schema = await _schema_of(postgres)
            rows = db.execute(
                f"SELECT origin, language, title, body, search::text FROM {schema}.articles"
            ).fetchall()
        differing = []
        for origin, language, title, body, vector in rows:
            indexed = _positions(vector)
            ours = {i: lexeme for i, lexeme in enumerate(lexemes(f"{title} {body}", language), 1)}
            if indexed != ours:
                differing.append(origin)
        assert len(rows) == len({content_hash(a.article) for a in articles})
        assert len(differing) <= 2, differing


async def _schema_of(store: Store) -> str:
    from bot.store.postgres.store import PostgresStore

    assert isinstance(store, PostgresStore)
    row = await store._db.fetch_one("SELECT current_schema()")
    assert row is not None
    return str(row[0])


def _positions(vector: str) -> dict[int, str]:
    """Position -> lexeme of a tsvector's text form ('lexeme':1,5 ...)."""
    positions = {}
    for match in re.finditer(r"'((?:[^']|'')*)':([\d,]+)", vector):
        for position in match.group(2).split(","):
            positions[int(position)] = match.group(1).replace("''", "'")
    return positions


@needs_postgres
@pytest.mark.parametrize("backend", ["postgres"])  # PostgreSQL's configurations only
async def test_every_language_has_the_configuration_sqlite_stems_with(store: Store) -> None:
    from bot.store.postgres.store import PostgresStore

    assert isinstance(store, PostgresStore)
    for code in LANGUAGES:
        row = await store._db.fetch_one("SELECT briefbot_search_config(%s)::text", (code,))
        assert row is not None and str(row[0]) == config_name(code), code
    # One character mapping on both sides: the SQL function and bot.store.lexemes.
    sample = "Earthquake/Tsunami cnn.com U.S. covid-19 香港行政长官 ナイジェリア 서울에서 ประเทศไทย"
    row = await store._db.fetch_one(
        "SELECT to_tsvector('briefbot_simple', briefbot_search_text(%s))::text", (sample,)
    )
    assert row is not None
    assert _positions(str(row[0])) == dict(enumerate(lexemes(sample, "ko"), 1))
