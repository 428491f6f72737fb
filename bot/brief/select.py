"""Stage 6, select: pick the brief's points from ranked sentences, one point per statement."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.brief.dedupe import CARRIES, LEAD_PARAPHRASE, MIN_TERMS, REDUNDANT, OverlapIndex
from bot.models import Article, DatePrecision, Point, SentenceRecord, SourceRef
from bot.text.clauses import states_something

# A number and the word before it: "stage 13", "killed 32", "magnitude 6.6". LexRank's terms
# hold no numbers, so two sentences differing only in one look alike to the term measures.
_NUMBER_SLOT = re.compile(r"([A-Za-z]+)\s+(\d(?:[\d,.]*\d)?)")
# A sentence reporting what someone said in indirect speech: "A top Chinese official stated
# that ...", "the minister said on Monday that ..." (a direct quotation is no report of words).
_REPORTS_SPEECH = re.compile(
    r"\b(?:said|says|stated|states|told|tells|announced|announces|declared|declares|"
    r"warned|warns|pledged|pledges|vowed|vows)\b[^.;:\"“”]{0,40}?\bthat\b"
)
# The words of a speaker named only after them, without quotation marks: a trailing attribution
# ("..., Yang said.", "..., said the minister.", "..., according to Bloomberg.") or a trailing
# name and title, the way pages print a pull quote whose quotation marks were lost
# ("... direction, Yang Jiechi, Director of the Office of ..."). A sentence that opens with its
# own report ("Bahonar has stated that ...") is another statement, not these words.
_ATTRIBUTED = re.compile(
    r",\s+(?:(?:[\w’'.-]+\s+){1,6}(?:said|says|stated|added)|(?:said|says|added)\s+[^,]{1,60}"
    r"|according to [^,]{1,60})[.!]?[\"”’]?$"
    r"|,\s+(?:[A-Z][\w’'.-]*\s+){1,3}[A-Z][\w’'.-]*,\s+[A-Z][^,]*$"
)
# Scores below this share of the best one count as "never reached by the walk".
UNREACHED_SHARE = 1e-6


@dataclass(frozen=True)
class Strategy:
    """How sentences are ranked and chosen; defaults measured in docs/quality.md."""

    # Position prior: teleport weight exp(-position / decay) (None: sumy's unbiased LexRank).
    position_decay: float | None = 2.0
    # Share of each random-walk step that teleports by the prior.
    teleport: float = 0.3
    # The same for a free-text query: the brief must stay on what was asked.
    query_teleport: float = 0.8
    # MMR: a candidate's score minus this much times its overlap with chosen points.
    redundancy_penalty: float = 0.3
    # Source diversity: a candidate's score shrinks by this share per point already chosen
    # from its article.
    article_penalty: float = 0.5
    # Article leads at or above this cosine report the same news: one point (None: off).
    lead_paraphrase: float | None = LEAD_PARAPHRASE
    # Only this many best-ranked sentences are considered, so MMR stays cheap on big stores.
    candidates: int = 400


@dataclass(frozen=True)
class SelectionLimits:
    """How many points a brief has and which sentences may become one."""

    points: int
    min_words: int = 6
    max_words: int = 70
    # A word budget: whole points, each the best remaining one that still fits (None: none).
    words: int | None = None
    strategy: Strategy = Strategy()


def select_points(
    records: Sequence[SentenceRecord],
    terms: Sequence[Sequence[str]],
    scores: Sequence[float],
    articles: Mapping[int, Article],
    limits: SelectionLimits,
    quoted: Sequence[Sequence[Sequence[str]]] = (),
    language: str = "en",
) -> tuple[Point, ...]:
    """Choose up to ``limits.points`` points (or until ``limits.words``), one per statement.

    Greedy: each round takes the candidate with the best normalised score, less the MMR penalty
    for its overlap with chosen points and the diversity penalty for its article's points.
    A candidate reporting a chosen point's statement (``OverlapIndex.statement``, given the
    terms each sentence ``quoted``) is no new point; each point credits the articles linked to
    it that verifiably carry it. Under ``limits.words`` each round takes the best candidate
    that still fits, so every point is a whole sentence. Points are returned in the order their
    statements first appeared, each with its rank (the order it was chosen in).
    """
    index = OverlapIndex(terms, quoted, leads=_lead_days(records, articles))
    strategy = limits.strategy
    # A sentence the ranking walk never reaches (off a free-text query) is no point; power
    # iteration leaves such sentences a rounding residue, not an exact zero.
    reached = max(scores, default=0.0) * UNREACHED_SHARE
    scored = [
        i
        for i, count in enumerate(index.term_counts())
        if scores[i] > reached and count >= MIN_TERMS
    ]
    # Best score first; ties go to the earlier article date, then the earlier position.
    day = {a: _date_key(article).toordinal() for a, article in articles.items()}
    some = np.array(scored, dtype=np.int64)
    rank_keys = (
        np.fromiter((r.position for r in records), np.float64, len(records))[some],
        np.fromiter((day[r.article_id] for r in records), np.float64, len(records))[some],
        -np.asarray(scores, dtype=np.float64)[some],
    )
    word_counts: dict[int, int] = {}

    def eligible(i: int) -> bool:
        words = word_counts[i] = len(records[i].text.split())
        return (
            limits.min_words <= words <= limits.max_words
            # A caption or list entry ("HMS Cornwall at Zeebrugge in 2006.") states nothing.
            and states_something(records[i].text, language)
        )

    # The sentences that may be points, best first. Only as many are checked as selection
    # reaches (a few hundred of the tens of thousands of a big brief): the sort is stable,
    # so filtering as they are read keeps the order filtering all of them first gives.
    ranked = filter(eligible, some[np.lexsort(rank_keys)].tolist())
    best = next(ranked, None)
    top = (0.0 if best is None else scores[best]) or 1.0
    chosen: list[int] = []
    per_article: Counter[int] = Counter()
    # The candidates in play, each with its highest overlap with a chosen point (updated as
    # points are chosen): the best-ranked ``strategy.candidates`` at a time, refilled from
    # the rest when none of them can be a point (coverage re-reported by hundreds of outlets
    # fills any fixed number of best-ranked places with copies of a few sentences).
    overlap: dict[int, float] = {}
    unused = itertools.chain(() if best is None else (best,), ranked)
    suppressed: set[int] = set()

    def refill() -> bool:
        added = 0
        for i in unused:
            if i in suppressed:
                continue
            overlap[i] = max((index.overlap(i, c) for c in chosen), default=0.0)
            added += 1
            if added == strategy.candidates:
                break
        return added > 0

    # Each chosen point's statement: every sentence reporting it, the point included.
    statements: list[list[int]] = []
    words = 0

    def value(i: int) -> float:
        if overlap[i] >= REDUNDANT:
            return -math.inf
        mmr = scores[i] / top - strategy.redundancy_penalty * overlap[i]
        return mmr * max(0.0, 1.0 - strategy.article_penalty * per_article[records[i].article_id])

    def fits(i: int) -> bool:
        return limits.words is None or words + word_counts[i] <= limits.words

    sentences_of = _sentences_by_article(records)
    # Each chosen point's credits: article -> the sentence(s) in it that carry the point.
    credits: list[dict[int, tuple[int, ...]]] = []
    refill()
    while len(chosen) < limits.points:
        # Under a word budget, the best remaining point that still fits: points stay whole.
        # A candidate that no longer fits or is redundant never will be again.
        for i in [i for i in overlap if not fits(i) or overlap[i] >= REDUNDANT]:
            del overlap[i]
        if not overlap and not refill():
            break
        if not overlap:
            continue
        best = max(overlap, key=value)
        chosen.append(best)
        del overlap[best]
        per_article[records[best].article_id] += 1
        words += word_counts[best]
        article = records[best].article_id
        following = dict(itertools.pairwise(sentences_of[article]))
        preceding = {j: i for i, j in following.items()}
        group = _statement(index, records, best, (preceding, following), strategy)
        credits.append(_verified_credits(index, records, sentences_of, best, group))
        statements.append(group)
        # The statement is no further point: its linked sentences, and in every credited
        # article the sentences that carry it.
        for j in (*group, *(k for carrier in credits[-1].values() for k in carrier)):
            overlap.pop(j, None)
            suppressed.add(j)
        for i in overlap:
            overlap[i] = max(overlap[i], index.overlap(i, best))

    points: list[tuple[tuple[dt.date, int, int], Point]] = []
    for rank, (i, carriers) in enumerate(zip(chosen, credits, strict=True), start=1):
        evidence = {
            a: " ".join(records[j].text for j in carrier) for a, carrier in carriers.items()
        }
        refs = _source_refs(evidence, articles)
        # Only verified credits date a point, so a wrong credit cannot move it earlier.
        first_seen = min(_date_key(articles[ref.article_id]) for ref in refs)
        key = (first_seen, records[i].article_id, records[i].position)
        points.append((key, Point(text=records[i].text, sources=refs, score=scores[i], rank=rank)))
    points.sort(key=lambda kp: kp[0])
    return tuple(p for _, p in points)


def _sentences_by_article(records: Sequence[SentenceRecord]) -> dict[int, list[int]]:
    """Each article's sentence numbers in reading order."""
    by_article: dict[int, list[int]] = {}
    for i, record in enumerate(records):
        by_article.setdefault(record.article_id, []).append(i)
    for numbers in by_article.values():
        # Stored sentences come in reading order already: sorting is for those that don't.
        if any(records[a].position > records[b].position for a, b in itertools.pairwise(numbers)):
            numbers.sort(key=lambda i: records[i].position)
    return by_article


