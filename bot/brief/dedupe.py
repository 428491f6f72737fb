"""Near-duplicate detection between sentences, on their LexRank terms, and verified credits.

Two sentences say the same thing when most of the shorter one is in the longer one, both as
distinctive terms (weighted by inverse sentence frequency over the sentences being briefed, so
words every sentence of a story shares, "China", "Russia", count little) and as adjacent term
pairs (so a shared cast of names alone is not a match), and when they are of comparable length
(a short sentence whose few words all occur in a long one is not the long one's statement).
A quote carried by three outlets, each with its own attribution around it, becomes one point
with three sources.

Outlets also report one statement in their own words, which term overlap misses. Two more links
join such sentences to a point: a sentence that quotes words of another (in quotation marks)
reports it, and the leads of two articles published the same day that are close in LexRank's
idf-modified cosine and share a phrase report the same news. The cosine link is kept that narrow
because it is weak evidence: on the evaluation stories, leads of different days about different
facts ("won stage 13", "won stage 15") score far higher than the seeds' paraphrased leads.

Every link is to the point itself, never through another sentence: chains let one generic
sentence join unrelated articles to a point. And a link only proposes a credit: an article is
credited for a point only when it verifiably carries it (``carrier``).

Cost. Links are looked up for the chosen points only, each in time linear in the postings of its
term pairs and quotations (identical quotations are matched once), so a brief of thousands of
articles re-reporting each other costs a few postings scans per point, not a closure over every
copy.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from itertools import pairwise

import numpy as np

from bot.text.termcodes import IntArray, TermCodes

# Sentences at or above this overlap are the same statement: one point, every source credited.
SAME_STATEMENT = 0.6
# No two points of one brief may overlap this much or more (the brief's redundancy bound).
REDUNDANT = 0.45
# Below this many distinct terms a sentence is too short to compare reliably.
MIN_TERMS = 4
# Two same-day article leads at or above this idf-modified cosine report the same news. Measured
# (docs/quality.md): the seeds' paraphrased same-day leads score 0.29, the evaluation stories'
# same-day leads about different facts at most 0.26. A thin margin: see the docs.
LEAD_PARAPHRASE = 0.27
# A quotation must keep this many terms once stop words are gone to be looked for elsewhere.
MIN_QUOTED_TERMS = 2
# Containment only makes two sentences one statement when the shorter has at least this share of
# the longer's distinct terms: "He has been linked to the Aug. 7 bombing" is not a long point
# about another attack because its few words occur there.
COMPARABLE_LENGTH = 0.5
# A credited article holds one sentence, or two adjacent ones, carrying at least this share of
# the point's distinct terms (its content words), or it quotes the point's quotation.
CARRIES = 0.6


class OverlapIndex:
    """Term weights and a term-pair index over the sentences of one brief, by sentence number.

    Built with a few vectorized passes over all terms; term sets are made only for sentences
    actually compared. Finding every near-duplicate of one sentence scans the array of adjacent
    term pairs (rare, unlike single words such as "China") in C, never sentence pairs in Python.
    """

    def __init__(
        self,
        terms: Sequence[Sequence[str]],
        quoted: Sequence[Sequence[Sequence[str]]] = (),
        leads: Mapping[int, dt.date] | None = None,
    ) -> None:
        """Index sentences given as terms, with the terms of each one's quotations (if known)
        and, for sentences that open an article, the day the article was published."""
        coded = TermCodes.of(terms)
        self._coded = coded
        n, size = len(coded), coded.size
        keys = np.sort(coded.sentence_of * size + coded.ids)
        distinct = keys[np.flatnonzero(np.diff(keys, prepend=-1))]  # each (sentence, term) once
        df = np.bincount(distinct % size, minlength=size)
        self._distinct_counts = np.bincount(distinct // size, minlength=n)
        weights = np.log(1.0 + max(n, 1) / np.maximum(df, 1))
        self._weight: dict[str, float] = dict(zip(coded.vocabulary, weights.tolist(), strict=True))
        within = coded.sentence_of[1:] == coded.sentence_of[:-1]
        self._pair_keys = (coded.ids[:-1] * size + coded.ids[1:])[within]
        self._pair_sentence = coded.sentence_of[1:][within]
        self._sets: dict[int, frozenset[str]] = {}
        self._weights: dict[int, float] = {}
        self._overlaps: dict[tuple[int, int], float] = {}
        self._quote_links: dict[int, set[int]] = {}
        # Each sentence's first sentence with the very same terms.
        first: dict[tuple[str, ...], int] = {}
        self._canonical = [first.setdefault(tuple(t), k) for k, t in enumerate(coded)]
        self._pairs: dict[int, frozenset[tuple[str, str]]] = {}
        # LexRank's own idf (sumy's formula), for the cosine between leads.
        self._df = dict(zip(coded.vocabulary, df.tolist(), strict=True))
        self._count = n
        self._leads = dict(leads or {})
        self._leads_by_day: dict[dt.date, list[int]] = defaultdict(list)
        for lead, day in sorted(self._leads.items()):
            self._leads_by_day[day].append(lead)
        self._index_quotations(quoted)

    def term_count(self, i: int) -> int:
        """How many distinct terms sentence ``i`` has."""
        return int(self._distinct_counts[i])

    def term_counts(self) -> list[int]:
        """How many distinct terms each sentence has."""
        counts: list[int] = self._distinct_counts.tolist()
        return counts

    def terms(self, i: int) -> frozenset[str]:
        """The distinct terms of sentence ``i``."""
        found = self._sets.get(i)
        if found is None:
            found = self._sets[i] = frozenset(self._coded[i])
        return found

    def _pair_set(self, i: int) -> frozenset[tuple[str, str]]:
        found = self._pairs.get(i)
        if found is None:
            found = self._pairs[i] = frozenset(pairwise(self._coded[i]))
        return found

    def overlap(self, i: int, j: int) -> float:
        """How far sentences ``i`` and ``j`` say the same thing, from 0.0 to 1.0.

        The mean of two containments of the smaller sentence in the larger: of its weighted
        terms, and of its adjacent term pairs (word order; names alone don't make a match).
        """
        # Sentences with identical terms (wire copy carried verbatim) overlap alike: each pair
        # of distinct wordings is compared once.
        i, j = self._canonical[i], self._canonical[j]
        key = (i, j) if i <= j else (j, i)
        found = self._overlaps.get(key)
        if found is not None:
            return found
        a, b = self.terms(i), self.terms(j)
        if min(len(a), len(b)) < MIN_TERMS:
            found = 1.0 if a == b and a else 0.0
        else:
            lighter = min(self._set_weight(i), self._set_weight(j))
            terms = self._weigh(a & b) / lighter if lighter > 0 else 0.0
            pa, pb = self._pair_set(i), self._pair_set(j)
            pairs = len(pa & pb) / min(len(pa), len(pb)) if pa and pb else 0.0
            found = (terms + pairs) / 2
        self._overlaps[key] = found
        return found

    def _set_weight(self, i: int) -> float:
        found = self._weights.get(i)
        if found is None:
            found = self._weights[i] = self._weigh(self.terms(i))
        return found

    def max_overlap(self, i: int, chosen: Iterable[int]) -> float:
        """Highest overlap between sentence ``i`` and the chosen sentences."""
        return max((self.overlap(i, j) for j in chosen), default=0.0)

    def similar(self, i: int, threshold: float) -> list[int]:
        """Sentences (including ``i``) whose overlap with ``i`` is at least ``threshold``.

        Above 0.5 a match must share an adjacent term pair with ``i`` (the pair containment is
        at least ``2 * threshold - 1`` > 0), so only the pair postings are candidates; a short
        sentence only matches its own term set.
        """
        if threshold <= 0.5:
            raise ValueError("similar() needs a threshold above 0.5")
        coded = self._coded
        own = coded.codes(i)
        if self.term_count(i) < MIN_TERMS:
            # Short sentences match only their own term set: candidates hold its first term.
            hits = coded.sentence_of[coded.ids == own[0]] if len(own) else np.zeros(0)
        else:
            pair_keys = own[:-1] * coded.size + own[1:]
            hits = self._pair_sentence[np.isin(self._pair_keys, pair_keys)]
        candidates = {i, *hits.tolist()}
        return sorted(j for j in candidates if j == i or self.overlap(i, j) >= threshold)

    def cosine(self, i: int, j: int) -> float:
        """LexRank's idf-modified cosine between sentences ``i`` and ``j``."""
        a, b = self._coded[i], self._coded[j]
        idf = {t: math.log(self._count / (1 + self._df[t])) for t in {*a, *b}}
        return idf_modified_cosine(a, b, _tf(a), _tf(b), idf)

    def same_statement(self, i: int, j: int) -> bool:
        """True when ``i`` and ``j`` are near-copies: overlap of at least SAME_STATEMENT between
        sentences of comparable length."""
        a, b = self.term_count(i), self.term_count(j)
        if min(a, b) < COMPARABLE_LENGTH * max(a, b):
            return False
        return self.overlap(i, j) >= SAME_STATEMENT

    def statement(self, i: int, lead_paraphrase: float | None = LEAD_PARAPHRASE) -> list[int]:
        """Sentences (including ``i``) linked directly to sentence ``i``'s statement.

        Near-copies of ``i`` (``same_statement``), sentences quoting words ``i`` holds or
        holding words ``i`` quotes, and, when ``i`` is an article lead, the leads of articles
        published the same day that paraphrase it (cosine of at least ``lead_paraphrase`` and
        an adjacent term pair in common; None: no cosine links). Never through a chain.
        """
        group = {j for j in self.similar(i, SAME_STATEMENT) if self.same_statement(i, j)}
        group.add(i)
        group.update(self.quote_links(i))
        day = self._leads.get(i)
        if lead_paraphrase is not None and day is not None:
            group.update(
                j
                for j in self._leads_by_day.get(day, ())
                if j not in group
                and self.cosine(i, j) >= lead_paraphrase
                and self.shares_phrase(i, j)
            )
        return sorted(group)

    def shares_phrase(self, i: int, j: int) -> bool:
        """True when sentences ``i`` and ``j`` have an adjacent term pair in common."""
        return not self._pair_set(i).isdisjoint(self._pair_set(j))

    def carriage(self, point: int, candidates: Sequence[int]) -> tuple[float, tuple[int, ...]]:
        """How much of the point the best of ``candidates`` carries, and which sentences.

        ``candidates`` are one article's sentences in reading order (sentence numbers of this
        index). The share is of the point's distinct terms found in one sentence or in two
        adjacent ones. A sentence quoting the point's words, or holding the words it quotes,
        carries it whole; it is returned with the best sentences by terms when those carry
        ``CARRIES`` too (an article's paraphrase of the point beside its quotation).
        """
        wanted = self.terms(point)
        if not wanted:
            return 0.0, ()
        quoting = self.quote_links(point)
        # The fewest sentences that carry it: a sentence alone when one does, else the best
        # one or adjacent pair (a pair must not take in a neighbour's different statement).
        single_best, pair_best = 0.0, 0.0
        single: tuple[int, ...] = ()
        pair: tuple[int, ...] = ()
        quotes: list[int] = []
        previous: frozenset[str] = frozenset()
        for k, j in enumerate(candidates):
            if j == point:
                return 1.0, (j,)
            if j in quoting:
                quotes.append(j)
            own = self.terms(j) & wanted
            share = len(own) / len(wanted)
            if share > single_best:
                single_best, single = share, (j,)
            if k:
                share = len(own | previous) / len(wanted)
                if share > pair_best:
                    pair_best, pair = share, (candidates[k - 1], j)
            previous = own
        best, carrier = single_best, single
        if single_best < CARRIES and pair_best > single_best:
            best, carrier = pair_best, pair
        if not quotes:
            return best, carrier
        by_terms = carrier if best >= CARRIES else ()
        return 1.0, tuple(sorted({*by_terms, *quotes}, key=candidates.index))

    def quotes(self, i: int) -> bool:
        """True when sentence ``i`` quotes a statement (a quotation of several words)."""
        return i in self._quotes_of

    def quote_links(self, i: int) -> set[int]:
        """Sentences holding words sentence ``i`` quotes, or quoting words ``i`` holds."""
        found = self._quote_links.get(i)
        if found is not None:
            return found
        linked: set[int] = set()
        for q in self._quotes_of.get(i, ()):
            linked.update(self._holders(q))
        # The quotations ``i`` holds: their terms found in its own, in order, side by side.
        own = self.terms(i)
        for q, quotation in enumerate(self._quotations):
            if quotation[0] in own and _contains_run(self._coded[i], quotation):
                linked.update(self._quoting[q])
        linked.discard(i)
        self._quote_links[i] = linked
        return linked

    def _index_quotations(self, quoted: Sequence[Sequence[Sequence[str]]]) -> None:
        """Which sentences quote each distinct quotation (one entry however many sentences
        quote it: a wire quote carried by hundreds of outlets).

        Which sentences hold a quotation is looked for only when a link of a sentence is asked
        for (``quote_links``): for the few sentences selection asks about, not for every
        quotation of a big brief.
        """
        self._quotations: list[tuple[str, ...]] = []
        self._quoting: list[list[int]] = []
        self._quotes_of: dict[int, list[int]] = defaultdict(list)
        self._holders_found: dict[int, list[int]] = {}
        if not any(quoted):
            return
        quoters: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, quotations in enumerate(quoted):
            for quotation in quotations:
                if len(quotation) >= MIN_QUOTED_TERMS:
                    quoters[tuple(quotation)].append(i)
        for quotation, quoting in quoters.items():
            if not all(t in self._df for t in quotation):
                continue  # a term no sentence holds: no sentence holds the quotation
            q = len(self._quoting)
            self._quotations.append(quotation)
            self._quoting.append(quoting)
            for i in dict.fromkeys(quoting):
                self._quotes_of[i].append(q)

    def _holders(self, q: int) -> list[int]:
        """The sentences holding quotation ``q``: its terms in order, side by side."""
        found = self._holders_found.get(q)
        if found is not None:
            return found
        quotation = self._quotations[q]
        coded = self._coded
        # Only sentences holding the quotation's rarest term can contain it.
        rarest = self._coded.code[min(quotation, key=lambda t: self._df[t])]
        lo, hi = np.searchsorted(self._sorted_ids, [rarest, rarest + 1])
        found = self._holders_found[q] = [
            j
            for j in np.unique(coded.sentence_of[self._by_term[lo:hi]]).tolist()
            if _contains_run(coded[j], quotation)
        ]
        return found

    @cached_property
    def _by_term(self) -> IntArray:
        """Term occurrences sorted by term code: the sentences holding a term are one slice."""
        return np.argsort(self._coded.ids, kind="stable")

    @cached_property
    def _sorted_ids(self) -> IntArray:
        return self._coded.ids[self._by_term]

    def _weigh(self, terms: Iterable[str]) -> float:
        return sum(self._weight[t] for t in terms)


def idf_modified_cosine(
    a: Sequence[str],
    b: Sequence[str],
    tf_a: Mapping[str, float],
    tf_b: Mapping[str, float],
    idf: Mapping[str, float],
) -> float:
    """sumy's ``LexRankSummarizer.cosine_similarity``, term for term and in its order.

    Written out here because importing sumy's summarizer imports NLTK (~1.5 s at start-up);
    a test holds the two equal.
    """
    words_a, words_b = frozenset(a), frozenset(b)
    numerator = 0.0
    for term in words_a & words_b:
        numerator += tf_a[term] * tf_b[term] * idf[term] ** 2
    norm_a = sum((tf_a[t] * idf[t]) ** 2 for t in words_a)
    norm_b = sum((tf_b[t] * idf[t]) ** 2 for t in words_b)
    if norm_a > 0 and norm_b > 0:
        return numerator / (math.sqrt(norm_a) * math.sqrt(norm_b))
    return 0.0


def _tf(terms: Sequence[str]) -> dict[str, float]:
    counts = Counter(terms)
    most = max(counts.values(), default=1)
    return {t: c / most for t, c in counts.items()}


def _contains_run(terms: Sequence[str], run: tuple[str, ...]) -> bool:
    width, head = len(run), run[0]
    return any(term == head and tuple(terms[k : k + width]) == run for k, term in enumerate(terms))
