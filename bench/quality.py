"""ROUGE of briefbot's summaries against human references, beside three baselines.

Run from the project folder (about two minutes on one core):

    .venv/bin/python bench/quality.py            # prints the tables
    .venv/bin/python bench/quality.py --write    # also writes them into docs/quality.md
    .venv/bin/python bench/quality.py --languages-only   # only the per-language table

Data: the MultiLing 2011 English pilot (10 WikiNews clusters of 10 articles, 3 references each),
``tests/data/eval/multiling2011_en.jsonl``. Every system's summary is cut to the cluster's mean
reference length in words; ROUGE-1/2/L F1 (with stemming) is averaged over the references, then
over clusters; the interval is a 95% bootstrap over clusters.

Per language: the same ten stories in all seven MultiLing 2011 languages
(``tests/data/eval/multiling2011_{en,ar,cs,el,fr,he,hi}.jsonl``), each against its own
language's references, briefbot beside lead and lead-each. rouge-score's tokenizer keeps only
``[a-z0-9]`` and would score every Arabic, Greek, Hebrew or Hindi summary as empty, so this
table tokenizes every language alike: runs of Unicode letters, combining marks and digits,
lower-cased, no stemming (there is no stemmer for every language, and one for some would make
the languages incomparable).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import regex
from rouge_score import rouge_scorer
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from bot.brief.corpus import Corpus, build_corpus
from bot.brief.select import SelectionLimits, Strategy
from bot.brief.summarize import summarize
from bot.ingest.inputs import cluster_articles
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT / "tests" / "data" / "eval" / "multiling2011_en.jsonl"
DOC = PROJECT / "docs" / "quality.md"
METRICS = ("rouge1", "rouge2", "rougeL")
BOOTSTRAP_SAMPLES = 2000
BRIEFBOT = "briefbot"
CV_START, CV_END = "<!-- crossval:start -->", "<!-- crossval:end -->"
# Values tried by --cross-validate, each combined with all the others.
GRID: dict[str, tuple[float, ...]] = {
    "position_decay": (1.0, 2.0, 3.0, 4.0),
    "teleport": (0.15, 0.3, 0.6),
    "redundancy_penalty": (0.0, 0.3),
    "article_penalty": (0.0, 0.3, 0.5),
}
TABLE_START, TABLE_END = "<!-- bench:start -->", "<!-- bench:end -->"
LANG_START, LANG_END = "<!-- languages:start -->", "<!-- languages:end -->"
MULTILING_LANGUAGES = ("en", "ar", "cs", "el", "fr", "he", "hi")


def language_data(code: str) -> Path:
    """The MultiLing 2011 file of one language."""
    return PROJECT / "tests" / "data" / "eval" / f"multiling2011_{code}.jsonl"


class UnicodeWords:
    """A ROUGE tokenizer for every script: letters with their marks, and digits, lower-cased."""

    _WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")

    def tokenize(self, text: str) -> list[str]:
        """The words of ``text``."""
        return [w.lower() for w in self._WORD.findall(text)]


@dataclass(frozen=True)
class Cluster:
    """One story: its prepared articles, raw document texts and reference summaries."""

    id: str
    corpus: Corpus
    texts: tuple[str, ...]
    refs: tuple[str, ...]

    @property
    def budget(self) -> int:
        """The mean reference length in words: every summary is cut to it."""
        return round(statistics.mean(len(r.split()) for r in self.refs))


System = Callable[[Cluster], list[str]]


def load_clusters(path: Path, indexer: TermIndexer) -> list[Cluster]:
    """Read and prepare every cluster of the JSONL file."""
    clusters = []
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        raws = cluster_articles(line, data["id"])
        clusters.append(
            Cluster(
                id=data["id"],
                corpus=build_corpus(raws, indexer),
                texts=tuple(r.text for r in raws),
                refs=tuple(data["refs"]),
            )
        )
    return clusters


def _sentences_by_article(cluster: Cluster) -> list[list[str]]:
    """Each article's sentences in reading order, articles oldest first."""
    by_article: dict[int, list[str]] = {a.id: [] for a in cluster.corpus.articles}
    for record in cluster.corpus.records:
        by_article[record.article_id].append(record.text)
    order = sorted(cluster.corpus.articles, key=lambda a: (a.date.value or dt.date.max, a.id))
    return [by_article[a.id] for a in order]


def lead(cluster: Cluster) -> list[str]:
    """The latest article's first sentences (then the next latest, if it runs out)."""
    return [s for sentences in reversed(_sentences_by_article(cluster)) for s in sentences]


def lead_each(cluster: Cluster) -> list[str]:
    """First sentence of each article (oldest first), then each second sentence, and so on."""
    articles = _sentences_by_article(cluster)
    depth = max(len(a) for a in articles)
    return [a[i] for i in range(depth) for a in articles if i < len(a)]


