"""Independent corroboration on real text: datelines, credited reports, wire copies, counts."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.brief.corpus import build_corpus
from bot.brief.corroboration import ArticleText, group_reports, named_origin
from bot.brief.render import render_json, render_markdown, render_text
from bot.brief.select import SelectionLimits
from bot.brief.summarize import summarize
from bot.ingest.inputs import read_inputs
from bot.ingest.load import article_files, load_file, read_manifest
from bot.ingest.pipeline import prepare
from bot.models import Article, ArticleDate, Corroboration, RawArticle
from bot.settings import PROJECT_DIR
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

INDEXER = TermIndexer(OfflineTokenizer())
SEEDS = PROJECT_DIR / "seeds"
WEB = PROJECT_DIR / "tests" / "data" / "web"


def seed_raws() -> list[RawArticle]:
    manifest = read_manifest(SEEDS)
    return [load_file(p, 2_000_000, manifest) for p in article_files([SEEDS])]


def page_text(name: str, article_id: int) -> ArticleText:
    prepared = prepare(read_inputs([WEB / name], 10_000_000)[0], INDEXER)
    clean = prepared.article
    article = Article(article_id, clean.source, clean.title, clean.url, clean.date, clean.origin)
    return ArticleText(article, clean.sentences, prepared.terms)


def test_a_cnn_dateline_on_a_local_station_page_names_cnn() -> None:
    # FOX 13 Utah ran CNN's story under CNN's dateline: "WASHINGTON (CNN) — Not everyone…".
    fox13 = page_text("fox13now_001.html", 1)
    assert fox13.article.source.startswith("FOX 13")
    assert named_origin(fox13.sentences) == "CNN"


def test_cnn_own_page_and_the_station_copy_are_one_report() -> None:
    fox13, cnn, time = (
        page_text("fox13now_001.html", 1),
        page_text("cnn_article.html", 2),
        page_text("time_001.html", 3),
    )
    reports = group_reports([fox13, cnn, time])
    assert reports.report_of[1] == reports.report_of[2] != reports.report_of[3]
    assert reports.names[reports.report_of[1]] == "CNN"
    outlets = {1: fox13.article.source, 2: cnn.article.source, 3: time.article.source}
    assert reports.corroboration([1, 2, 3], outlets) == Corroboration(2, 3, ("CNN", "TIME"))
    assert reports.corroboration([1, 2], outlets).label() == "single source: CNN (2 outlets)"


def test_the_blog_retelling_wsj_reporting_is_the_wsj_report() -> None:
    blog = next(r for r in seed_raws() if r.source == "Blog repost of WSJ reporting")
    assert named_origin(prepare(blog, INDEXER).article.sentences) == "Wall Street Journal"


@pytest.mark.parametrize(
    ("lead", "origin"),
    [
        ("LONDON, Sept 3 (Reuters) - Britain's economy grew faster than expected.", "Reuters"),
        ("NEW YORK (AP) — Stocks fell on Monday as oil prices rose.", "AP"),
        ("(CNN) -- The storm moved east overnight, forecasters said.", "CNN"),
        ("By Jane Doe, Associated Press. The storm moved east overnight.", "AP"),
        # No dateline, no agency: the outlet is its own report.
        ("The storm moved east overnight, forecasters said on Monday.", None),
        # "ap" as a word, a parenthesis that is no agency, an agency named mid-story.
        ("The cap (ap) was lifted on Monday, officials said.", None),
        ("Officials (including the mayor) said the storm had passed.", None),
        ("Stocks fell, and Reuters later said the figures were revised.", None),
    ],
)
def test_named_origin(lead: str, origin: str | None) -> None:
    assert named_origin([lead, "A second sentence of the story follows here."]) == origin


def test_copyright_line_at_the_end_names_the_agency() -> None:
    body = ["The storm moved east overnight.", "Copyright 2024 The Associated Press."]
    assert named_origin(body) == "AP"


def test_a_syndicated_copy_of_a_seed_article_counts_once() -> None:
    # A real wire-copy pattern: another outlet reprints Fox News's article without its last
    # paragraphs and under its own name. The Yang point is then verifiably carried by three
    # outlets (outlet A reports it in other words: no verified credit) but only two
    # independent reports.
    raws = seed_raws()
    fox = next(r for r in raws if r.source == "Fox News")
    paragraphs = fox.text.split("\n")
    copy = dataclasses.replace(
        fox,
        origin="reprint",
        source="Syndicating outlet",
        text="\n".join(paragraphs[: len(paragraphs) * 2 // 3]),
    )
    corpus = build_corpus([*raws, copy], INDEXER)
    brief = summarize(corpus, INDEXER, SelectionLimits(points=5))
    yang = brief.points[0]
    assert {r.source for r in yang.sources} >= {"Fox News", "Syndicating outlet"}
    assert yang.corroboration == Corroboration(2, 3, ("Fox News", "Campbell River Mirror"))
    assert yang.corroboration.label() == "2 independent sources (3 outlets)"


def test_seed_brief_marks_single_source_points_and_counts_the_shared_one() -> None:
    brief = summarize(build_corpus(seed_raws(), INDEXER), INDEXER, SelectionLimits(points=5))
    labels = [p.corroboration.label() for p in brief.points if p.corroboration]
    assert len(labels) == len(brief.points)
    assert labels[0] == "2 independent sources"
    assert "single source: Wall Street Journal" in labels
    text = render_text(brief)
    assert "Sep 15, 2022 · 2 independent sources" in text.replace("\n     ", " ")
    assert "· single source: Wall Street Journal" in text
    assert "· 2 independent sources" in render_markdown(brief)
    first = json.loads(render_json(brief))["points"][0]["corroboration"]
    assert first == {
        "independent_sources": 2,
        "outlets": 2,
        "origins": ["Fox News", "Campbell River Mirror"],
        "single_source": False,
        "label": "2 independent sources",
    }


def test_near_identical_text_needs_several_shared_sentences() -> None:
    def text(article_id: int, source: str, sentences: list[str]) -> ArticleText:
        article = Article(article_id, source, None, None, ArticleDate.unknown(), source)
        return ArticleText(article, tuple(sentences), tuple(INDEXER.terms_many(sentences)))

    quote = "Xi said the partnership between the two countries would deepen next year."
    own = [f"Outlet {n} wrote its own report number {n} about trade in the region." for n in "ab"]
    # Sharing one quotation is not copying.
    a = text(1, "A", [quote, own[0]])
    b = text(2, "B", [quote, own[1]])
    assert group_reports([a, b]).report_of[1] != group_reports([a, b]).report_of[2]
    story = [
        "Gazprom signed a thirty-year deal to send Siberian gas to China on Monday.",
        "The pipeline will carry thirty-eight billion cubic metres of gas a year.",
        "Construction of the eastern route began in the Yakutia region in 2014.",
        "Analysts said the price agreed was lower than European customers pay.",
    ]
    c = text(3, "C", story)
    d = text(4, "D", [*story[:3], "The reprinting outlet added its own closing remark here."])
    reports = group_reports([c, d])
    assert reports.report_of[3] == reports.report_of[4]
    assert reports.names[reports.report_of[3]] == "C"


def test_labels() -> None:
    assert Corroboration(1, 1, ("AP",)).label() == "single source"
    assert Corroboration(1, 3, ("AP",), via="AP").label() == "single source: AP (3 outlets)"
    assert Corroboration(3, 5, ("AP", "B", "C")).label() == "3 independent sources (5 outlets)"
    assert Corroboration(2, 2, ("A", "B")).label() == "2 independent sources"


def test_an_article_with_no_sentences_is_its_own_report() -> None:
    # Articles without sentences (nothing survived cleaning) still get a report of their own.
    lone = ArticleText(Article(9, "Lone", None, None, ArticleDate.unknown(), "x"), (), ())
    assert group_reports([lone]).report_of == {9: 9}


def _origin_by_patterns_alone(sentences: list[str]) -> str | None:
    """``named_origin`` as first written: every pattern tried on every lead and tail sentence."""
    from bot.brief.corroboration import (
        _BYLINE,
        _COPYRIGHT,
        _DATELINE,
        _LEAD_CREDIT,
        _ORGANISATIONS,
        LEAD_SENTENCES,
        TAIL_SENTENCES,
        _agency,
        _name_key,
    )

    lead = sentences[:LEAD_SENTENCES]
    for sentence in lead:
        found = _DATELINE.match(sentence) or _BYLINE.search(sentence)
        if found and (name := _agency(found)) is not None:
            return name
    for sentence in sentences[-TAIL_SENTENCES:]:
        found = _BYLINE.search(sentence) or _COPYRIGHT.search(sentence)
        if found and (name := _agency(found)) is not None:
            return name
    if lead and (credit := _LEAD_CREDIT.search(lead[0])):
        return _ORGANISATIONS[_name_key(credit.group("org"))]
    return None


# Bylines and credits in every case, and written with the characters that a case-insensitive
# pattern also reads as an ASCII letter (Kelvin sign, long s, dotted and dotless i).
_WRITTEN = [
    "BY JANE DOE, ASSOCIATED PRESS",
    "bY Jane Doe | reuters",
    "By Jane Doe / AFP",
    "AP WRITER Jane Doe contributed.",
    "Associated Press correspondents in Kabul said so.",
    "Reuters RepOrters saw it.",
    "AP wr\u0130ter Jane Doe",
    "AP wr\u0131ter Jane Doe",
    "Associated Pre\u017f\u017f writer",
    "\u212ayodo reporter",
    "Stocks fell, the Wall \u017ftreet Journal reported.",
    "COPYRIGHT 2024 THE ASSOCIATED PRESS. All rights reserved.",
    "\u00a9 2023 Reuters",
    "(C) 2021 AFP",
    "Copyright 2020 AP",
    "co\u017fyright 2024 AP",
    "LONDON, Sept 3 (Reuters) - Ministers met.",
    "WASHINGTON (AP) \u2014 The Senate voted.",
    "Nothing to see, by the way.",
    "Stocks fell, the Wall Street Journal reported.",
]


def test_named_origin_reads_what_every_pattern_alone_reads() -> None:
    # The fixed-word look before each pattern only skips sentences no pattern can match: the
    # origin of every real article here, and of written bylines in any case, is unchanged.
    articles: list[list[str]] = []
    for path in sorted((PROJECT_DIR / "tests" / "data" / "eval").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            for doc in json.loads(line)["docs"]:
                articles.append(INDEXER.tokenizer.to_sentences(doc["text"].replace("\n", " ")))
    for raw in [*seed_raws(), *read_inputs(sorted((WEB.parent / "wire").glob("*.txt")), 10**7)]:
        articles.append(list(INDEXER.tokenizer.to_sentences(raw.text.replace("\n", " "))))
    for n, written in enumerate(_WRITTEN):
        articles.append([written, "Filler sentence one.", "Filler two.", "Filler three."])
        articles.append(["Filler one.", "Filler two.", "Filler three.", "Filler four.", written])
        articles.append(["Filler one.", _WRITTEN[n - 1], written])
    found = [named_origin(list(a)) for a in articles]
    assert found == [_origin_by_patterns_alone(list(a)) for a in articles]
    assert sum(f is not None for f in found) >= 30


def test_a_name_matched_through_a_letter_read_as_ascii_is_that_name() -> None:
    # re.IGNORECASE reads "ſ" as "s" and "K" (Kelvin) as "k": the patterns matched these
    # names, whose look-up then failed with a KeyError that ended the brief.
    assert named_origin(["By Jane Doe, Associated Pre\u017f\u017f", "More."]) == "AP"
    assert named_origin(["\u212ayodo reporters saw it.", "More."]) == "Kyodo"
    assert named_origin(["Stocks fell, the Wall \u017ftreet Journal reported."]) == (
        "Wall Street Journal"
    )