def _statement(
    index: OverlapIndex,
    records: Sequence[SentenceRecord],
    point: int,
    neighbours: tuple[Mapping[int, int], Mapping[int, int]],
    strategy: Strategy,
) -> list[int]:
    """The sentences linked to a point's statement (``OverlapIndex.statement``), and those
    linked to the sentence of its article that gives the speaker's words for it, or that it
    gives the words for (``_backs``).

    News states a statement, then backs it with the speaker's words ("A top official said his
    country will ..." / "'The Chinese side is willing ...,' Yang said."). Outlets that report
    the statement through those words, quoting them or carrying them, report the point; and
    an article's report and the words backing it are one statement, whichever is the point.
    """
    preceding, following = neighbours
    group = set(index.statement(point, strategy.lead_paraphrase))
    after = following.get(point)
    if after is not None and _backs(index, records, point, after):
        group.update(index.statement(after, None))
    # The point may be those words themselves, after the sentence that reports them.
    before = preceding.get(point)
    if before is not None and _backs(index, records, before, point):
        group.update(index.statement(before, None))
    # "Won stage 13" and "won stage 15" are two facts, however alike their words.
    figures = _figures(records[point].text)
    return sorted(j for j in group if not _contradicts(figures, records[j].text))


def _backs(index: OverlapIndex, records: Sequence[SentenceRecord], report: int, words: int) -> bool:
    """True when sentence ``words``, right after ``report`` in one article, gives the words of
    the statement ``report`` makes: it shares a phrase with it, and it quotes someone or holds
    words quoted elsewhere, or ``report`` reports speech and ``words`` names its speaker.

    On the seeds the Campbell River Mirror leads with "A top Chinese official stated that ...
    a new international order ..." and follows with Yang's words, unquoted, ending ", Yang
    Jiechi, Director of the Office ...": one statement, not two points (issue 14).
    """
    if not index.shares_phrase(report, words):
        return False
    if index.quotes(words) or index.quote_links(words):
        return True
    text = records[words].text
    return bool(
        _REPORTS_SPEECH.search(records[report].text)
        and _ATTRIBUTED.search(text)
        and not _REPORTS_SPEECH.search(text)
    )


