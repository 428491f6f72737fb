"""Large briefs pinned whole: points, ranks, credits with their evidence, dates, corroboration
and figures, as JSON, against ``tests/data/briefs/pinned.json``.

The brief's build is made faster by computing less (quotations, agency patterns and sentence
checks only where the chosen points need them); these briefs prove that it still chooses and
credits exactly what it did. The corpora are real text: the MultiLing 2011 WikiNews clusters of
every language (each article given a day, so dated leads and figures take part), the seed
corpus, the wire samples, and the seeds reprinted by a second outlet (copies to group).

A change meant to change briefs (selection, ranking) rewrites the file, to be reviewed in the
diff:

    BRIEFBOT_PIN_BRIEFS=write .venv/bin/python -m pytest tests/test_brief_pinned.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.brief.build import build_brief
from bot.brief.corpus import Corpus, build_corpus
from bot.brief.render import brief_to_dict
from bot.brief.select import SelectionLimits
from bot.brief.summarize import fit_words
from bot.ingest.inputs import cluster_articles, read_inputs
from bot.models import ArticleDate, Brief, DatePrecision, RawArticle
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import SEEDS

DATA = Path(__file__).parent / "data"
PINNED = DATA / "briefs" / "pinned.json"
LANGUAGES = ("en", "fr", "cs", "el", "ar", "he", "hi")
INDEXER = TermIndexer(OfflineTokenizer())


def _dated(raws: Sequence[RawArticle], start: dt.date) -> list[RawArticle]:
    """Undated articles given a day each, two articles a day."""
    return [
        r
        if r.date.value is not None
        else dataclasses.replace(
            r, date=ArticleDate(start + dt.timedelta(days=n // 2), DatePrecision.DAY)
        )
        for n, r in enumerate(raws)
    ]


def _eval(language: str) -> list[RawArticle]:
    path = DATA / "eval" / f"multiling2011_{language}.jsonl"
    return cluster_articles(path.read_text("utf-8"), path.name)


def _english() -> list[RawArticle]:
    seeds = read_inputs(sorted(SEEDS.glob("*.txt")), max_bytes=2_000_000)
    wire = read_inputs(sorted((DATA / "wire").glob("*.txt")), max_bytes=2_000_000)
    reprints = [
        dataclasses.replace(r, origin=f"reprint/{r.origin}", source="Daily Reprint") for r in seeds
    ]
    return [*_dated(_eval("en"), dt.date(2022, 9, 1)), *seeds, *wire, *reprints]


# What outlets rewriting wire copy add: datelines, bylines, credits to another newsroom.
_LEADS = ("WASHINGTON (AP) — ", "LONDON, Sept 3 (Reuters) - ", "(CNN) -- ", *[""] * 9)
_TAILS = (
    "By Jane Doe, Associated Press",
    "Copyright 2022 Reuters. All rights reserved.",
    *[""] * 6,
)
_SAYERS = ("officials", "the agency", "a spokesman", "witnesses", "the ministry")


def _re_reports(count: int, seed: int = 17) -> list[RawArticle]:
    """``count`` articles re-reporting two MultiLing stories the way outlets rewrite wire copy:
    words dropped, attributions added, sentences left out, quotations kept, and some with an
    agency's dateline or byline or a lead crediting the Wall Street Journal."""
    rng = random.Random(seed)
    lines = (DATA / "eval" / "multiling2011_en.jsonl").read_text("utf-8").splitlines()
    stories = [
        max(cluster_articles(line, f"story{n}"), key=lambda r: len(r.text))
        for n, line in enumerate(lines[:2])
    ]
    raws = []
    for n in range(count):
        story = stories[n % 2]
        sentences = INDEXER.tokenizer.to_sentences(story.text.replace("\n", " "))
        rewritten = []
        for k, sentence in enumerate(sentences):
            if k and rng.random() < 0.3:
                continue
            words = sentence.split()
            roll = rng.random()
            if roll < 0.5 and len(words) > 8:
                del words[rng.randrange(1, len(words) - 1)]
            elif roll < 0.75 and sentence.endswith("."):
                words[-1] = words[-1][:-1] + f", {rng.choice(_SAYERS)} said."
            rewritten.append(" ".join(words))
        if rng.random() < 0.05 and rewritten[0].endswith("."):
            rewritten[0] = rewritten[0][:-1] + ", the Wall Street Journal reported."
        text = rng.choice(_LEADS) + " ".join(rewritten) + "\n\n" + rng.choice(_TAILS)
        raws.append(
            RawArticle(
                origin=f"re-report {n}",
                text=text,
                source=f"Outlet {n % 70}",
                date=ArticleDate(dt.date(2022, 9, 1 + n % 3), DatePrecision.DAY),
            )
        )
    return raws


