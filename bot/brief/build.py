"""Build a ``Brief`` from stored articles and their stored terms: 5 rank -> 6 select.

Coverage in several languages is ranked within each language (a sentence is only ever compared
with sentences of its own language) and the points of every language are merged into one brief
in the order their statements first appeared, each in its own language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import pairwise

from bot.brief.corroboration import ArticleText, Reports, group_reports
from bot.brief.figures import DatedSentence, figure_reports, find_conflicts
from bot.brief.novelty import earlier_points
from bot.brief.prior import combine, position_prior, query_prior
from bot.brief.rank import lexrank_scores
from bot.brief.select import SelectionLimits, select_points
from bot.models import Article, Brief, DatePrecision, DateRange, Point, SentenceRecord
from bot.text.clauses import statement_positions
from bot.text.termcodes import TermCodes
from bot.text.terms import TermIndexer

# A "what's new" brief chooses among this many times its points before leaving out the earlier.
NEW_ONLY_WIDENING = 3


def build_brief(
    topic: str,
    title: str,
    articles: Sequence[Article],
    records: Sequence[SentenceRecord],
    indexer: TermIndexer,
    limits: SelectionLimits,
    query: str | None = None,
    earlier: Sequence[SentenceRecord] = (),
) -> Brief:
    """Rank every sentence of the articles with LexRank and keep the best distinct statements.

    The walk is biased toward article leads and, given a free-text ``query``, toward sentences
    sharing its terms. Articles in several languages are ranked language by language. Given
    ``earlier`` sentences (of articles before a "what's new" window), points stating what one
    of them already stated are left out (bot/brief/novelty.py).
    """
    # Articles in a language the settings no longer include are left out.
    by_id = {a.id: a for a in articles if a.language in indexer.supported}
    records = [r for r in records if r.article_id in by_id]
    if not records:
        # Articles left with no sentence (all furniture, say) have nothing to rank.
        return Brief(
            topic=topic,
            title=title,
            points=(),
            article_count=len(by_id),
            source_count=len({a.source for a in by_id.values()}),
            date_range=date_range(by_id.values()),
        )
    language_of = {a.id: a.language for a in by_id.values()}
    # Terms are stored at ingest; only sentences stored before that are tokenized here.
    term_lists = [
        r.terms
        if r.terms is not None
        else indexer.for_language(language_of[r.article_id]).terms(r.text)
        for r in records
    ]
    sizes = Counter(language_of[r.article_id] for r in records)
    if len(sizes) <= 1:
        pipeline = indexer.for_language(next(iter(sizes), indexer.code))
        points = _rank_and_select(records, term_lists, by_id, pipeline, limits, query, earlier)
    else:
        points = _merged(
            records, term_lists, by_id, language_of, sizes, indexer, limits, query, earlier
        )
    reports = group_reports(article_texts(records, term_lists, by_id))
    outlets = {a.id: a.source for a in by_id.values()}
    points = tuple(
        dataclasses.replace(
            p, corroboration=reports.corroboration((r.article_id for r in p.sources), outlets)
        )
        for p in points
    )
    return Brief(
        topic=topic,
        title=title,
        points=points,
        article_count=len(by_id),
        source_count=len({a.source for a in by_id.values()}),
        date_range=date_range(by_id.values()),
        figures=find_conflicts(figure_reports(dated_sentences(records, by_id, reports))),
    )


def _rank_and_select(
    records: Sequence[SentenceRecord],
    term_lists: Sequence[Sequence[str]],
    by_id: Mapping[int, Article],
    indexer: TermIndexer,
    limits: SelectionLimits,
    query: str | None,
    earlier: Sequence[SentenceRecord],
) -> tuple[Point, ...]:
    """Rank the sentences of one language and select its points."""
    terms = TermCodes(term_lists)
    strategy = limits.strategy
    leads = None
    if strategy.position_decay is not None:
        positions = statement_positions(records, indexer.code)
        leads = position_prior(records, strategy.position_decay, positions)
    on_query = None if query is None else query_prior(terms, indexer.terms(query))
    bias = combine(leads, on_query)
    teleport = strategy.teleport if query is None else strategy.query_teleport
    scores = lexrank_scores(terms, bias, teleport)
    quoted = indexer.quotations_many([r.text for r in records])
    if earlier:
        # Choose from more candidates, so that leaving out earlier statements still leaves
        # the best new ones.
        wider = dataclasses.replace(limits, points=limits.points * NEW_ONLY_WIDENING)
        chosen = select_points(records, terms, scores, by_id, wider, quoted, language=indexer.code)
        points = only_new(chosen, earlier, indexer, limits.points)
    else:
        points = select_points(records, terms, scores, by_id, limits, quoted, language=indexer.code)
    if indexer.code == "en":
        return points
    return tuple(dataclasses.replace(p, language=indexer.code) for p in points)


def _merged(
    records: Sequence[SentenceRecord],
    term_lists: Sequence[Sequence[str]],
    by_id: Mapping[int, Article],
    language_of: Mapping[int, str],
    sizes: Counter[str],
    indexer: TermIndexer,
    limits: SelectionLimits,
    query: str | None,
    earlier: Sequence[SentenceRecord],
) -> tuple[Point, ...]:
    """Each language ranked on its own, its share of the budget, merged in order of first date."""
    chosen: list[tuple[tuple[dt.date, int, int], Point]] = []
    for code, share in language_shares(sizes, limits).items():
        mine = [i for i, r in enumerate(records) if language_of[r.article_id] == code]
        own = [records[i] for i in mine]
        articles = {r.article_id: by_id[r.article_id] for r in own}
        pipeline = indexer.for_language(code)
        own_terms = [term_lists[i] for i in mine]
        own_points = _rank_and_select(own, own_terms, articles, pipeline, share, query, earlier)
        for order, point in enumerate(own_points):
            first = min((s.date.value or dt.date.max for s in point.sources), default=dt.date.max)
            chosen.append(((first, order, len(chosen)), point))
    chosen.sort(key=lambda kp: kp[0])
    points = [p for _, p in chosen]
    # One ranking across languages for platforms that must shorten a brief: each language's
    # first choice before any language's second, the larger language first at equal rank.
    language_order = {code: i for i, code in enumerate(language_shares(sizes, limits))}
    by_rank = sorted(
        range(len(points)),
        key=lambda i: (points[i].rank or len(points), language_order[points[i].language], i),
    )
    ranks = {i: n for n, i in enumerate(by_rank, start=1)}
    return tuple(dataclasses.replace(p, rank=ranks[i]) for i, p in enumerate(points))


def language_shares(sizes: Counter[str], limits: SelectionLimits) -> dict[str, SelectionLimits]:
    """Each language's points (and words) in proportion to its sentences, at least one each.

    Languages with the most sentences come first; when there are more languages than points,
    the smallest get none. Shares are by largest remainder, so they add up to the whole.
    """
    ranked = [code for code, _ in sizes.most_common()]
    points = _apportion([sizes[c] for c in ranked], limits.points)
    words = None if limits.words is None else _apportion([sizes[c] for c in ranked], limits.words)
    return {
        code: dataclasses.replace(
            limits, points=points[i], words=None if words is None else words[i]
        )
        for i, code in enumerate(ranked)
        if points[i] > 0
    }


def _apportion(weights: Sequence[int], total: int) -> list[int]:
    """``total`` split by ``weights``: one each first (while it lasts), the rest by largest
    remainder."""
    floor = [1 if i < total else 0 for i in range(len(weights))]
    left = total - sum(floor)
    whole = sum(weights) or 1
    exact = [left * w / whole for w in weights]
    shares = [f + int(e) for f, e in zip(floor, exact, strict=True)]
    rest = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (int(exact[i]) - exact[i], i))
    for i in by_remainder[:rest]:
        shares[i] += 1
    return shares


def only_new(
    points: Sequence[Point], earlier: Sequence[SentenceRecord], indexer: TermIndexer, keep: int
) -> tuple[Point, ...]:
    """The best ``keep`` points (by score) that no earlier sentence stated, in their order."""
    old = earlier_points(
        points,
        [indexer.terms(p.text) for p in points],
        [indexer.quotations(p.text) for p in points],
        [r.terms if r.terms is not None else indexer.terms(r.text) for r in earlier],
        [indexer.quotations(r.text) for r in earlier],
    )
    new = [p for p, is_old in zip(points, old, strict=True) if not is_old]
    best = set(map(id, sorted(new, key=lambda p: -p.score)[:keep]))
    return tuple(p for p in new if id(p) in best)


def article_texts(
    records: Sequence[SentenceRecord],
    terms: Sequence[Sequence[str]],
    articles: Mapping[int, Article],
) -> list[ArticleText]:
    """Each article's sentences and their terms in reading order, for copy detection."""
    numbers: dict[int, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        numbers[record.article_id].append(i)
    texts = []
    for article_id, own in numbers.items():
        # Stored sentences come in reading order already: sorting is for those that don't.
        if any(records[a].position >= records[b].position for a, b in pairwise(own)):
            own.sort(key=lambda i: (records[i].position, records[i].text, tuple(terms[i])))
        texts.append(
            ArticleText(
                articles[article_id],
                tuple(records[i].text for i in own),
                tuple(tuple(terms[i]) for i in own),
            )
        )
    return texts


def dated_sentences(
    records: Sequence[SentenceRecord], articles: Mapping[int, Article], reports: Reports
) -> Iterator[DatedSentence]:
    """Sentences to read figures from, with the day their article came out: those of
    articles dated to the day (``figure_reports`` reads no other)."""
    for record in records:
        article = articles[record.article_id]
        day = article.date.value if article.date.precision is DatePrecision.DAY else None
        if day is None:
            continue  # figures are read from dated sentences only (``figure_reports``)
        yield DatedSentence(
            record.article_id,
            article.source,
            day,
            record.text,
            reports.report_of.get(record.article_id, -record.article_id),
        )


def date_range(articles: Iterable[Article]) -> DateRange | None:
    """First and last known publication dates, or None when no article is dated."""
    dated = [a.date for a in articles if a.date.value is not None]
    if not dated:
        return None
    dated.sort(key=lambda d: d.value or dt.date.min)
    return DateRange(first=dated[0], last=dated[-1])
