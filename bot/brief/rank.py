"""Stage 5, rank: sentence centrality with LexRank, vectorized with sparse matrices.

The semantics are sumy's ``LexRankSummarizer`` step for step, so sumy stays the reference:

- tf: a term's count in the sentence divided by the sentence's highest term count;
- idf: ``log(n / (1 + df))`` with df the number of sentences holding the term;
- edges: idf-modified cosine strictly above 0.1 (self-loops included), 0/1 weights, each row
  divided by its degree (rows of sentences without weighted terms stay empty);
- sumy's power method: start uniform, ``p <- M^T p / |M^T p|`` until the step is at most 0.1.

Unlike sumy's ``__call__``, scores are kept per sentence occurrence, not keyed by text.

Cost. sumy compares all n^2 pairs in Python. Here the cosine is a sparse product ``X X^T`` of
unit-length TF-IDF rows, taken in blocks of rows over the upper triangle; only entries above the
threshold are kept. Work grows with the pairs of sentences sharing any term (sum of df^2 over
terms), all of it in C. Memory is O(nnz(X) + edges + block): blocks are cut, before
multiplying, so that a block holds at most max(``_BLOCK_ENTRIES``, n) float32 product entries:
no n-by-n matrix is ever materialized. Edges (pairs above the threshold, kept once each) are
the graph LexRank needs; for real news they grow near-linearly (about 64 per sentence in a
mixed 19,400-sentence topic). Sentences with identical terms (a wire story carried verbatim by
many outlets) share one node weighted by their count, exactly as sumy would score them, so
copies add no edges; edges grow quadratically only when many distinct sentences all resemble
each other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt

from bot.text.termcodes import IntArray, TermCodes

# sumy's LexRankSummarizer.threshold and .epsilon.
THRESHOLD = 0.1
EPSILON = 0.1
# Personalised PageRank stops within this L1 distance of its fixed point.
PPR_TOLERANCE = 1e-6
# Power iteration stops here whatever the step size; both methods converge long before.
MAX_ITERATIONS = 1000
# Most product entries held at once while building the graph (a float32 and an int32 each).
_BLOCK_ENTRIES = 4_000_000
# Graphs of up to this many distinct sentences are built by NumPy alone (see similarity_graph).
_COUNTED_NODES = 5_000
# Most pair products and sums held at once while NumPy alone builds a graph.
_COUNTED_BLOCK = 32_768
# float32 products are within this of the float64 cosine for sentences of up to ~150 terms.
_FLOAT32_BAND = 1e-5

FloatArray = npt.NDArray[np.float64]


def lexrank_scores(
    terms: Sequence[Sequence[str]],
    bias: Sequence[float] | None = None,
    teleport: float = 0.15,
) -> list[float]:
    """LexRank score of each sentence (given as its terms), in input order.

    Without ``bias`` this is sumy's LexRank (scores form a unit-length vector). With a bias
    (non-negative weights, one per sentence; all zero means none) it is personalised
    PageRank, ``p = (1 - teleport) M^T p + teleport b`` with ``b`` the bias scaled to sum 1,
    and the scores are that distribution (summing to 1).
    """
    n = len(terms)
    if n == 0:
        return []
    b = _bias_vector(bias, n)
    if not 0.0 < teleport <= 1.0:
        raise ValueError(f"teleport must be in (0, 1], not {teleport}")
    coded = TermCodes.of(terms)
    copies, multiplicity = _copies(coded)
    # Sentences with the same terms have the same row and neighbours, hence the same score:
    # rank each distinct row once, weighted by its copies (wire stories repeat verbatim).
    representative = np.zeros(len(multiplicity), dtype=np.int64)
    representative[copies] = np.arange(n)
    graph = similarity_graph(tfidf_rows(coded).take(representative), multiplicity)
    if b is None:
        scores = sumy_power_method(graph)[copies]
    else:
        scores = personalised_pagerank(graph, copies, b, teleport)
    finite: list[float] = np.where(np.isfinite(scores), scores, 0.0).tolist()
    return finite


@dataclass(frozen=True)
class TfidfRows:
    """Sentences as unit-length TF-IDF rows, in compressed sparse row form (NumPy arrays).

    Row i's terms are ``indices[indptr[i]:indptr[i + 1]]`` (vocabulary codes, ascending) with
    weights ``data[...]``; a row without weighted terms is empty.
    """

    indptr: IntArray
    indices: IntArray
    data: FloatArray
    columns: int

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        return len(self.indices)

    def row_of(self) -> IntArray:
        """The row of each stored entry."""
        row_of: IntArray = np.repeat(np.arange(self.n), np.diff(self.indptr))
        return row_of

    def take(self, rows: IntArray) -> TfidfRows:
        """These rows, in this order."""
        lengths = np.diff(self.indptr)[rows]
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        entries = np.repeat(self.indptr[rows] - indptr[:-1], lengths) + np.arange(indptr[-1])
        return TfidfRows(indptr, self.indices[entries], self.data[entries], self.columns)


def tfidf_rows(terms: Sequence[Sequence[str]]) -> TfidfRows:
    """Sentences as unit-length TF-IDF rows (sumy's tf and idf); term-less rows are empty."""
    coded = TermCodes.of(terms)
    n = len(coded)
    # One entry per (sentence, term), holding the term's count, in row then term order.
    keys, counts = np.unique(coded.sentence_of * coded.size + coded.ids, return_counts=True)
    row_of = keys // coded.size
    columns = keys % coded.size
    max_count = np.ones(n)
    np.maximum.at(max_count, row_of, counts.astype(np.float64))
    df = np.bincount(columns, minlength=coded.size)
    idf = np.log(n / (1.0 + df))
    weights = counts / max_count[row_of] * idf[columns]
    norms = np.sqrt(np.bincount(row_of, weights=weights * weights, minlength=n))
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(norms[row_of] > 0, weights / norms[row_of], 0.0)
    kept = unit != 0.0
    lengths = np.bincount(row_of[kept], minlength=n)
    return TfidfRows(
        np.concatenate(([0], np.cumsum(lengths))), columns[kept], unit[kept], coded.size
    )


class Adjacency(Protocol):
    """The symmetric 0/1 adjacency of distinct sentences (self-loops on the diagonal)."""

    def spread(self, y: FloatArray) -> FloatArray:
        """``A y``."""

    def diagonal(self) -> FloatArray:
        """1.0 for each node with a self-loop."""

    def upper_edges(self) -> tuple[IntArray, IntArray]:
        """Each edge once as (i, j), i <= j, in row then column order."""


@dataclass(frozen=True)
class EdgeArrays:
    """A small graph's adjacency as arrays of its edges; ``A y`` is a weighted count."""

    first: IntArray  # edge e is (first[e], second[e]), first[e] <= second[e], row order
    second: IntArray
    nodes: int

    def spread(self, y: FloatArray) -> FloatArray:
        # Summed in the order of a CSR product (row by row), as scipy sums a large graph's.
        loop = self.first == self.second
        spread = (
            np.bincount(self.first, weights=y[self.second], minlength=self.nodes)
            + np.bincount(self.second, weights=y[self.first], minlength=self.nodes)
            - np.bincount(self.first[loop], weights=y[self.first[loop]], minlength=self.nodes)
        )
        return cast(FloatArray, spread)

    def diagonal(self) -> FloatArray:
        loop = self.first == self.second
        return np.bincount(self.first[loop], minlength=self.nodes).astype(np.float64)

    def upper_edges(self) -> tuple[IntArray, IntArray]:
        return self.first, self.second


@dataclass(frozen=True)
class UpperMatrix:
    """A large graph's adjacency as its upper triangle, a ``scipy.sparse`` CSR matrix."""

    upper: Any  # scipy.sparse.csr_matrix (scipy is imported only for large graphs)

    def spread(self, y: FloatArray) -> FloatArray:
        spread: FloatArray = self.upper @ y + self.upper.T @ y - self.diagonal() * y
        return spread

    def diagonal(self) -> FloatArray:
        return np.asarray(self.upper.diagonal(), dtype=np.float64)

    def upper_edges(self) -> tuple[IntArray, IntArray]:
        upper = self.upper.tocsr(copy=True)
        upper.sort_indices()
        rows = np.repeat(np.arange(upper.shape[0]), np.diff(upper.indptr))
        return rows.astype(np.int64), upper.indices.astype(np.int64)


@dataclass(frozen=True)
class SimilarityGraph:
    """LexRank's symmetric 0/1 graph between distinct sentences.

    Node k stands for ``multiplicity[k]`` sentences with identical terms. ``degrees[k]`` is
    the degree of each of node k's sentences in sumy's sentence graph (copies included).
    """

    adjacency: Adjacency
    multiplicity: FloatArray
    self_loops: FloatArray
    degrees: FloatArray

    @classmethod
    def of(cls, adjacency: Adjacency, multiplicity: FloatArray) -> SimilarityGraph:
        """Wrap the adjacency of distinct sentences with their copy counts."""
        self_loops = adjacency.diagonal()
        return cls(adjacency, multiplicity, self_loops, adjacency.spread(multiplicity))

    @property
    def edges(self) -> int:
        """Non-zero entries of the distinct sentences' 0/1 matrix (edges twice, loops once)."""
        first, _ = self.adjacency.upper_edges()
        return int(2 * len(first) - np.count_nonzero(self.self_loops))

    def spread(self, y: FloatArray) -> FloatArray:
        """``A y`` for the symmetric adjacency ``A`` of the distinct sentences."""
        return self.adjacency.spread(y)

    def walk(self, mass: FloatArray) -> FloatArray:
        """Each sentence's value of ``M^T p`` (sumy's ``M``: rows over degree, 0 rows kept).

        ``mass[k]`` is the total of ``p`` over node k's sentences; a node's sentences all get
        the same value, whatever ``p`` is within the node.
        """
        return self.spread(mass / np.maximum(self.degrees, 1.0))


def similarity_graph(
    rows: TfidfRows, multiplicity: FloatArray | None = None, threshold: float = THRESHOLD
) -> SimilarityGraph:
    """Sentence pairs whose cosine is above ``threshold``.

    Up to ``_COUNTED_NODES`` distinct sentences, the products are summed by NumPy alone;
    larger graphs use ``scipy.sparse``'s product, whose import (~0.15 s of CPU: SciPy's
    array-API layer imports all of NumPy) costs more than a small graph's whole product. Both
    find the same edges (tests/test_rank.py holds them equal on real text).
    """
    multiplicity = np.ones(rows.n) if multiplicity is None else multiplicity
    adjacency: Adjacency
    if rows.n <= _COUNTED_NODES:
        adjacency = EdgeArrays(*_edges_by_counting(rows, threshold), rows.n)
    else:
        adjacency = UpperMatrix(_upper_by_sparse_product(rows, threshold))
    return SimilarityGraph.of(adjacency, multiplicity)


def _edges_by_counting(rows: TfidfRows, threshold: float) -> tuple[IntArray, IntArray]:
    """Edges (i <= j, row order) from every pair of entries sharing a term, summed per pair.

    Each stored entry (i, t) meets the entries (j, t) of the rows j >= i holding term t; their
    products are summed per pair (i, j) by ``np.bincount`` into a block of rows by the rows
    after them. Blocks stay small (``_COUNTED_BLOCK`` sums and pairs of entries): a new large
    array costs more in page faults than the arithmetic on it.
    """
    n = rows.n
    row_of = rows.row_of()
    # The entries again, term by term (rows ascending within a term), and where each entry is.
    by_term = np.argsort(rows.indices, kind="stable")
    term_rows, term_values = row_of[by_term], rows.data[by_term]
    term_end = np.cumsum(np.bincount(rows.indices, minlength=rows.columns))
    place = np.empty(rows.nnz, dtype=np.int64)
    place[by_term] = np.arange(rows.nnz)
    # Entry k meets itself and the entries after it in its term's list.
    meets = term_end[rows.indices] - place
    pairs_before = np.concatenate(([0], np.cumsum(meets)))[rows.indptr]  # pairs before row i
    firsts: list[IntArray] = []
    seconds: list[IntArray] = []
    start = 0
    while start < n:
        width = n - start
        fits = int(np.searchsorted(pairs_before, pairs_before[start] + _COUNTED_BLOCK, "right"))
        stop = min(n, start + max(1, _COUNTED_BLOCK // width), max(start + 1, fits - 1))
        entries = np.arange(rows.indptr[start], rows.indptr[stop])
        count = meets[entries]
        entry = np.repeat(entries, count)
        partner = place[entry] + np.arange(len(entry)) - np.repeat(np.cumsum(count) - count, count)
        sums = np.bincount(
            (row_of[entry] - start) * width + (term_rows[partner] - start),
            weights=rows.data[entry] * term_values[partner],
            minlength=(stop - start) * width,
        )
        hit = np.flatnonzero(sums > threshold)
        firsts.append(hit // width + start)
        seconds.append(hit % width + start)
        start = stop
    if not firsts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(firsts), np.concatenate(seconds)


def _upper_by_sparse_product(rows: TfidfRows, threshold: float) -> Any:
    """The upper triangle of the 0/1 graph from ``X X^T`` by ``scipy.sparse``, in row blocks.

    The product runs in float32 on the upper triangle only (cosine is symmetric); pairs within
    float32's error of the threshold are recomputed in float64, so edges match sumy's exactly.
    """
    import scipy.sparse as sp  # here, not at the top: only large graphs pay for scipy

    n = rows.n
    matrix = sp.csr_matrix((rows.data, rows.indices, rows.indptr), shape=(n, rows.columns))
    rows32 = matrix.astype(np.float32)
    row_counts = np.zeros(n, dtype=np.int64)
    columns: list[npt.NDArray[np.int32]] = []
    for start, stop in _blocks(rows):
        product = (rows32[start:stop] @ rows32[start:].T).tocsr()
        # Most entries are pairs sharing only common words: drop them before anything else.
        kept = np.flatnonzero(product.data > threshold - _FLOAT32_BAND)
        r = np.searchsorted(product.indptr, kept, side="right") - 1
        c = product.indices[kept]
        upper = c >= r
        r, c = r[upper], c[upper]
        value = product.data[kept[upper]].astype(np.float64)
        unsure = np.flatnonzero(value <= threshold + _FLOAT32_BAND)
        if len(unsure):
            left, right = matrix[r[unsure] + start], matrix[c[unsure] + start]
            value[unsure] = np.asarray(left.multiply(right).sum(axis=1)).ravel()
        edge = value > threshold
        # Within a block, kept entries are in row order, so rows and columns line up as CSR.
        row_counts[start:stop] = np.bincount(r[edge], minlength=stop - start)
        columns.append((c[edge] + start).astype(np.int32))
    indices = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int32)
    indptr = np.concatenate(([0], np.cumsum(row_counts)))
    return sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, n))


def _blocks(rows: TfidfRows) -> list[tuple[int, int]]:
    """Row ranges whose products with all rows hold at most ``_BLOCK_ENTRIES`` entries.

    A row's product has at most min(n, sum of its terms' df) entries, a bound known before
    multiplying; most blocks hold thousands of rows, a block of one row at most n entries.
    """
    n = rows.n
    df = np.bincount(rows.indices, minlength=rows.columns)
    bound = np.minimum(np.bincount(rows.row_of(), weights=df[rows.indices], minlength=n), n)
    ranges = []
    start, held = 0, 0.0
    for i, entries in enumerate(bound.tolist()):
        if i > start and held + entries > _BLOCK_ENTRIES:
            ranges.append((start, i))
            start, held = i, 0.0
        held += entries
    if start < n:
        ranges.append((start, n))
    return ranges


def sumy_power_method(graph: SimilarityGraph) -> FloatArray:
    """sumy's power method: uniform start, ``p <- M^T p / |M^T p|`` until a step is <= 0.1.

    Returns the score of each distinct sentence; its copies share it.
    """
    m = graph.multiplicity
    p: FloatArray = np.full(len(m), 1.0 / float(m.sum()))
    for _ in range(MAX_ITERATIONS):
        following = graph.walk(m * p)
        norm = _length(following, m)
        if norm == 0.0:
            return np.zeros(len(m))  # no sentence has weighted terms: nothing is central
        following /= norm
        step = _length(following - p, m)
        p = following
        if step <= EPSILON:
            break
    return p


def personalised_pagerank(
    graph: SimilarityGraph, copies: IntArray, bias: FloatArray, teleport: float
) -> FloatArray:
    """Stationary ``p = (1 - teleport) M^T p + teleport b``; sentences without edges jump by b.

    ``copies[i]`` is sentence i's node in the graph; scores are per sentence.
    """
    n = len(copies)
    dangling = graph.degrees == 0
    p: FloatArray = np.full(n, 1.0 / n)
    for _ in range(MAX_ITERATIONS):
        mass = np.bincount(copies, weights=p, minlength=len(graph.degrees)).astype(np.float64)
        # Mass on sentences without edges would leak out of M; it follows the bias instead.
        walked = graph.walk(mass)[copies] + float(mass[dangling].sum()) * bias
        following: FloatArray = (1.0 - teleport) * walked + teleport * bias
        step = float(np.abs(following - p).sum())
        p = following
        # The map contracts by (1 - teleport), so the distance left is at most this.
        if step * (1.0 - teleport) / teleport <= PPR_TOLERANCE:
            break
    return p


def _length(values: FloatArray, copies: FloatArray) -> float:
    """Euclidean length of a vector holding each value ``copies`` times.

    Without BLAS, whose thread start-up costs more than this whole sum.
    """
    return math.sqrt(float((copies * np.square(values)).sum()))


def _copies(terms: TermCodes) -> tuple[IntArray, FloatArray]:
    """Each sentence's group of sentences with identical terms, and each group's size."""
    group: dict[tuple[str, ...], int] = {}
    copies = np.fromiter(
        (group.setdefault(tuple(t), len(group)) for t in terms), dtype=np.int64, count=len(terms)
    )
    return copies, np.bincount(copies, minlength=len(group)).astype(np.float64)


def _bias_vector(bias: Sequence[float] | None, n: int) -> FloatArray | None:
    if bias is None:
        return None
    if len(bias) != n:
        raise ValueError(f"bias has {len(bias)} weights for {n} sentences")
    vector = np.asarray(bias, dtype=np.float64)
    if not np.all(np.isfinite(vector)) or np.any(vector < 0):
        raise ValueError("bias weights must be finite and non-negative")
    total = float(vector.sum())
    return None if total == 0.0 else vector / total
