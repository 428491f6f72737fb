"""Near-duplicate detection between sentences, on their LexRank terms.

Two sentences say the same thing when most of the shorter one is in the longer one, both as
distinctive terms (weighted by inverse sentence frequency over the sentences being briefed, so
words every sentence of a story shares, "China", "Russia", count little) and as adjacent term
pairs (so a shared cast of names alone is not a match). A quote carried by three outlets, each
with its own attribution around it, becomes one point with three sources.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain, pairwise

# Sentences at or above this overlap are the same statement: one point, every source credited.
SAME_STATEMENT = 0.6
# No two points of one brief may overlap this much or more (the brief's redundancy bound).
REDUNDANT = 0.45
# Below this many distinct terms a sentence is too short to compare reliably.
MIN_TERMS = 4


class OverlapIndex:
    """Term weights and inverted indexes over the sentences of one brief, by sentence number.

    Finding every near-duplicate of one sentence costs the postings of its adjacent term pairs
    (rare, unlike single words such as "China"), not a pass over all sentences.
    """

    def __init__(self, terms: Sequence[Sequence[str]]) -> None:
        self._sets = [frozenset(t) for t in terms]
        self._pairs = [frozenset(pairwise(t)) for t in terms]
        total = max(len(self._sets), 1)
        frequency = Counter(chain.from_iterable(self._sets))
        self._weight = {t: math.log(1.0 + total / df) for t, df in frequency.items()}
        self._pair_postings: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._short: dict[frozenset[str], list[int]] = defaultdict(list)
        for i, (term_set, pairs) in enumerate(zip(self._sets, self._pairs, strict=True)):
            if len(term_set) < MIN_TERMS:
                self._short[term_set].append(i)
            for pair in pairs:
                self._pair_postings[pair].append(i)

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
        """Sentences (including ``i``) whose overlap with ``i`` is at least ``threshold``.

        Above 0.5 a match must share an adjacent term pair with ``i`` (the pair containment is
        at least ``2 * threshold - 1`` > 0), so only the pair postings are candidates; a short
        sentence only matches its own term set.
        """
        if threshold <= 0.5:
            raise ValueError("similar() needs a threshold above 0.5")
        if len(self._sets[i]) < MIN_TERMS:
            return sorted(self._short[self._sets[i]]) if self._sets[i] else [i]
        candidates: set[int] = {i}
        for pair in self._pairs[i]:
            candidates.update(self._pair_postings[pair])
        return sorted(j for j in candidates if j == i or self.overlap(i, j) >= threshold)

    def _weigh(self, terms: Iterable[str]) -> float:
        return sum(self._weight[t] for t in terms)