def sumy_lexrank(tokenizer: OfflineTokenizer) -> System:
    """sumy's LexRankSummarizer as shipped, on the raw texts, best sentences until the budget."""

    def run(cluster: Cluster) -> list[str]:
        paragraphs = [
            Paragraph([Sentence(s, tokenizer) for s in tokenizer.to_sentences(line)])
            for text in cluster.texts
            for line in text.splitlines()
            if line.strip()
        ]
        summarizer = LexRankSummarizer(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")

        def until_budget(ranked: Sequence[object]) -> list[object]:
            words = 0
            kept = []
            for info in ranked:
                if words >= cluster.budget:
                    break
                kept.append(info)
                words += len(str(info.sentence).split())  # type: ignore[attr-defined]
            return kept

        best = summarizer(ObjectDocumentModel(paragraphs), until_budget)
        return [str(s) for s in best]

    return run


def briefbot(indexer: TermIndexer, strategy: Strategy) -> System:
    """briefbot's brief of the cluster, with a word budget, under one selection strategy."""

    def run(cluster: Cluster) -> list[str]:
        limits = SelectionLimits(points=10_000, words=cluster.budget, strategy=strategy)
        return [p.text for p in summarize(cluster.corpus, indexer, limits).points]

    return run


def briefbot_last_point_cut(indexer: TermIndexer) -> System:
    """briefbot's points by rank until the budget is reached, shown in reading order, so that
    ``cut`` trims (or drops) whichever comes last by date, not the lowest-ranked: what
    ``--words`` gave before points were kept whole (issue 14), for comparison."""

    def run(cluster: Cluster) -> list[str]:
        limits = SelectionLimits(points=10_000, strategy=Strategy())
        brief = summarize(cluster.corpus, indexer, limits)
        kept, words = set(), 0
        for point in sorted(brief.points, key=lambda p: p.rank):
            if words >= cluster.budget:
                break
            kept.add(point.rank)
            words += len(point.text.split())
        return [p.text for p in brief.points if p.rank in kept]

    return run


def cut(sentences: Sequence[str], words: int) -> str:
    """The summary's first ``words`` words."""
    return " ".join(" ".join(sentences).split()[:words])


@dataclass(frozen=True)
class Score:
    """Mean F1 per metric over clusters, with a 95% bootstrap interval."""

    mean: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]


PerCluster = list[dict[str, float]]


def score_clusters(
    system: System, clusters: Sequence[Cluster], scorer: rouge_scorer.RougeScorer
) -> PerCluster:
    """Each cluster's F1 per metric (x100), averaged over its references."""
    per_cluster = []
    for cluster in clusters:
        summary = cut(system(cluster), cluster.budget)
        by_ref = [scorer.score(ref, summary) for ref in cluster.refs]
        per_cluster.append(
            {m: statistics.mean(s[m].fmeasure for s in by_ref) * 100 for m in METRICS}
        )
    return per_cluster


