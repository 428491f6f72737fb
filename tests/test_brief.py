"""The seed brief's guarantees: no noise, one point per statement, every point attributed."""

from __future__ import annotations

import dataclasses
import itertools
import re

import pytest

from bot.app import App
from bot.brief.build import build_brief
from bot.brief.dedupe import REDUNDANT, OverlapIndex
from bot.brief.select import SelectionLimits
from bot.models import Brief, Point

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
# Every seed sentence reporting Yang Jiechi's Sep 13 statement has one of these: the quote
# carried by three outlets, and Fox's, outlet A's and the Mirror's leads in their own words.
YANG_STATEMENT = ("new international order", "new world order", "more just and reasonable")
# The outlets that verifiably carry the Yang point (Fox News's lead): Fox itself, and the
# Campbell River Mirror, whose lead holds 11 of its 16 content words. Outlet A reports the same
# statement in other words (7 of 16, 44%, even with the sentence beside it): no credit, but its
# lead is no second point either.
YANG_OUTLETS = {"Fox News", "Campbell River Mirror"}


@pytest.fixture
async def seed_brief(briefbot: App) -> Brief:
    return await briefbot.briefer.brief("china-russia", 10)


def yang_points(brief: Brief) -> list[Point]:
    """The brief's points reporting Yang Jiechi's statement."""
    return [p for p in brief.points if any(words in p.text for words in YANG_STATEMENT)]


def all_text(brief: Brief) -> str:
    parts = [brief.title]
    for point in brief.points:
        parts.append(point.text)
        parts.extend(f"{r.source} {r.title or ''}" for r in point.sources)
    return "\n".join(parts)


async def test_default_brief_has_at_most_six_points(briefbot: App) -> None:
    brief = await briefbot.briefer.brief("china-russia")
    assert 1 <= len(brief.points) <= 6
    assert brief.article_count == 5
    assert brief.source_count == 5


@pytest.mark.parametrize("noise", NOISE)
async def test_no_seed_noise_reaches_any_brief(seed_brief: Brief, noise: str) -> None:
    assert noise not in all_text(seed_brief)


async def test_noise_absent_for_every_point_count(briefbot: App) -> None:
    for n in range(1, 11):
        text = all_text(await briefbot.briefer.brief("china-russia", n))
        assert not [noise for noise in NOISE if noise in text]


@pytest.mark.parametrize("points", [1, 3, 5, 10])
async def test_yang_statement_is_one_point_crediting_the_outlets_that_carry_it(
    briefbot: App, points: int
) -> None:
    brief = await briefbot.briefer.brief("china-russia", points)
    (yang,) = yang_points(brief)
    assert {r.source for r in yang.sources} == YANG_OUTLETS
    assert not any(p.text.startswith("A top Chinese official said this week") for p in brief.points)


async def test_default_brief_states_five_different_facts(briefbot: App) -> None:
    brief = await briefbot.briefer.brief("china-russia")
    assert len(brief.points) == 5
    assert len(yang_points(brief)) == 1
    # Each point states a fact no other point does: none shares a quotation or near-copy with
    # another, and no two are same-day leads in other words.
    index = OverlapIndex(
        [briefbot.indexer.terms(p.text) for p in brief.points],
        [briefbot.indexer.quotations(p.text) for p in brief.points],
    )
    assert [index.statement(i) for i in range(5)] == [[i] for i in range(5)]
    # No article restates itself across two points: none is the only source of two of them.
    sole = [p.sources[0].article_id for p in brief.points if len(p.sources) == 1]
    assert len(sole) == len(set(sole))


async def test_every_point_names_sources_with_dates(seed_brief: Brief) -> None:
    for point in seed_brief.points:
        assert point.sources
        assert all(r.source for r in point.sources)
        assert all(r.date.label() != "undated" for r in point.sources)


async def test_no_two_points_say_the_same_thing(briefbot: App, seed_brief: Brief) -> None:
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


async def test_ingest_stores_every_sentences_terms(briefbot: App) -> None:
    articles = await briefbot.store.articles(10)
    records = await briefbot.store.sentences([a.id for a in articles])
    assert records
    assert all(r.terms == briefbot.indexer.terms(r.text) for r in records)


async def test_sentences_without_stored_terms_brief_the_same(briefbot: App) -> None:
    articles = await briefbot.store.search(briefbot.topics.get("china-russia").query(), 100)
    records = await briefbot.store.sentences([a.id for a in articles])
    legacy = [dataclasses.replace(r, terms=None) for r in records]  # stored before terms were
    limits = SelectionLimits(points=6)
    stored = build_brief("t", "T", articles, records, briefbot.indexer, limits)
    tokenized = build_brief("t", "T", articles, legacy, briefbot.indexer, limits)
    assert stored == tokenized
    assert len(stored.points) == 6