def _figures(text: str) -> dict[str, set[str]]:
    """The numbers of a sentence, each under the word before it (lower case)."""
    found: dict[str, set[str]] = {}
    for word, number in _NUMBER_SLOT.findall(text):
        found.setdefault(word.lower(), set()).add(number.replace(",", ""))
    return found


def _contradicts(figures: Mapping[str, set[str]], text: str) -> bool:
    """True when ``text`` gives another number where the point gives one ("stage 15" for
    "stage 13") and not the point's."""
    if not figures:
        return False
    other = _figures(text)
    return any(word in other and not numbers & other[word] for word, numbers in figures.items())


def _verified_credits(
    index: OverlapIndex,
    records: Sequence[SentenceRecord],
    sentences_of: Mapping[int, Sequence[int]],
    point: int,
    group: Sequence[int],
) -> dict[int, tuple[int, ...]]:
    """The articles linked to a point that verifiably carry it, each with the sentence(s)
    that do (``CARRIES`` of the point's terms in one sentence or two adjacent ones, or a
    quotation of it); an article that does not is not credited."""
    own = records[point].article_id
    credits: dict[int, tuple[int, ...]] = {own: (point,)}
    for article_id in dict.fromkeys(records[j].article_id for j in group):
        if article_id == own:
            continue
        share, carrier = index.carriage(point, sentences_of[article_id])
        evidence = " ".join(records[j].text for j in carrier)
        if share >= CARRIES and not _contradicts(_figures(records[point].text), evidence):
            credits[article_id] = carrier
    return credits


def _lead_days(
    records: Sequence[SentenceRecord], articles: Mapping[int, Article]
) -> dict[int, dt.date]:
    """Article leads and the day their article came out (when known to the day)."""
    days = {}
    for i, record in enumerate(records):
        if record.position != 0:
            continue
        date = articles[record.article_id].date
        if date.value is not None and date.precision is DatePrecision.DAY:
            days[i] = date.value
    return days


def _date_key(article: Article) -> dt.date:
    return article.date.value or dt.date.max


def _source_refs(
    evidence: Mapping[int, str], articles: Mapping[int, Article]
) -> tuple[SourceRef, ...]:
    ordered = sorted((articles[a] for a in evidence), key=lambda a: (_date_key(a), a.source, a.id))
    return tuple(
        SourceRef(
            article_id=a.id,
            source=a.source,
            title=a.title,
            url=a.url,
            date=a.date,
            evidence=evidence[a.id],
        )
        for a in ordered
    )
