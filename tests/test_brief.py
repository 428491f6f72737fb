"""The seed brief's guarantees: no noise, one point per statement, every point attributed."""

from __future__ import annotations

import dataclasses
import itertools
import re

import pytest

from bot.brief import build_brief
from bot.dedupe import REDUNDANT, OverlapIndex
from bot.models import Brief
from bot.select import SelectionLimits
from bot.service import Briefbot

# Every piece of noise the seed articles carry, as scraped.
NOISE = [
    "Like us on Facebook",
    "Sign up",
    "Sign Up",
    "reCAPTCHA",
    "Reset your password",
    "check your inbox",
    "Click here",
    "Photo by",
    "Photo contributed",
    "Campbell River Mirror photo",
    "ALERT:",
    "Mars Space Ladder",
    "Read more:",
    "joint naval drills: WSJ",
    "RUSSIANS SET UP METHOD",
    "Similar Personality",
    "No comments",
    "Post a Comment",
    "ChinaPutinRussia",
    "Strathcona",
    "HelloFresh",
    "Just Posted",
    "Previous story",
    "US condemns cooperation",
    "*",
    "date 2022-09-15",
]
YANG_QUOTE = "willing to work with the Russian side to continuously implement high-level strategic"


@pytest.fixture
async def seed_brief(briefbot: Briefbot) -> Brief:
    return await briefbot.brief("china-russia", 10)


def all_text(brief: Brief) -> str:
    parts = [brief.title]
    for point in brief.points:
        parts.append(point.text)
        parts.extend(f"{r.source} {r.title or ''}" for r in point.sources)
    return "\n".join(parts)


async def test_default_brief_has_at_most_six_points(briefbot: Briefbot) -> None:
    brief = await briefbot.brief("china-russia")
    assert 1 <= len(brief.points) <= 6
    assert brief.article_count == 5
    assert brief.source_count == 5


@pytest.mark.parametrize("noise", NOISE)
async def test_no_seed_noise_reaches_any_brief(seed_brief: Brief, noise: str) -> None:
    assert noise not in all_text(seed_brief)


async def test_noise_absent_for_every_point_count(briefbot: Briefbot) -> None:
    for n in range(1, 11):
        text = all_text(await briefbot.brief("china-russia", n))
        assert not [noise for noise in NOISE if noise in text]


async def test_yang_quote_appears_once_with_all_three_sources(seed_brief: Brief) -> None:
    carrying = [p for p in seed_brief.points if YANG_QUOTE in p.text]
    assert len(carrying) == 1
    sources = {r.source for r in carrying[0].sources}
    assert sources == {"Fox News", "Unnamed outlet A", "Campbell River Mirror"}


async def test_every_point_names_sources_with_dates(seed_brief: Brief) -> None:
    for point in seed_brief.points:
        assert point.sources
        assert all(r.source for r in point.sources)
        assert all(r.date.label() != "undated" for r in point.sources)


async def test_no_two_points_say_the_same_thing(briefbot: Briefbot, seed_brief: Brief) -> None:
    terms = [briefbot.indexer.terms(p.text) for p in seed_brief.points]
    index = OverlapIndex(terms)
    for i, j in itertools.combinations(range(len(terms)), 2):
        assert index.overlap(i, j) < REDUNDANT, (
            seed_brief.points[i].text,
            seed_brief.points[j].text,
        )


async def test_no_sentence_repeated_verbatim(seed_brief: Brief) -> None:
    normalized = [re.sub(r"\W+", " ", p.text).strip().lower() for p in seed_brief.points]
    assert len(set(normalized)) == len(normalized)


async def test_points_read_in_date_order_and_brief_states_range(seed_brief: Brief) -> None:
    firsts = [min(r.date.value for r in p.sources if r.date.value) for p in seed_brief.points]
    assert firsts == sorted(firsts)
    assert seed_brief.date_range is not None
    assert seed_brief.date_range.label() == "Sep 13, 2022 – Dec 30, 2022"


async def test_ingest_stores_every_sentences_terms(briefbot: Briefbot) -> None:
    articles = await briefbot.articles(10)
    records = await briefbot.store.sentences([a.id for a in articles])
    assert records
    assert all(r.terms == briefbot.indexer.terms(r.text) for r in records)


async def test_sentences_without_stored_terms_brief_the_same(briefbot: Briefbot) -> None:
    articles = await briefbot.store.search(briefbot.topics.get("china-russia").fts_query(), 100)
    records = await briefbot.store.sentences([a.id for a in articles])
    legacy = [dataclasses.replace(r, terms=None) for r in records]  # stored before terms were
    limits = SelectionLimits(points=6)
    stored = build_brief("t", "T", articles, records, briefbot.indexer, limits)
    tokenized = build_brief("t", "T", articles, legacy, briefbot.indexer, limits)
    assert stored == tokenized
    assert len(stored.points) == 6