def _bootstrap(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and 95% percentile interval over resampled clusters (fixed seed: same draws always)."""
    rng = random.Random(20110101)
    means = sorted(
        statistics.mean(rng.choice(values) for _ in values) for _ in range(BOOTSTRAP_SAMPLES)
    )
    low = means[int(0.025 * BOOTSTRAP_SAMPLES)]
    high = means[int(0.975 * BOOTSTRAP_SAMPLES) - 1]
    return statistics.mean(values), low, high


def aggregate(per_cluster: PerCluster) -> Score:
    """Mean over clusters with its bootstrap interval, per metric."""
    mean, low, high = {}, {}, {}
    for m in METRICS:
        mean[m], low[m], high[m] = _bootstrap([c[m] for c in per_cluster])
    return Score(mean, low, high)


def paired_difference(ours: PerCluster, theirs: PerCluster, metric: str) -> str:
    """'+0.9 [0.1, 1.7]': mean per-cluster difference with a paired bootstrap interval."""
    mean, low, high = _bootstrap([a[metric] - b[metric] for a, b in zip(ours, theirs, strict=True)])
    wins = sum(a[metric] > b[metric] for a, b in zip(ours, theirs, strict=True))
    return f"{mean:+.1f} [{low:+.1f}, {high:+.1f}], better on {wins}/{len(ours)} clusters"


def row(name: str, score: Score) -> str:
    """A Markdown table row: mean and interval per metric."""
    cells = [f"{score.mean[m]:.1f} [{score.low[m]:.1f}, {score.high[m]:.1f}]" for m in METRICS]
    return f"| {name} | " + " | ".join(cells) + " |"


def main(argv: Sequence[str] | None = None) -> int:
    """Run every system and variant, print the tables, optionally write them to the docs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--write", action="store_true", help=f"update {DOC.relative_to(PROJECT)}")
    parser.add_argument(
        "--languages-only",
        action="store_true",
        help="only the per-language table (MultiLing 2011 in seven languages)",
    )
    parser.add_argument(
        "--cross-validate",
        action="store_true",
        help="instead: leave-one-story-out choice of the strategy over a grid (several minutes)",
    )
    args = parser.parse_args(argv)
    started, cpu_started = time.perf_counter(), time.process_time()
    tokenizer = OfflineTokenizer("english")
    indexer = TermIndexer(tokenizer)
    languages = "\n".join((LANG_START, *language_table(indexer), LANG_END))
    print(languages)
    if args.write:
        replace_section(LANG_START, LANG_END, languages)
    if args.languages_only:
        return 0
    started, cpu_started = time.perf_counter(), time.process_time()
    clusters = load_clusters(args.data, indexer)
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    if args.cross_validate:
        report = "\n".join((CV_START, *cross_validate(clusters, indexer, scorer), CV_END))
        print(report)
        if args.write:
            replace_section(CV_START, CV_END, report)
        return 0
    header = "| system | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 |\n|---|---|---|---|"
    systems: dict[str, System] = {
        "lead (latest article)": lead,
        "lead-each": lead_each,
        "sumy LexRankSummarizer": sumy_lexrank(tokenizer),
        BRIEFBOT: briefbot(indexer, Strategy()),
        "briefbot, last point cut at the budget (former --words)": briefbot_last_point_cut(indexer),
    }
    results = {name: score_clusters(system, clusters, scorer) for name, system in systems.items()}
    main_rows = [row(name, aggregate(per_cluster)) for name, per_cluster in results.items()]
    ours = results[BRIEFBOT]
    differences = [
        f"- briefbot − {name}, ROUGE-2: {paired_difference(ours, results[name], 'rouge2')}"
        for name in systems
        if name != BRIEFBOT
    ]
    ablation_rows = [
        row(name, aggregate(score_clusters(briefbot(indexer, strategy), clusters, scorer)))
        for name, strategy in ablations().items()
    ]
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    report = "\n".join(
        (
            TABLE_START,
            f"Command: `.venv/bin/python bench/quality.py --write` · {dt.date.today()} · "
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()} · "
            f"sumy {version('sumy')}, rouge-score {version('rouge-score')}, numpy "
            f"{version('numpy')} · {len(clusters)} clusters, "
            f"{seconds:.0f} s wall, {cpu_seconds:.0f} s CPU",
            "",
            header,
            *main_rows,
            "",
            "Paired differences (mean over clusters, 95% paired bootstrap interval):",
            "",
            *differences,
            "",
            "Ablation (briefbot, one change at a time from the default strategy):",
            "",
            header,
            *ablation_rows,
            TABLE_END,
        )
    )
    print(report)
    if args.write:
        replace_section(TABLE_START, TABLE_END, report)
    return 0


def language_table(indexer: TermIndexer) -> list[str]:
    """ROUGE per language: briefbot, lead and lead-each, and briefbot's lead over lead-each."""
    started = time.perf_counter()
    scorer = rouge_scorer.RougeScorer(list(METRICS), tokenizer=UnicodeWords())
    rows = []
    wins = 0
    # Every language's clusters scored twice, whole points and the former cut last point, for
    # one paired comparison over all of them (English here without stemming, like the rest).
    whole_all: PerCluster = []
    cut_all: PerCluster = []
    for code in MULTILING_LANGUAGES:
        clusters = load_clusters(language_data(code), indexer)
        ours_system = briefbot(indexer, Strategy())
        summaries = [ours_system(c) for c in clusters]
        empty = sum(not s for s in summaries)
        short = sum(
            len(cut(s, c.budget).split()) < c.budget
            for s, c in zip(summaries, clusters, strict=True)
        )
        ours = score_clusters(ours_system, clusters, scorer)
        first = score_clusters(lead, clusters, scorer)
        each = score_clusters(lead_each, clusters, scorer)
        former = score_clusters(briefbot_last_point_cut(indexer), clusters, scorer)
        whole_all.extend(ours)
        cut_all.extend(former)
        mean = {m: statistics.mean(c[m] for c in ours) for m in METRICS}
        r2_lead = statistics.mean(c["rouge2"] for c in first)
        r2_each = statistics.mean(c["rouge2"] for c in each)
        wins += mean["rouge2"] > r2_each
        rows.append(
            f"| {code} | {r2_lead:.1f} | {r2_each:.1f} | {mean['rouge1']:.1f} | "
            f"{mean['rouge2']:.1f} | {mean['rougeL']:.1f} | "
            f"{paired_difference(ours, each, 'rouge2')} | "
            f"{paired_difference(ours, former, 'rouge2').split(', better')[0]} | "
            f"{empty}/{len(clusters)} | {short}/{len(clusters)} |"
        )
    return [
        f"Command: `.venv/bin/python bench/quality.py --languages-only --write` · "
        f"{dt.date.today()} · rouge-score {version('rouge-score')} with a Unicode word "
        f"tokenizer, no stemming · {time.perf_counter() - started:.0f} s wall",
        "",
        "| language | lead R-2 | lead-each R-2 | briefbot R-1 | briefbot R-2 | briefbot R-L "
        "| briefbot − lead-each, R-2 (95% paired bootstrap) "
        "| whole points − last point cut, R-2 | empty summaries "
        "| summaries short of the budget |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"briefbot beats lead-each on ROUGE-2 in {wins} of {len(MULTILING_LANGUAGES)} languages.",
        f"Whole points − last point cut (the former `--words`), ROUGE-2 over all "
        f"{len(whole_all)} clusters of the seven languages: "
        f"{paired_difference(whole_all, cut_all, 'rouge2')}.",
    ]


