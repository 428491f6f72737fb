"""Rendering core replies for Discord: every limit respected, nothing dropped, splits visible."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from adapters.discord.embeds import LIMITS, DiscordMessage, brief_messages, notice_messages
from bot.chat.commands import Notice
from bot.models import ArticleDate, Brief, DateRange, Point, SourceRef

WORDS = [
    "pipeline",
    "gas",
    "summit",
    "sanctions",
    "ministry",
    "statement",
    "trade",
    "border",
    "talks",
    "energy",
    "yuan",
]


def words(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def ref(i: int, url: str | None = None) -> SourceRef:
    date = ArticleDate(dt.date(2022, 9, 1) + dt.timedelta(days=i))
    return SourceRef(i, f"Outlet number {i} with a long name", None, url, date)


def brief(points: list[Point]) -> Brief:
    first, last = ArticleDate(dt.date(2022, 9, 1)), ArticleDate(dt.date(2022, 12, 30))
    return Brief("test", "A long story", tuple(points), 40, 12, DateRange(first, last))


def embed_dicts(messages: tuple[DiscordMessage, ...]) -> list[list[dict[str, Any]]]:
    """What discord.py would send for each message's embeds."""
    return [[e.to_dict() for e in m.embeds] for m in messages]


def size(embed: dict[str, Any]) -> int:
    """Discord's count: title, description, field names and values, footer and author text."""
    fields = sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return (
        len(embed.get("title", ""))
        + len(embed.get("description", ""))
        + fields
        + len(embed.get("footer", {}).get("text", ""))
        + len(embed.get("author", {}).get("name", ""))
    )


def assert_within_limits(messages: tuple[DiscordMessage, ...]) -> None:
    for embeds in embed_dicts(messages):
        assert 1 <= len(embeds) <= LIMITS.embeds_per_message
        assert sum(size(e) for e in embeds) <= LIMITS.embed_total
        for embed in embeds:
            assert len(embed["title"]) <= LIMITS.title
            assert len(embed["description"]) <= LIMITS.description
            assert len(embed["footer"]["text"]) <= LIMITS.footer
            assert len(embed.get("fields", [])) <= 25


def all_description_text(messages: tuple[DiscordMessage, ...]) -> str:
    text = " ".join(e["description"] for embeds in embed_dicts(messages) for e in embeds)
    return " ".join(text.split())


def test_long_brief_splits_into_parts_and_messages_within_every_limit() -> None:
    points = [
        Point(words(150, seed=n), tuple(ref(i, f"https://example.org/{i}") for i in range(8)), 1.0)
        for n in range(10)
    ]
    messages = brief_messages(brief(points))
    assert_within_limits(messages)
    assert len(messages) >= 2
    embeds = [e for m in embed_dicts(messages) for e in m]
    parts = len(embeds)
    assert [e["title"] for e in embeds] == [
        f"A long story · part {k}/{parts}" for k in range(1, parts + 1)
    ]
    assert all(e["footer"]["text"].startswith("40 articles from 12 sources") for e in embeds)
    text = all_description_text(messages)
    for n, point in enumerate(points, 1):
        assert f"**{n}.** {point.text}" in text
    assert (
        text.count("[Outlet number 7 with a long name, Sep 8, 2022](https://example.org/7)") == 10
    )


def test_one_point_longer_than_a_description_continues_in_the_next_embed() -> None:
    point = Point(words(1500, seed=1), (ref(1),), 1.0)
    messages = brief_messages(brief([point]))
    assert_within_limits(messages)
    embeds = [e for m in embed_dicts(messages) for e in m]
    assert len(embeds) >= 2
    assert point.text in all_description_text(messages)


def test_short_brief_is_one_embed_without_part_numbers() -> None:
    (message,) = brief_messages(brief([Point("China and Russia met.", (ref(1),), 1.0)]))
    (embed,) = embed_dicts((message,))[0]
    assert embed["title"] == "A long story"
    assert (
        embed["description"]
        == "**1.** China and Russia met.\n— Outlet number 1 with a long name, Sep 2, 2022"
    )
    assert (
        embed["footer"]["text"]
        == "40 articles from 12 sources · Sep 1, 2022 – Dec 30, 2022 · 1 point"
    )


def test_markdown_and_odd_urls_cannot_break_the_layout() -> None:
    point = Point(
        "A *starred* claim with `code` and _under_ words.", (ref(1, "https://x.org/a_(b) c"),), 1.0
    )
    (message,) = brief_messages(brief([point]))
    description = message.embeds[0].description or ""
    assert r"A \*starred\* claim with \`code\` and \_under\_ words." in description
    assert "(https://x.org/a_%28b%29%20c)" in description


def test_non_http_urls_are_not_linked() -> None:
    point = Point("A claim.", (ref(1, "javascript:alert(1)"),), 1.0)
    (message,) = brief_messages(brief([point]))
    assert "javascript" not in (message.embeds[0].description or "")


def test_long_notice_splits_over_messages_keeping_every_line() -> None:
    lines = tuple(f"topic-{n}: {words(12, seed=n)}" for n in range(200))
    messages = notice_messages(Notice("Topics you can brief:", lines))
    assert len(messages) >= 2
    assert all(m.content is not None and len(m.content) <= LIMITS.content for m in messages)
    text = "\n".join(m.content or "" for m in messages)
    assert all(line in text for line in lines)
    assert messages[0].content is not None and messages[0].content.startswith("**Topics")


def test_error_notice_is_marked() -> None:
    (message,) = notice_messages(Notice("Unknown topic 'x'.", ("Did you mean: y?",), is_error=True))
    assert message.content == "⚠️ **Unknown topic 'x'.**\nDid you mean: y?"
