"""Corroboration counts and figure lines as Slack Block Kit and Discord embeds."""

from __future__ import annotations

import json

import pytest

from adapters.discord.embeds import brief_messages
from adapters.slack.blocks import brief_message
from bot.brief.corpus import build_corpus
from bot.brief.select import SelectionLimits
from bot.brief.summarize import summarize
from bot.ingest.inputs import cluster_articles
from bot.models import Brief
from bot.settings import PROJECT_DIR
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

INDEXER = TermIndexer(OfflineTokenizer())
EVAL = PROJECT_DIR / "tests" / "data" / "eval" / "multiling2011_en.jsonl"
LINE = "Deaths: 110,000 (M0063, Jan 23) · as many as 200,000 (M0064, Jan 29; newest)"


def haiti_brief() -> Brief:
    raws = cluster_articles(EVAL.read_text(encoding="utf-8"), str(EVAL), "M006")
    return summarize(build_corpus(raws, INDEXER), INDEXER, SelectionLimits(points=5))


def test_slack_blocks_carry_counts_and_the_figure_line() -> None:
    message = brief_message(haiti_brief())
    blocks = message.blocks_json()
    contexts = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert any(c.endswith(" · _single source_") for c in contexts)
    figures = [
        b for b in blocks if b["type"] == "section" and "Figures that differ" in b["text"]["text"]
    ]
    assert len(figures) == 1
    assert figures[0]["text"]["text"] == f"*Figures that differ*\n• {LINE}"
    # The figures come after the points, before the footer.
    assert blocks.index(figures[0]) == len(blocks) - 3
    assert LINE in message.text
    json.dumps(blocks)


def test_discord_embed_carries_counts_and_the_figure_line() -> None:
    (message,) = brief_messages(haiti_brief())
    description = message.embeds[0].description or ""
    assert "· *single source*" in description
    assert description.endswith(
        "**Figures that differ**\n- Deaths: 110,000 (M0063, Jan 23) · as many as 200,000 "
        "(M0064, Jan 29; newest)"
    )
