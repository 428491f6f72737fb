"""Figures and disagreements on real coverage: what is read, what is refused, and every conflict
the dev sets produce (read and asserted one by one)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from bot.brief.corpus import build_corpus
from bot.brief.figures import (
    PERIOD_DAYS,
    DatedSentence,
    extract_figures,
    figure_reports,
    find_conflicts,
    parse_number,
)
from bot.brief.render import render_json, render_markdown, render_text
from bot.brief.select import SelectionLimits
from bot.brief.summarize import summarize
from bot.ingest.inputs import cluster_articles, cluster_date
from bot.ingest.load import article_files, load_file, read_manifest
from bot.settings import PROJECT_DIR
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

INDEXER = TermIndexer(OfflineTokenizer())
EVAL = PROJECT_DIR / "tests" / "data" / "eval" / "multiling2011_en.jsonl"
SEEDS = PROJECT_DIR / "seeds"


def figures(sentence: str, year: int = 2010) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f.measure, f.written, f.scope) for f in extract_figures(sentence, year)]


@pytest.mark.parametrize(
    ("written", "scale", "value"),
    [
        ("1,300,000", None, 1_300_000),
        ("Fifty-two", None, 52),
        ("1.5", "million", 1_500_000),
        ("a dozen", None, 12),
        ("twenty one", None, 21),
        ("2", "bn", 2_000_000_000),
    ],
)
def test_parse_number(written: str, scale: str | None, value: int) -> None:
    assert parse_number(written, scale) == Decimal(value)


# Sentences from the MultiLing 2011 WikiNews clusters (CC BY 3.0, tests/data/SOURCES.md).
@pytest.mark.parametrize(
    ("sentence", "year", "expected"),
    [
        (
            "52 people died and approximately 700 were injured as a result of the bombings.",
            2008,
            [("Deaths", "52", ()), ("Injured", "approximately 700", ())],
        ),
        (
            "An 8.8 magnitude earthquake was recorded in Chile on Saturday, killing at least "
            "214 people and causing significant structural damage.",
            2010,
            [("Deaths", "at least 214", ("Chile",))],
        ),
        (
            "The death toll, as of Friday, is estimated to be 110,000.",
            2010,
            [("Deaths", "110,000", ())],
        ),
        (
            "The Airbus A330 had departed from Rio de Janeiro on Sunday night, with a dozen crew "
            "members and 216 passengers on board, according to a spokeswoman for Air France.",
            2009,
            [
                # The scope is wide on purpose: more names only make fewer matches.
                ("Crew", "a dozen", ("Air France", "Airbus A330", "Janeiro", "Rio")),
                ("Passengers", "216", ("Air France", "Airbus A330", "Janeiro", "Rio")),
            ],
        ),
        (
            "The Bush administration has pledged $350 million in aid for the relief effort.",
            2004,
            [("Aid", "$350 million", ("Bush",))],
        ),
    ],
)
def test_figures_read_from_real_sentences(
    sentence: str, year: int, expected: list[tuple[str, str, tuple[str, ...]]]
) -> None:
    assert figures(sentence, year) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # A guess, not a report.
        "A spokesman for the Red Cross speculated that the toll could increase to over 100,000.",
        "The death toll might eventually approach 80,000 in Indonesia alone.",
        # Another year: another period.
        "Fifty-two people were killed in the attacks, the deadliest since the Lockerbie bombing "
        "in 1988.",
        # A number without a measure a pattern names.
        "He told El Rancahuaso there were around 25 people in the beach.",
        "The magnitude 7 earthquake struck at 16:53 local time, 25 km from the capital.",
        "Some 40,000 measures taking effect range from sweeping mandates to drone prohibition.",
        # Percentages and sums without a named measure.
        "About 81% of Russian car imports came from China.",
        "Russia and China are building a massive $55 billion pipeline.",
    ],
)
def test_figures_refused(sentence: str) -> None:
    assert figures(sentence) == []


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def rows(*items: tuple[int, str, str, str]) -> list[DatedSentence]:
    return [DatedSentence(a, source, day(d), text, a) for a, source, d, text in items]


def test_values_from_different_reports_in_one_week_conflict_and_the_newest_is_marked() -> None:
    reports = figure_reports(
        rows(
            (1, "AP", "2024-09-03", "At least 12 people were killed in the blast."),
            (2, "Reuters", "2024-09-04", "The death toll rose to 15 on Wednesday."),
            (3, "BBC", "2024-09-04", "Twelve people were killed, officials said."),
        )
    )
    (conflict,) = find_conflicts(reports)
    # "at least 12" and "Twelve" are one value, shown as the number they share.
    assert conflict.line() == "Deaths: 12 (AP, Sep 3; BBC, Sep 4) · 15 (Reuters, Sep 4)"
    # Reported as late as each other: neither is marked newest.
    assert not any(v.newest for v in conflict.values)
    later = figure_reports(
        rows(
            (1, "AP", "2024-09-03", "At least 12 people were killed in the blast."),
            (2, "Reuters", "2024-09-05", "The death toll rose to 15 on Wednesday."),
        )
    )
    assert (
        find_conflicts(later)[0].line()
        == "Deaths: at least 12 (AP, Sep 3) · 15 (Reuters, Sep 5; newest)"
    )


def test_no_conflict_across_periods_scopes_measures_or_within_one_report() -> None:
    far = (2, "Reuters", "2024-09-20", "The death toll rose to 15.")
    assert (day(far[2]) - day("2024-09-03")).days > PERIOD_DAYS
    base = (1, "AP", "2024-09-03", "At least 12 people were killed in the blast.")
    assert find_conflicts(figure_reports(rows(base, far))) == ()
    # A scope names another quantity: the toll in one province is not the toll.
    province = (2, "Reuters", "2024-09-04", "In Aceh 15 people were killed.")
    assert find_conflicts(figure_reports(rows(base, province))) == ()
    # Injured is not dead; children are not people in general.
    assert (
        find_conflicts(
            figure_reports(rows(base, (2, "R", "2024-09-04", "15 people were injured.")))
        )
        == ()
    )
    assert (
        find_conflicts(
            figure_reports(rows(base, (2, "R", "2024-09-04", "15 children were killed.")))
        )
        == ()
    )
    # Two copies of one report (one report id) that differ are its own update.
    copies = [
        DatedSentence(1, "AP", day("2024-09-03"), "At least 12 people were killed.", 7),
        DatedSentence(2, "Daily Bugle", day("2024-09-04"), "At least 15 people were killed.", 7),
    ]
    assert find_conflicts(figure_reports(copies)) == ()
    # An article giving two values for one quantity stands by neither.
    torn = rows(
        (1, "AP", "2024-09-03", "At least 12 people were killed."),
        (1, "AP", "2024-09-03", "Later reports said 20 people were killed."),
        (2, "Reuters", "2024-09-04", "Twelve people were killed."),
    )
    assert find_conflicts(figure_reports(torn)) == ()
    # Undated articles have no period.
    undated = [DatedSentence(2, "Reuters", None, "Fifteen people were killed.", 2)]
    assert figure_reports(undated) == []


def cluster_rows(path: Path) -> dict[str, list[DatedSentence]]:
    tokenizer = OfflineTokenizer()
    clusters: dict[str, list[DatedSentence]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cluster = json.loads(line)
        out = clusters.setdefault(cluster["id"], [])
        for n, doc in enumerate(cluster["docs"], start=1):
            date = cluster_date(doc["date"]).value
            for sentence in tokenizer.to_sentences(doc["text"]):
                out.append(DatedSentence(n, doc["docid"], date, sentence, n))
    return clusters


def test_every_conflict_on_the_english_dev_set_is_a_real_disagreement() -> None:
    # Read by hand: on Jan 23, 2010 WikiNews reported "The death toll, as of Friday, is
    # estimated to be 110,000." (M0063); on Jan 29 "As many as 200,000 people were killed by
    # the tremors" (M0064). No other cluster yields a conflict.
    found = {
        cluster: [c.line() for c in find_conflicts(figure_reports(sentences))]
        for cluster, sentences in cluster_rows(EVAL).items()
    }
    assert {k: v for k, v in found.items() if v} == {
        "M006": ["Deaths: 110,000 (M0063, Jan 23) · as many as 200,000 (M0064, Jan 29; newest)"]
    }


def test_haiti_brief_shows_the_figure_line_in_every_format() -> None:
    raws = cluster_articles(EVAL.read_text(encoding="utf-8"), str(EVAL), "M006")
    brief = summarize(build_corpus(raws, INDEXER), INDEXER, SelectionLimits(points=5))
    (conflict,) = brief.figures
    assert conflict.label == "Deaths"
    assert [v.written for v in conflict.values] == ["110,000", "as many as 200,000"]
    assert [v.newest for v in conflict.values] == [False, True]
    assert conflict.values[0].credits[0].sentence == (
        "The death toll, as of Friday, is estimated to be 110,000."
    )
    line = "Deaths: 110,000 (M0063, Jan 23) · as many as 200,000 (M0064, Jan 29; newest)"
    assert f"Figures that differ:\n- {line}" in render_text(brief)
    assert "**Figures that differ**" in render_markdown(brief)
    data = json.loads(render_json(brief))["figures"][0]
    assert data["line"] == line
    assert data["values"][1] == {
        "value": "as many as 200,000",
        "newest": True,
        "sources": [
            {
                "source": "M0064",
                "date": "2010-01-29",
                "sentence": "As many as 200,000 people were killed by the tremors, which struck "
                "on January 12, and 1.5 million people have been left without homes.",
            }
        ],
    }


def test_seeds_have_no_figure_conflict() -> None:
    manifest = read_manifest(SEEDS)
    raws = [load_file(p, 2_000_000, manifest) for p in article_files([SEEDS])]
    brief = summarize(build_corpus(raws, INDEXER), INDEXER, SelectionLimits(points=6))
    assert brief.figures == ()
