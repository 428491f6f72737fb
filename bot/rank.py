"""Stage 5a, rank: sentence centrality with sumy's LexRank, optionally personalised.

sumy's ``LexRankSummarizer.__call__`` keys ratings by sentence text, so repeated sentences share
one score and carry no source. Here its own steps (tf, idf, thresholded cosine matrix, power
method) run on the term lists directly, so every sentence occurrence keeps its own score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sumy.summarizers.lex_rank import LexRankSummarizer

_MAX_ITERATIONS = 200
_TOLERANCE = 1e-9


def lexrank_scores(
    terms: Sequence[Sequence[str]],
    bias: Sequence[float] | None = None,
    teleport: float = 0.15,
) -> list[float]:
    """LexRank score of each sentence (given as its terms), in input order.

    Without ``bias`` this is sumy's LexRank. With a non-negative ``bias`` (normalised here; all
    zeros count as none) it is personalised PageRank, ``p = (1 - teleport) M^T p + teleport b``.
    """
    if not terms:
        return []
    if len(terms) == 1:
        return [1.0]
    summarizer = LexRankSummarizer()
    sentences = [list(t) for t in terms]
    tf = summarizer._compute_tf(sentences)
    idf = summarizer._compute_idf(sentences)
    matrix = summarizer._create_matrix(sentences, summarizer.threshold, tf, idf)
    weights = _normalised(bias, len(sentences))
    if weights is None:
        scores = summarizer.power_method(matrix, summarizer.epsilon)
    else:
        scores = _personalised(matrix, weights, teleport)
    return [float(s) if math.isfinite(float(s)) else 0.0 for s in scores]


def _normalised(bias: Sequence[float] | None, size: int) -> np.ndarray | None:
    if bias is None:
        return None
    if len(bias) != size:
        raise ValueError(f"bias has {len(bias)} weights for {size} sentences")
    vector = np.clip(np.asarray(bias, dtype=float), 0.0, None)
    total = float(vector.sum())
    return vector / total if total > 0 else None


def _personalised(matrix: np.ndarray, bias: np.ndarray, teleport: float) -> np.ndarray:
    transposed = matrix.T
    # Rows without any edge (sentences with no terms) hand their mass back to the bias.
    dangling = matrix.sum(axis=1) == 0
    p = bias.copy()
    for _ in range(_MAX_ITERATIONS):
        leaked = float(p[dangling].sum())
        following = transposed @ p + leaked * bias
        step: np.ndarray = (1.0 - teleport) * following + teleport * bias
        if float(np.abs(step - p).sum()) < _TOLERANCE:
            return step
        p = step
    return p
