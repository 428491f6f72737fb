"""One story covered in English and French: one brief, each point in its language and tagged.

The English and French versions of MultiLing 2011 story M001 (the July 2005 London bombings,
ten WikiNews articles each) are stored together; the topic lists its keywords in both
languages. The channel settings limit one Slack channel to English.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.discord.embeds import brief_messages
from adapters.slack.blocks import brief_message
from bot.app import App
from bot.brief.render import render_json, render_markdown, render_text
from bot.chat.commands import BriefCommand, BriefReply, Notice, UserError, parse_command
from bot.ingest.inputs import cluster_articles
from bot.ingest.pipeline import prepare
from bot.models import Brief, Conversation
from bot.settings import PROJECT_DIR, LanguageSettings, Settings, load_settings
from tests.conftest import FIXED_NOW, fixed_clock

EVAL = PROJECT_DIR / "tests" / "data" / "eval"
STORY = "M001"
TOPICS = """
[[topic]]
slug = "london-bombings"
title = "London bombings"
keywords = ["London", "bombings"]
match = "all"

[topic.keywords_in]
fr = ["Londres", "attentats"]
"""
ENGLISH_CHANNEL = Conversation("slack", "C-EN", "U1")
ANY_CHANNEL = Conversation("slack", "C-ALL", "U1")


def story_line(language: str) -> str:
    path = EVAL / f"multiling2011_{language}.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if json.loads(line)["id"] == STORY)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(PROJECT_DIR / "config" / "settings.toml", config / "settings.toml")
    (config / "topics.toml").write_text(TOPICS, encoding="utf-8")
    loaded = load_settings({}, config)
    languages = dataclasses.replace(
        loaded.languages, channels={f"slack:{ENGLISH_CHANNEL.channel_id}": frozenset({"en"})}
    )
    return dataclasses.replace(
        loaded,
        store_path=tmp_path / "briefbot.sqlite3",
        seed_on_first_run=False,
        languages=languages,
    )


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[App]:
    bot = await App.start(settings, clock=fixed_clock)
    try:
        for language in ("en", "fr"):
            raws = cluster_articles(story_line(language), f"multiling-{language}", STORY)
            prepared = [prepare(raw, bot.indexer) for raw in raws]
            assert {p.article.language for p in prepared} == {language}
            await bot.store.add_articles(prepared, FIXED_NOW)
        yield bot
    finally:
        await bot.close()


async def brief_for(bot: App, text: str, conversation: Conversation) -> Brief:
    reply = await bot.dispatcher.handle(text, conversation)
    assert isinstance(reply, BriefReply), reply
    return reply.brief


async def test_one_brief_holds_points_in_both_languages_each_tagged(bot: App) -> None:
    brief = await brief_for(bot, "london-bombings --sentences 6", ANY_CHANNEL)
    assert brief.article_count == 20
    assert set(brief.languages) == {"en", "fr"}
    assert brief.tagged
    french = [p for p in brief.points if p.language == "fr"]
    english = [p for p in brief.points if p.language == "en"]
    assert french and english and len(brief.points) == 6
    # Each point is credited to articles in its own language only.
    articles = {a.id: a for a in await bot.store.articles(100)}
    for point in brief.points:
        assert {articles[s.article_id].language for s in point.sources} == {point.language}
    # Points of both languages, merged in the order their statements first appeared.
    firsts = [min(s.date.value for s in p.sources if s.date.value) for p in brief.points]
    assert firsts == sorted(firsts)

    text = render_text(brief)
    markdown = render_markdown(brief)
    data = json.loads(render_json(brief))
    slack = json.dumps(brief_message(brief).blocks_json(), ensure_ascii=False)
    discord = "\n".join(
        embed.description or "" for message in brief_messages(brief) for embed in message.embeds
    )
    assert "in English, French" in text.splitlines()[1] or "in French, English" in text
    assert [p["language"] for p in data["points"]] == [p.language for p in brief.points]
    assert set(data["languages"]) == {"en", "fr"}
    for n, point in enumerate(brief.points, start=1):
        tag = f"[{point.language}]"
        first_words = " ".join(point.text.split()[:3])
        assert f"{n}. {tag} {first_words}" in " ".join(text.split())
        assert f"{n}. \\[{point.language}\\] " in markdown
        assert f"*{n}.* {tag} " in slack
        assert tag in discord and first_words.split()[0] in discord


async def test_a_channel_limited_to_english_gets_only_english_points(bot: App) -> None:
    brief = await brief_for(bot, "london-bombings", ENGLISH_CHANNEL)
    assert brief.points and {p.language for p in brief.points} == {"en"}
    assert brief.article_count == 10
    # An all-English brief renders as it always did: no tags, no language line.
    assert not brief.tagged
    assert "[en]" not in render_text(brief) and " · in " not in render_text(brief)


async def test_lang_flag_chooses_the_languages_of_one_brief(bot: App) -> None:
    french = await brief_for(bot, "london-bombings --lang fr --sentences 3", ENGLISH_CHANNEL)
    assert {p.language for p in french.points} == {"fr"}
    assert render_text(french).splitlines()[3].startswith("1. [fr] ")
    both = await brief_for(bot, "london-bombings --lang en,fr", ENGLISH_CHANNEL)
    assert set(both.languages) == {"en", "fr"}


async def test_free_text_finds_articles_in_either_language(bot: App) -> None:
    brief = await brief_for(bot, "Londres attentats", ANY_CHANNEL)
    assert {p.language for p in brief.points} == {"fr"}


async def test_language_mistakes_are_explained(bot: App) -> None:
    reply = await bot.dispatcher.handle("london-bombings --lang klingon", ANY_CHANNEL)
    assert isinstance(reply, Notice) and reply.is_error
    assert "klingon" in reply.title
    reply = await bot.dispatcher.handle("london-bombings --lang de", ANY_CHANNEL)
    assert isinstance(reply, Notice) and "No articles in German" in reply.title


def test_lang_flag_is_parsed_into_language_codes() -> None:
    command = parse_command("london-bombings --lang English,fr -n 3", 10)
    assert command == BriefCommand("london-bombings", 3, languages=frozenset({"en", "fr"}))
    with pytest.raises(UserError, match="--lang"):
        parse_command("london-bombings --lang", 10)


def test_channel_languages_fall_back_to_the_default() -> None:
    languages = LanguageSettings(brief=frozenset({"fr"}), channels={"slack:C1": frozenset({"en"})})
    assert languages.for_channel("slack", "C1") == {"en"}
    assert languages.for_channel("discord", "C1") == {"fr"}


# A word most articles of story M001 carry, in each MultiLing language.
STORY_WORDS = {
    "en": "London",
    "ar": "تفجيرات",
    "cs": "policie",
    "el": "Λονδίνο",
    "fr": "Londres",
    "he": "בלונדון",
    "hi": "विस्फोट",
}


async def test_every_multiling_language_is_stored_searched_and_briefed(settings: Settings) -> None:
    app = await App.start(settings, clock=fixed_clock)
    try:
        texts: dict[str, set[str]] = {}
        for language in STORY_WORDS:
            raws = cluster_articles(story_line(language), f"multiling-{language}", STORY)
            prepared = [prepare(raw, app.indexer) for raw in raws]
            assert {p.article.language for p in prepared} == {language}
            texts[language] = {s for p in prepared for s in p.article.sentences}
            await app.store.add_articles(prepared, FIXED_NOW)
        for language, word in STORY_WORDS.items():
            brief = await app.briefer.brief(word, 4, frozenset({language}))
            assert brief.points, language
            for point in brief.points:
                # Whole stored sentences of that language's articles, never cut or mixed.
                assert point.language == language and point.text in texts[language]
        everything = await app.briefer.brief("london-bombings", 10)
        assert set(everything.languages) == {"en", "fr"}  # the topic's keyword languages
    finally:
        await app.close()


@pytest.mark.parametrize("language", sorted(STORY_WORDS))
def test_summarize_works_in_every_multiling_language(language: str) -> None:
    from bot.brief.corpus import build_corpus
    from bot.brief.select import SelectionLimits
    from bot.brief.summarize import summarize
    from bot.text.split import OfflineTokenizer
    from bot.text.terms import TermIndexer

    indexer = TermIndexer(OfflineTokenizer())
    raws = cluster_articles(story_line(language), f"multiling-{language}", STORY)
    corpus = build_corpus(raws, indexer)
    assert not corpus.rejected and len(corpus.articles) == 10
    brief = summarize(corpus, indexer, SelectionLimits(points=len(corpus.records), words=250))
    stored = {r.text for r in corpus.records}
    assert 150 <= sum(len(p.text.split()) for p in brief.points) <= 250
    assert all(p.language == language and p.text in stored for p in brief.points)
