"""Heavily re-reported coverage: many articles rewording the same few real news stories.

Outlets re-reporting a wire story carry its sentences with small edits: a word dropped or
swapped, an attribution added. Built from the MultiLing 2011 WikiNews clusters (real text, CC
BY), so every sentence is a near-duplicate of many others and none is an exact copy: the worst
case for near-duplicate collapse and credit linking.

    python bench/rereported.py 2000 > rereported.jsonl
    briefbot summarize rereported.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from bot.text.split import OfflineTokenizer

MULTILING = Path(__file__).resolve().parents[1] / "tests/data/eval/multiling2011_en.jsonl"
ATTRIBUTIONS = ("Officials said", "Reports say", "According to agencies,", "Witnesses said")


def rereported_docs(count: int, clusters: int = 1, seed: int = 7) -> list[dict[str, str]]:
    """``count`` JSONL-cluster documents re-reporting the first ``clusters`` MultiLing stories."""
    rng = random.Random(seed)
    tokenizer = OfflineTokenizer("english")
    pools = []
    for line in MULTILING.read_text(encoding="utf-8").splitlines()[:clusters]:
        story = json.loads(line)
        sentences = [s for d in story["docs"] for s in tokenizer.to_sentences(d["text"])]
        pools.append([s for s in sentences if len(s.split()) >= 8])
    docs = []
    for n in range(count):
        pool = pools[n % len(pools)]
        picked = rng.sample(pool, min(len(pool), 12))
        text = " ".join(_reworded(s, rng) for s in picked)
        docs.append({"docid": f"outlet-{n}", "date": f"2004-12-{1 + n % 28:02d}", "text": text})
    return docs


def _reworded(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    edit = rng.randrange(4)
    if edit == 0 and len(words) > 8:
        del words[rng.randrange(1, len(words) - 1)]
    elif edit == 1 and len(words) > 8:
        i = rng.randrange(1, len(words) - 2)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif edit == 2:
        words = [rng.choice(ATTRIBUTIONS), words[0].lower(), *words[1:]]
    return " ".join(words)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="articles to write")
    parser.add_argument("--clusters", type=int, default=1, help="MultiLing stories re-reported")
    args = parser.parse_args()
    docs = rereported_docs(args.count, args.clusters)
    sys.stdout.write(json.dumps({"id": "rereported", "docs": docs}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
