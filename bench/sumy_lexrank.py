"""Stock sumy LexRank over article files, as a user would run sumy: one process, start-up included.

    python bench/sumy_lexrank.py -n 5 FILE...

Each file's lines are its paragraphs; sentences and words are stock sumy's (sumy's own
``Tokenizer("english")`` needs NLTK's punkt data, which is not installed and must not be
downloaded, so ``bot.text.split.OfflineTokenizer``, which gives the same sentences and words
offline, stands in for it: see tests/test_split.py). The stemmer and stop words are sumy's
own, through sumy's own imports (``import nltk`` included), and the ranking is sumy's
``LexRankSummarizer``. Prints the summary sentences, then a line ``sentences: N`` and a line
``ranking seconds: S``, the wall time of the summarizer's call alone (ranking only: no start-up,
no reading or splitting of the files).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from bot.text.split import OfflineTokenizer


def main() -> None:
    """Summarize the files with sumy's LexRank."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--sentences", type=int, default=5)
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    tokenizer = OfflineTokenizer()
    paragraphs = []
    for path in args.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            sentences = [Sentence(s, tokenizer) for s in tokenizer.to_sentences(line)]
            if sentences:
                paragraphs.append(Paragraph(sentences))
    document = ObjectDocumentModel(paragraphs)
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    started = time.perf_counter()
    chosen = summarizer(document, args.sentences)
    ranking = time.perf_counter() - started
    for sentence in chosen:
        print(sentence)
    print(f"sentences: {len(document.sentences)}")
    print(f"ranking seconds: {ranking:.4f}")


if __name__ == "__main__":
    main()