def _corpus(raws: Sequence[RawArticle]) -> Corpus:
    return build_corpus(raws, INDEXER)


def _brief(
    corpus: Corpus,
    limits: SelectionLimits,
    query: str | None = None,
    window_from: int | None = None,
) -> Brief:
    articles, records, earlier = corpus.articles, corpus.records, ()
    if window_from is not None:
        # "What's new": the articles from ``window_from`` on, against those before.
        articles = corpus.articles[window_from:]
        new = {a.id for a in articles}
        earlier = tuple(r for r in records if r.article_id not in new)
        records = tuple(r for r in records if r.article_id in new)
    brief = build_brief("pinned", "Pinned", articles, records, INDEXER, limits, query, earlier)
    return brief if limits.words is None else fit_words(brief, limits.words)


def _cases() -> dict[str, Brief]:
    english = _corpus(_english())
    everything = _corpus(
        [
            *_english(),
            *(a for code in LANGUAGES[1:] for a in _dated(_eval(code), dt.date(2023, 1, 1))),
        ]
    )
    seeds = _corpus(_english()[-12:])  # the seeds, the wire samples, the seeds reprinted
    copies = _corpus(_re_reports(90))
    return {
        "seeds and reprints, 10 points": _brief(seeds, SelectionLimits(points=10)),
        "re-reports, 8 points": _brief(copies, SelectionLimits(points=8)),
        "english, 12 points": _brief(english, SelectionLimits(points=12)),
        "english, 250 words": _brief(english, SelectionLimits(10_000, words=250)),
        "english, a query": _brief(english, SelectionLimits(points=8), query="bombs police"),
        "english, what's new": _brief(english, SelectionLimits(points=8), window_from=60),
        "seven languages, 14 points": _brief(everything, SelectionLimits(points=14)),
    }


def _as_data(briefs: dict[str, Brief]) -> dict[str, object]:
    found: dict[str, object] = {}
    for name, brief in briefs.items():
        data = brief_to_dict(brief)
        for point in data["points"]:
            # Scores are LexRank's (tested against sumy in tests/test_rank.py); to four places,
            # so a reordered floating-point sum cannot fail this test.
            point["score"] = round(point["score"], 4)
        found[name] = data
    return found


def test_large_briefs_choose_and_credit_as_pinned() -> None:
    found = _as_data(_cases())
    assert sum(len(b["points"]) for b in found.values()) >= 40  # type: ignore[index, arg-type]
    if os.environ.get("BRIEFBOT_PIN_BRIEFS") == "write":
        PINNED.parent.mkdir(exist_ok=True)
        PINNED.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", "utf-8")
        pytest.skip(f"wrote {PINNED}")
    pinned = json.loads(PINNED.read_text("utf-8"))
    for name in pinned:
        assert found[name] == pinned[name], (
            f"{name}: the brief changed; if that is intended, rewrite the file "
            "(BRIEFBOT_PIN_BRIEFS=write) and review its diff"
        )
    assert found.keys() == pinned.keys()
