"""Block Kit rendering: escaping, links, and Slack's size limits met visibly."""

from __future__ import annotations

import datetime as dt

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, SectionBlock

from adapters.slack.blocks import (
    MAX_BLOCKS,
    MAX_TEXT_CHARS,
    brief_message,
    escape,
    notice_message,
    source_link,
)
from bot.chat.commands import Notice
from bot.models import ArticleDate, Brief, DateRange, Point, SourceRef

DAY = ArticleDate(dt.date(2022, 9, 13))


def ref(n: int, source: str = "Wire", url: str | None = None) -> SourceRef:
    return SourceRef(article_id=n, source=source, title=None, url=url, date=DAY)


def brief(*points: Point, title: str = "China–Russia relations") -> Brief:
    return Brief(
        topic="china-russia",
        title=title,
        points=points,
        article_count=7,
        source_count=3,
        date_range=DateRange(DAY, DAY),
    )


def all_text(blocks: list[dict[str, object]]) -> str:
    return repr(blocks)


def test_article_text_cannot_ping_or_link() -> None:
    hostile = "Attention <!channel> & <!here|here>, ask <@U123> or see <https://evil.example|bank>."
    message = brief_message(brief(Point(hostile, (ref(1, source="<!everyone>"),), 1.0)))
    blocks = message.blocks_json()
    section = blocks[1]
    assert section["text"] == {
        "type": "mrkdwn",
        "text": "*1.* Attention &lt;!channel&gt; &amp; &lt;!here|here&gt;, ask &lt;@U123&gt;"
        " or see &lt;https://evil.example|bank&gt;.",
        "verbatim": True,  # no auto-linking of @here, #channel or bare URLs either
    }
    assert "<!" not in all_text(blocks) and "<@" not in all_text(blocks)
    assert "<!" not in message.text and "&lt;!channel&gt;" in message.text


def test_sources_link_where_a_url_is_known() -> None:
    assert source_link(ref(1, "Fox News", "https://example.com/a?b=1&c=2")) == (
        "<https://example.com/a?b=1&amp;c=2|Fox News>, Sep 13, 2022"
    )
    assert source_link(ref(1, "Fox News")) == "Fox News, Sep 13, 2022"
    # A URL that would break out of the link markup is not linked.
    assert source_link(ref(1, "A|B", "https://x.example/|<!channel>")) == "A|B, Sep 13, 2022"
    assert source_link(ref(1, "Feed", "javascript:alert(1)")) == "Feed, Sep 13, 2022"


def test_layout_header_points_sources_footer() -> None:
    message = brief_message(
        brief(
            Point("First point.", (ref(1, "Fox News", "https://fox.example/1"), ref(2)), 1.0),
            Point("Second point.", (ref(3, "AP"),), 0.5),
        )
    )
    kinds = [type(b) for b in message.blocks]
    assert kinds[0] is HeaderBlock
    assert kinds[1:5] == [SectionBlock, ContextBlock, SectionBlock, ContextBlock]
    blocks = message.blocks_json()
    assert blocks[2]["elements"][0]["text"] == (
        "<https://fox.example/1|Fox News>, Sep 13, 2022 · Wire, Sep 13, 2022"
    )
    assert blocks[-1]["elements"][0]["text"] == "7 articles from 3 sources · Sep 13, 2022"
    assert message.text.splitlines() == [
        "China–Russia relations",
        "7 articles from 3 sources · Sep 13, 2022",
        "1. First point.",
        "2. Second point.",
    ]


def test_an_oversized_brief_is_trimmed_visibly_within_slack_limits() -> None:
    many = tuple(Point(f"Point number {n}. " + "x" * 4000, (ref(n),), 1.0) for n in range(40))
    crowded = Point("Widely carried.", tuple(ref(n, "Outlet " + "y" * 60) for n in range(200)), 1.0)
    message = brief_message(brief(crowded, *many, title="T" * 400))
    blocks = message.blocks_json()  # slack_sdk validates every block's limits here
    assert len(blocks) == MAX_BLOCKS
    assert blocks[0]["text"]["text"] == "T" * 149 + "…"
    assert "…and 18 more points" in all_text(blocks)
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(texts) == 23
    assert all(len(t) <= MAX_TEXT_CHARS for t in texts)
    assert texts[1].endswith("x…")
    crowded_sources = blocks[2]["elements"][0]["text"]
    assert len(crowded_sources) <= MAX_TEXT_CHARS
    assert crowded_sources.endswith("more sources")
    assert len(message.text) <= MAX_TEXT_CHARS


def test_trimming_never_splits_an_escape() -> None:
    long = "&" * 5000
    section = brief_message(brief(Point(long, (ref(1),), 1.0))).blocks_json()[1]["text"]["text"]
    assert section.endswith("&amp;…")


def test_notices_escape_what_the_user_typed() -> None:
    message = notice_message(
        Notice("Unknown topic '<!channel>'.", ("Did you mean: china-russia?",), is_error=True)
    )
    [section] = message.blocks_json()
    assert section["text"]["text"] == (
        ":warning: *Unknown topic '&lt;!channel&gt;'.*\nDid you mean: china-russia?"
    )
    assert escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"


def test_a_shortened_brief_drops_its_lowest_ranked_points_and_keeps_reading_order() -> None:
    # 30 points in reading order, ranked in reverse: the last points read are the best ranked.
    points = tuple(Point(f"Point number {n}.", (ref(n),), 1.0, rank=30 - n) for n in range(30))
    blocks = brief_message(brief(*points)).blocks_json()
    shown = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    numbers = [int(text.rsplit(" ", 1)[1].rstrip(".")) for text in shown]
    assert numbers == list(range(30 - len(numbers), 30))  # the best ranked, in reading order
    assert f"…and {30 - len(numbers)} more points" in all_text(blocks)
