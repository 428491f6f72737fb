"""Sentence terms as integer codes, computed once per brief and shared by rank and dedupe."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain
from typing import overload

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


class TermCodes(Sequence[Sequence[str]]):
    """The term lists of n sentences, plus every term's vocabulary code in one flat array.

    It is still the sequence of term lists, so it can be passed wherever terms are expected;
    code that understands it skips a second pass of dictionary look-ups over all terms.
    """

    def __init__(self, terms: Sequence[Sequence[str]]) -> None:
        self._terms = terms
        # Every loop here runs in C (dict.fromkeys, map, fromiter): this is per term of a brief.
        self.vocabulary: tuple[str, ...] = tuple(dict.fromkeys(chain.from_iterable(terms)))
        # Each term's code (the index of its place in ``vocabulary``).
        self.code: dict[str, int] = {term: i for i, term in enumerate(self.vocabulary)}
        code = self.code
        self.lengths: IntArray = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        self.ids: IntArray = np.fromiter(
            map(code.__getitem__, chain.from_iterable(terms)),
            dtype=np.int64,
            count=int(self.lengths.sum()),
        )
        self.starts: IntArray = np.concatenate(([0], np.cumsum(self.lengths)))
        self.sentence_of: IntArray = np.repeat(np.arange(len(terms)), self.lengths)

    @staticmethod
    def of(terms: Sequence[Sequence[str]]) -> TermCodes:
        """``terms`` coded, reusing the codes when they already are."""
        return terms if isinstance(terms, TermCodes) else TermCodes(terms)

    @property
    def size(self) -> int:
        """Vocabulary size, at least 1 so it can serve as a radix."""
        return max(len(self.vocabulary), 1)

    def codes(self, i: int) -> IntArray:
        """The codes of sentence ``i``'s terms, in order."""
        return self.ids[self.starts[i] : self.starts[i + 1]]

    def __len__(self) -> int:
        return len(self._terms)

    def __iter__(self) -> Iterator[Sequence[str]]:
        # The term lists' own iterator: Sequence's would call __getitem__ once per sentence.
        return iter(self._terms)

    @overload
    def __getitem__(self, index: int) -> Sequence[str]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Sequence[str]]: ...

    def __getitem__(self, index: int | slice) -> Sequence[str] | Sequence[Sequence[str]]:
        return self._terms[index]
