"""Stage 5a, rank: sentence centrality with sumy's LexRank.

sumy's ``LexRankSummarizer.__call__`` keys ratings by sentence text, so repeated sentences share
one score and carry no source. Here its own steps (tf, idf, thresholded cosine matrix, power
method) run on the term lists directly, so every sentence occurrence keeps its own score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sumy.summarizers.lex_rank import LexRankSummarizer


def lexrank_scores(terms: Sequence[Sequence[str]]) -> list[float]:
    """LexRank score of each sentence (given as its terms), in input order."""
    if not terms:
        return []
    if len(terms) == 1:
        return [1.0]
    summarizer = LexRankSummarizer()
    sentences = [list(t) for t in terms]
    tf = summarizer._compute_tf(sentences)
    idf = summarizer._compute_idf(sentences)
    matrix = summarizer._create_matrix(sentences, summarizer.threshold, tf, idf)
    scores = summarizer.power_method(matrix, summarizer.epsilon)
    return [float(s) if math.isfinite(float(s)) else 0.0 for s in scores]
