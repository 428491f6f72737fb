"""Core renderers: text, Markdown and JSON of the same Brief."""

from __future__ import annotations

import datetime as dt
import json

from bot.brief.render import render_json, render_markdown, render_text
from bot.models import ArticleDate, Brief, DatePrecision, DateRange, Point, SourceRef

SEP = ArticleDate(dt.date(2022, 9, 13))
DEC = ArticleDate(dt.date(2022, 12, 1), DatePrecision.MONTH)
FOX = SourceRef(1, "Fox News", None, "https://example.com/a", SEP)
BLOG = SourceRef(2, "Blog", None, None, DEC)
BRIEF = Brief(
    topic="t",
    title="Title",
    points=(Point("Xi *met* Putin <@U1> [x](y).", (FOX, BLOG), 0.5),),
    article_count=2,
    source_count=2,
    date_range=DateRange(SEP, DEC),
)


def test_text() -> None:
    assert render_text(BRIEF).splitlines() == [
        "Title",
        "2 articles from 2 sources · Sep 13, 2022 – Dec 2022",
        "",
        "1. Xi *met* Putin <@U1> [x](y).",
        "   — Fox News, Sep 13, 2022; Blog, Dec 2022",
    ]


def test_markdown_escapes_and_links() -> None:
    md = render_markdown(BRIEF)
    assert r"Xi \*met\* Putin \<@U1\> \[x\](y)." in md
    assert "[Fox News, Sep 13, 2022](https://example.com/a)" in md


def test_json_keeps_date_precision() -> None:
    data = json.loads(render_json(BRIEF))
    assert data["date_range"] == {"first": "2022-09-13", "last": "2022-12"}
    assert [s["date"] for s in data["points"][0]["sources"]] == ["2022-09-13", "2022-12"]
