"""What a reader checks in a brief: true credits, no article lost, no cut sentence; and its cost.

Run from the project folder (a few minutes on one core; not a timed test):

    .venv/bin/python bench/trust.py                 # prints the report
    .venv/bin/python bench/trust.py --scale 2000    # also times a brief of 2,000 re-reports

Reported on the dev data: the MultiLing 2011 story clusters of every language in ``--eval``
(default ``tests/data/eval``; pass the folder holding all seven languages), the seed corpus and
the saved real pages in ``tests/data/web``:

- **credit precision** by the checkable definition (issue 14): a credited article holds one
  sentence, or two adjacent sentences, carrying at least 60% of the point's content words (its
  distinct LexRank terms: stop words dropped, stemmed), or quotes the point's quotation. Checked
  here from the article's own sentences, independently of how the brief chose its credits;
- **articles dropped**: articles that yield no sentence, each with the reason given;
- **cut or stub points** in ``--words`` briefs (100 words, and each story's reference length):
  a point ending in an ellipsis, without final punctuation, or under six words;
- **one statement once**: how many of the 31 non-empty subsets of the five seeds state Yang
  Jiechi's "new international order" statement more than once (his words, quoted or not, and
  each outlet's lead reporting them);
- **ROUGE** of the ``--words`` brief against the references (``bench/quality.py``'s protocol);
- **cost** of a brief of N articles that re-report one another (``--scale``), split into
  ranking and selection.

Run it at an older commit (``PYTHONPATH=<checkout> .venv/bin/python bench/trust.py``) for the
"before" figures; fields the older code lacks are reported as not available.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quality import UnicodeWords
from rouge_score import rouge_scorer

from bot.brief import build
from bot.brief.corpus import Corpus, build_corpus
from bot.brief.select import SelectionLimits
from bot.brief.summarize import summarize
from bot.ingest.extract import ExtractError, extract_article
from bot.ingest.inputs import cluster_articles, read_inputs
from bot.models import Brief, RawArticle, SentenceRecord
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

PROJECT = Path(__file__).resolve().parent.parent
CARRIES = 0.6
MIN_POINT_WORDS = 6
# Yang Jiechi's Sep 13, 2022 statement as the seeds carry it: his words (quoted or not) and each
# outlet's lead reporting them.
YANG = re.compile(
    r"new (international|world) order|international order in a more just|"
    r"^A top Chinese official",
    re.IGNORECASE,
)


YANG_LEAD = re.compile(r"^A top Chinese official")
# How a whole sentence may end: final punctuation (Latin, the Devanagari danda, the Arabic
# question mark and full stop, the Greek question mark, CJK), or a closing quote or bracket.
SENTENCE_ENDS = (".", "!", "?", "।", "॥", "؟", "۔", ";", "\u037e", "。", "！", "？")
SENTENCE_ENDS += ('"', "”", "’", "'", ")", "»")


@dataclass(frozen=True)
class Story:
    """One set of articles briefed together, with human references if it has them."""

    name: str
    corpus: Corpus
    refs: tuple[str, ...] = ()


def eval_stories(folder: Path, indexer: TermIndexer) -> dict[str, list[Story]]:
    """Every MultiLing cluster in the folder, by file."""
    stories: dict[str, list[Story]] = {}
    for path in sorted(folder.glob("multiling2011_*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            data = json.loads(line)
            raws = cluster_articles(line, data["id"])
            corpus = build_corpus(raws, indexer)
            stories.setdefault(path.stem, []).append(
                Story(f"{path.stem}:{data['id']}", corpus, tuple(data.get("refs", ())))
            )
    return stories


def page_story(indexer: TermIndexer) -> Story:
    """The saved real pages, as one corpus (each page's article as ingest reads it)."""
    raws: list[RawArticle] = []
    rejected: list[str] = []
    for page in sorted((PROJECT / "tests" / "data" / "web").glob("*.html")):
        try:
            raws.append(extract_article(page.read_bytes(), page.name).article)
        except ExtractError as exc:
            rejected.append(str(exc))
    corpus = build_corpus(raws, indexer)
    return Story(
        "saved pages", Corpus(corpus.articles, corpus.records, (*rejected, *corpus.rejected))
    )


def seed_raws() -> list[RawArticle]:
    return read_inputs(sorted((PROJECT / "seeds").glob("*.txt")), max_bytes=2_000_000)


# The checkable definition of a credit, from the article's own sentences.


def _quotations(text: str, indexer: TermIndexer) -> list[tuple[str, ...]]:
    return [tuple(q) for q in indexer.quotations(text)]


def _holds_run(terms: Sequence[str], run: Sequence[str]) -> bool:
    width = len(run)
    return any(tuple(terms[k : k + width]) == tuple(run) for k in range(len(terms) - width + 1))


def credit_holds(
    point: str, sentences: Sequence[SentenceRecord], indexer: TermIndexer
) -> tuple[bool, str]:
    """Whether an article (its sentences in reading order) verifiably carries the point, and
    the best evidence found."""
    wanted = set(indexer.terms(point))
    if not wanted:
        return False, ""
    quoted = [q for q in _quotations(point, indexer) if len(q) >= 2]
    best, evidence = 0.0, ""
    previous: set[str] = set()
    previous_text = ""
    for record in sentences:
        terms = indexer.terms(record.text)
        if record.text == point:
            return True, record.text
        # It quotes the point's quotation, or the point quotes words it holds.
        if any(_holds_run(terms, q) for q in quoted) or any(
            len(q) >= 2 and _holds_run(indexer.terms(point), q)
            for q in _quotations(record.text, indexer)
        ):
            return True, record.text
        own = set(terms) & wanted
        if len(own) / len(wanted) > best:
            best, evidence = len(own) / len(wanted), record.text
        if previous_text and len(own | previous) / len(wanted) > best:
            best, evidence = len(own | previous) / len(wanted), f"{previous_text} {record.text}"
        previous, previous_text = own, record.text
    return best >= CARRIES, evidence


@dataclass
class CreditTally:
    credits: int = 0
    verified: int = 0
    multi_points: int = 0
    multi_points_wrong: int = 0

    def add(self, brief: Brief, corpus: Corpus, indexer: TermIndexer, failures: list[str]) -> None:
        by_article: dict[int, list[SentenceRecord]] = {}
        for record in corpus.records:
            by_article.setdefault(record.article_id, []).append(record)
        language = {a.id: a.language for a in corpus.articles}
        for point in brief.points:
            wrong = 0
            for ref in point.sources:
                # Content words in the article's own language (its stemmer and stop words).
                own = indexer.for_language(language[ref.article_id])
                ok, _ = credit_holds(point.text, by_article[ref.article_id], own)
                self.credits += 1
                self.verified += ok
                if not ok:
                    wrong += 1
                    failures.append(f"{ref.source}: {point.text[:100]}")
            if len(point.sources) > 1:
                self.multi_points += 1
                self.multi_points_wrong += wrong > 0

    def line(self) -> str:
        share = self.verified / self.credits if self.credits else 1.0
        return (
            f"{self.verified}/{self.credits} credits verifiable ({share:.1%}); points crediting"
            f" more than one article: {self.multi_points}, of which with a wrong credit:"
            f" {self.multi_points_wrong}"
        )


def is_cut(text: str) -> bool:
    stripped = text.rstrip()
    return (
        stripped.endswith(("…", "..."))
        or not stripped.endswith(SENTENCE_ENDS)
        or len(stripped.split()) < MIN_POINT_WORDS
    )


def evidence_field(brief: Brief) -> str:
    refs = [r for p in brief.points for r in p.sources]
    if not refs or not hasattr(refs[0], "evidence"):
        return "not available"
    given = sum(bool(getattr(r, "evidence", None)) for r in refs)
    return f"{given}/{len(refs)} credits name their sentence"


def report_stories(
    name: str, stories: Sequence[Story], indexer: TermIndexer, scorer: rouge_scorer.RougeScorer
) -> list[str]:
    lines = [f"### {name}", ""]
    articles = sum(len(s.corpus.articles) + len(s.corpus.rejected) for s in stories)
    dropped = [reason for s in stories for reason in s.corpus.rejected]
    lines.append(f"- articles: {articles}, dropped: {len(dropped)}")
    # Reasons without the article's name, counted: "not English" x 100 is one line.
    reasons = Counter(re.sub(r"^\S+: ", "", reason) for reason in dropped)
    for reason, times in reasons.most_common(6):
        lines.append(f"  - {times} × {reason[:150]}")
    usable = [s for s in stories if s.corpus.articles]
    if not usable:
        return [*lines, ""]
    tally, failures = CreditTally(), list[str]()
    cut = points = 0
    rouge: list[float] = []
    fields = []
    for story in usable:
        default = summarize(story.corpus, indexer, SelectionLimits(points=6))
        tally.add(default, story.corpus, indexer, failures)
        fields.append(evidence_field(default))
        budgets = [100]
        if story.refs:
            budgets.append(round(statistics.mean(len(r.split()) for r in story.refs)))
        for words in budgets:
            brief = summarize(story.corpus, indexer, SelectionLimits(points=10_000, words=words))
            tally.add(brief, story.corpus, indexer, failures)
            points += len(brief.points)
            cut += sum(is_cut(p.text) for p in brief.points)
            if story.refs and words == budgets[-1]:
                summary = " ".join(" ".join(p.text for p in brief.points).split()[:words])
                rouge.append(
                    statistics.mean(scorer.score(r, summary)["rouge2"].fmeasure for r in story.refs)
                    * 100
                )
    lines.append(f"- credits (default briefs and --words briefs): {tally.line()}")
    for failure in failures[:5]:
        lines.append(f"  - unverifiable: {failure}")
    lines.append(
        f"- --words briefs (100 words, reference length): {cut} of {points} points cut or stubs"
    )
    lines.append(f"- evidence in --format json: {fields[0]}")
    if rouge:
        lines.append(f"- ROUGE-2 F1 at the reference length: {statistics.mean(rouge):.1f}")
    return [*lines, ""]


def subsets_line(indexer: TermIndexer) -> str:
    """How many subsets of the seeds give two points to the Yang statement: counting the
    outlets' leads reporting it (the issue's check), and counting his words too."""
    raws = seed_raws()
    twice: list[tuple[int, ...]] = []
    two_leads = 0
    for size in range(1, len(raws) + 1):
        for subset in itertools.combinations(range(len(raws)), size):
            corpus = build_corpus([raws[i] for i in subset], indexer)
            brief = summarize(corpus, indexer, SelectionLimits(points=6))
            two_leads += sum(bool(YANG_LEAD.search(p.text)) for p in brief.points) > 1
            if sum(bool(YANG.search(p.text)) for p in brief.points) > 1:
                twice.append(subset)
    labels = ", ".join("{" + ",".join(f"{i:03d}" for i in s) + "}" for s in twice) or "none"
    return (
        f"- subsets of the five seeds with two points on Yang's statement: {two_leads} of 31"
        f" counting outlets' leads; {len(twice)} of 31 counting his words too ({labels})"
    )


# Cost: articles that re-report one another.


def re_reports(count: int, indexer: TermIndexer, seed: int = 14) -> Corpus:
    """``count`` articles re-reporting one wire story: each takes the story's sentences, drops
    a word from some, adds attribution to others and leaves a few out, as outlets rewriting
    wire copy do; every sentence has many near-copies and few exact ones."""
    line = (PROJECT / "tests" / "data" / "eval" / "multiling2011_en.jsonl").read_text("utf-8")
    story = max(cluster_articles(line.splitlines()[0], "M000"), key=lambda r: len(r.text))
    sentences = indexer.tokenizer.to_sentences(story.text.replace("\n", " "))
    rng = random.Random(seed)
    raws = []
    for n in range(count):
        rewritten = []
        for sentence in sentences:
            if rng.random() < 0.1:
                continue
            words = sentence.split()
            roll = rng.random()
            if roll < 0.4 and len(words) > 8:
                del words[rng.randrange(1, len(words) - 1)]
            elif roll < 0.7 and sentence.endswith("."):
                words[-1] = words[-1][:-1] + f", {rng.choice(_SAYERS)} said."
            rewritten.append(" ".join(words))
        raws.append(
            RawArticle(
                origin=f"re-report {n}",
                text=" ".join(rewritten),
                source=f"Outlet {n}",
                date=story.date,
            )
        )
    return build_corpus(raws, indexer)


_SAYERS = ("officials", "the agency", "a spokesman", "reports", "witnesses", "the ministry")


def cost_line(count: int, indexer: TermIndexer) -> str:
    """Time one brief of ``count`` re-reports, and the selection stage within it (stage 6:
    near-duplicate collapse, statement links, credit checks), which issue 20 found
    quadratic."""
    corpus = re_reports(count, indexer)
    selecting = [0.0]
    namespace = vars(build)  # build_brief looks select_points up here at each call
    select = namespace["select_points"]

    def timed_select(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return select(*args, **kwargs)
        finally:
            selecting[0] += time.perf_counter() - started

    namespace["select_points"] = timed_select
    try:
        started = time.perf_counter()
        brief = build.build_brief(
            "t", "t", corpus.articles, corpus.records, indexer, SelectionLimits(points=6)
        )
        total = time.perf_counter() - started
    finally:
        namespace["select_points"] = select
    return (
        f"- {count:,} re-reporting articles ({len(corpus.records):,} sentences): brief in"
        f" {total:.1f} s, of which selection {selecting[0]:.1f} s; {len(brief.points)} points"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=PROJECT / "tests" / "data" / "eval")
    parser.add_argument("--scale", type=int, nargs="*", default=[100, 200, 400])
    args = parser.parse_args(argv)
    indexer = TermIndexer(OfflineTokenizer())
    scorer = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True)
    started = time.perf_counter()
    lines = ["## Trust report", ""]
    # rouge-score keeps only [a-z0-9]: other scripts are scored as bench/quality.py does.
    unicode_scorer = rouge_scorer.RougeScorer(["rouge2"], tokenizer=UnicodeWords())
    for name, stories in eval_stories(args.eval, indexer).items():
        english = name.endswith("_en")
        lines.extend(report_stories(name, stories, indexer, scorer if english else unicode_scorer))
    seeds = Story("seeds", build_corpus(seed_raws(), indexer))
    lines.extend(report_stories("seeds", [seeds], indexer, scorer))
    lines.append(subsets_line(indexer))
    lines.append("")
    lines.extend(report_stories("saved pages", [page_story(indexer)], indexer, scorer))
    lines.append("### cost")
    lines.append("")
    for count in args.scale:
        lines.append(cost_line(count, indexer))
    lines.append("")
    lines.append(f"({time.perf_counter() - started:.0f} s in all)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
