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

from sumy.summarizers.lex_rank import LexRankSummarizer

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
    """Term weights and an inverted index over the sentences of one brief, by sentence number.

    Finding every near-duplicate of one sentence costs the postings of its terms, not a pass
    over all sentence pairs.
    """

    def __init__(
        self,
        terms: Sequence[Sequence[str]],
        quoted: Sequence[Sequence[Sequence[str]]] = (),
        leads: Mapping[int, dt.date] | None = None,
    ) -> None:
        """Index sentences given as terms, with the terms of each one's quotations (if known)
        and, for sentences that open an article, the day the article was published."""
        self._terms = [tuple(t) for t in terms]
        self._sets = [frozenset(t) for t in terms]
        self._pairs = [frozenset(pairwise(t)) for t in terms]
        self._postings: dict[str, list[int]] = defaultdict(list)
        for i, term_set in enumerate(self._sets):
            for term in term_set:
                self._postings[term].append(i)
        total = max(len(self._sets), 1)
        self._weight = {t: math.log(1.0 + total / len(p)) for t, p in self._postings.items()}
        # LexRank's own tf and idf (sumy's formulas), for the cosine between leads.
        self._tf = [_tf(t) for t in terms]
        self._idf = {t: math.log(total / (1 + len(p))) for t, p in self._postings.items()}
        self._leads = dict(leads or {})
        self._quotes = self._quote_links(quoted)

    def terms(self, i: int) -> frozenset[str]:
        """The distinct terms of sentence ``i``."""
        return self._sets[i]

    def overlap(self, i: int, j: int) -> float:
        """How far sentences ``i`` and ``j`` say the same thing, from 0.0 to 1.0.

        The mean of two containments of the smaller sentence in the larger: of its weighted
        terms, and of its adjacent term pairs (word order; names alone don't make a match).
        """
        a, b = self._sets[i], self._sets[j]
        if min(len(a), len(b)) < MIN_TERMS:
            return 1.0 if a == b and a else 0.0
        lighter = min(self._weigh(a), self._weigh(b))
        terms = self._weigh(a & b) / lighter if lighter > 0 else 0.0
        pa, pb = self._pairs[i], self._pairs[j]
        pairs = len(pa & pb) / min(len(pa), len(pb)) if pa and pb else 0.0
        return (terms + pairs) / 2

    def max_overlap(self, i: int, chosen: Iterable[int]) -> float:
        """Highest overlap between sentence ``i`` and the chosen sentences."""
        return max((self.overlap(i, j) for j in chosen), default=0.0)

    def similar(self, i: int, threshold: float) -> list[int]:
        """Sentences (including ``i``) whose overlap with ``i`` is at least ``threshold``."""
        candidates = self._neighbours(i) | {i}
        return sorted(j for j in candidates if j == i or self.overlap(i, j) >= threshold)

    def cosine(self, i: int, j: int) -> float:
        """LexRank's idf-modified cosine between sentences ``i`` and ``j``."""
        return float(
            LexRankSummarizer.cosine_similarity(
                self._terms[i], self._terms[j], self._tf[i], self._tf[j], self._idf
            )
        )

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
                for j in self._neighbours(lead)
                if j not in group
                and self._leads.get(j) == self._leads[lead]
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

    def _neighbours(self, i: int) -> set[int]:
        """Sentences sharing a term with sentence ``i``: the only ones it can resemble."""
        found: set[int] = set()
        for term in self._sets[i]:
            found.update(self._postings[term])
        return found

    def _quote_links(self, quoted: Sequence[Sequence[Sequence[str]]]) -> dict[int, set[int]]:
        """Both ways, sentence -> sentences it quotes or is quoted by (each quotation's terms
        found in order, side by side, in the other sentence)."""
        links: dict[int, set[int]] = defaultdict(set)
        for i, quotations in enumerate(quoted):
            for quotation in quotations:
                if len(quotation) < MIN_QUOTED_TERMS:
                    continue
                # Only sentences holding the quotation's rarest term can contain it.
                rarest = min(quotation, key=lambda t: len(self._postings.get(t, ())))
                for j in self._postings.get(rarest, ()):
                    if j != i and _contains_run(self._terms[j], tuple(quotation)):
                        links[i].add(j)
                        links[j].add(i)
        return links

    def _weigh(self, terms: Iterable[str]) -> float:
        return sum(self._weight[t] for t in terms)


def _tf(terms: Sequence[str]) -> dict[str, float]:
    counts = Counter(terms)
    most = max(counts.values(), default=1)
    return {t: c / most for t, c in counts.items()}


def _contains_run(terms: Sequence[str], run: tuple[str, ...]) -> bool:
    width = len(run)
    return any(tuple(terms[k : k + width]) == run for k in range(len(terms) - width + 1))