def replace_section(start: str, end: str, report: str) -> None:
    """Replace the text between two marker comments of the quality doc (markers included)."""
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    DOC.write_text(head + report + tail, encoding="utf-8")


def strategy_grid() -> list[Strategy]:
    """Every combination of the GRID values, the other fields at their defaults."""
    return [
        dataclasses.replace(Strategy(), **dict(zip(GRID, values, strict=True)))  # type: ignore[arg-type]
        for values in itertools.product(*GRID.values())
    ]


def cross_validate(
    clusters: Sequence[Cluster], indexer: TermIndexer, scorer: rouge_scorer.RougeScorer
) -> list[str]:
    """Pick the best grid strategy on all stories but one, score it on that one; repeat."""
    started = time.perf_counter()
    r2 = {
        strategy: [
            c["rouge2"] for c in score_clusters(briefbot(indexer, strategy), clusters, scorer)
        ]
        for strategy in strategy_grid()
    }
    baseline = [c["rouge2"] for c in score_clusters(lead_each, clusters, scorer)]
    held_out: list[float] = []
    picks: Counter[str] = Counter()
    for k in range(len(clusters)):
        best = max(r2, key=lambda s: statistics.mean(v for i, v in enumerate(r2[s]) if i != k))
        held_out.append(r2[best][k])
        picks[", ".join(f"{f} {getattr(best, f):g}" for f in GRID)] += 1
    difference = paired_difference(
        [{"rouge2": v} for v in held_out], [{"rouge2": v} for v in baseline], "rouge2"
    )
    return [
        f"Command: `.venv/bin/python bench/quality.py --cross-validate --write` · "
        f"{dt.date.today()} · {len(r2)} strategies × {len(clusters)} stories, "
        f"{time.perf_counter() - started:.0f} s",
        "",
        "- ROUGE-2 of each story under the strategy best on the other stories: "
        f"{statistics.mean(held_out):.1f} (lead-each: {statistics.mean(baseline):.1f}; "
        f"the default strategy: {statistics.mean(r2[Strategy()]):.1f})",
        f"- held-out − lead-each, ROUGE-2: {difference}",
        "- strategies chosen (times): "
        + "; ".join(f"{name} ({n})" for name, n in picks.most_common()),
    ]


def ablations() -> dict[str, Strategy]:
    """The default strategy with one idea switched off or changed at a time."""
    default = Strategy()

    def change(**fields: float | None) -> Strategy:
        return dataclasses.replace(default, **fields)  # type: ignore[arg-type]

    name = (
        f"default: lead prior decay {default.position_decay:g}, teleport {default.teleport:g}, "
        f"MMR {default.redundancy_penalty:g}, article diversity {default.article_penalty:g}"
    )
    return {
        name: default,
        "no position prior (sumy's unbiased LexRank)": change(position_decay=None),
        "position decay 1": change(position_decay=1.0),
        "position decay 4": change(position_decay=4.0),
        "teleport 0.15": change(teleport=0.15),
        "teleport 0.6": change(teleport=0.6),
        "no MMR penalty": change(redundancy_penalty=0.0),
        "no article diversity": change(article_penalty=0.0),
        "article diversity 0.3 (the earlier default)": change(article_penalty=0.3),
        "neither MMR nor article diversity": change(redundancy_penalty=0.0, article_penalty=0.0),
        "no same-day lead paraphrase link": change(lead_paraphrase=None),
        "same-day lead paraphrase at cosine 0.2": change(lead_paraphrase=0.2),
        "foundation selector (unbiased LexRank, redundancy cut-off only)": change(
            position_decay=None, redundancy_penalty=0.0, article_penalty=0.0
        ),
    }


if __name__ == "__main__":
    sys.exit(main())
