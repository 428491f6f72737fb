"""Near-duplicate detection between sentences, on their LexRank terms.

Two sentences say the same thing when most of the shorter one is in the longer one, both as
distinctive terms (weighted by inverse sentence frequency over the sentences being briefed, so
words every sentence of a story shares, "China", "Russia", count little) and as adjacent term
pairs (so a shared cast of names alone is not a match). A quote carried by three outlets, each
with its own attribution around it, becomes one point with three sources.

Outlets also report one statement in their own words, which term overlap misses. Two more links
join such sentences into one statement: a sentence that quotes words of another (in quotation
marks) reports it, and the leads of two articles published the same day that are close in
LexRank's idf-modified cosine report the same news. The cosine link is kept that narrow because
it is weak evidence: on the evaluation stories, leads of different days about different facts
("won stage 13", "won stage 15") score far higher than the seeds' paraphrased leads.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

import numpy as np

from bot.text.termcodes import TermCodes

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
        self._pairs: dict[int, frozenset[tuple[str, str]]] = {}
        # LexRank's own idf (sumy's formula), for the cosine between leads.
        self._df = dict(zip(coded.vocabulary, df.tolist(), strict=True))
        self._count = n
        self._leads = dict(leads or {})
        self._quotes = self._quote_links(quoted)

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
        a, b = self.terms(i), self.terms(j)
        if min(len(a), len(b)) < MIN_TERMS:
            return 1.0 if a == b and a else 0.0
        lighter = min(self._weigh(a), self._weigh(b))
        terms = self._weigh(a & b) / lighter if lighter > 0 else 0.0
        pa, pb = self._pair_set(i), self._pair_set(j)
        pairs = len(pa & pb) / min(len(pa), len(pb)) if pa and pb else 0.0
        return (terms + pairs) / 2

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

    def statement(self, i: int, lead_paraphrase: float | None = LEAD_PARAPHRASE) -> list[int]:
        """Sentences (including ``i``) reporting the same statement as sentence ``i``.

        Copies (overlap of at least SAME_STATEMENT) and quotations join transitively; then
        every lead among them brings the same day's leads paraphrasing it (cosine of at least
        ``lead_paraphrase``; None: no cosine links) with their own copies and quotations.
        Cosine links are not chained, so a day's leads do not all melt into one statement.
        """
        group = self._strict_closure([i])
        if lead_paraphrase is not None:
            paraphrases = [
                j
                for lead in sorted(group.intersection(self._leads))
                for j, day in self._leads.items()
                if j not in group
                and day == self._leads[lead]
                and self.cosine(lead, j) >= lead_paraphrase
            ]
            group |= self._strict_closure(paraphrases)
        return sorted(group)

    def _strict_closure(self, start: Iterable[int]) -> set[int]:
        group = set(start)
        todo = list(group)
        while todo:
            k = todo.pop()
            for j in (*self.similar(k, SAME_STATEMENT), *self._quotes.get(k, ())):
                if j not in group:
                    group.add(j)
                    todo.append(j)
        return group

    def _quote_links(self, quoted: Sequence[Sequence[Sequence[str]]]) -> dict[int, set[int]]:
        """Both ways, sentence -> sentences it quotes or is quoted by (each quotation's terms
        found in order, side by side, in the other sentence)."""
        links: dict[int, set[int]] = defaultdict(set)
        if not any(quoted):
            return links
        coded = self._coded
        code = {term: k for k, term in enumerate(coded.vocabulary)}
        # Term occurrences sorted by term code: the sentences holding a term are one slice.
        by_term = np.argsort(coded.ids, kind="stable")
        sorted_ids = coded.ids[by_term]
        for i, quotations in enumerate(quoted):
            for quotation in quotations:
                if len(quotation) < MIN_QUOTED_TERMS or not all(t in code for t in quotation):
                    continue
                # Only sentences holding the quotation's rarest term can contain it.
                rarest = min(quotation, key=lambda t: self._df[t])
                lo, hi = np.searchsorted(sorted_ids, [code[rarest], code[rarest] + 1])
                holders = np.unique(coded.sentence_of[by_term[lo:hi]])
                for j in holders.tolist():
                    if j != i and _contains_run(coded[j], tuple(quotation)):
                        links[i].add(j)
                        links[j].add(i)
        return links

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
    width = len(run)
    return any(tuple(terms[k : k + width]) == run for k in range(len(terms) - width + 1))
