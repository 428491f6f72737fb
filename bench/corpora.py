"""Real text for the benchmark, from files that ship with the project, beside it, or in packages.

Every unit is a distinct piece of real writing; nothing is repeated to reach a size:
- the project's seed articles (China-Russia coverage, 2022),
- the MultiLing 2011 WikiNews clusters in ``../shared/eval`` (CC BY),
- gensim's test data: the Lee news corpora (``lee.cor``, ``lee_background.cor``; Australian
  Broadcasting Corporation news, 2001) and a shortened English Wikipedia dump, whose articles
  are cut at their section headings into article-sized pieces of prose.
"""

from __future__ import annotations

import bz2
import json
import re
from collections.abc import Iterator
from pathlib import Path

import gensim
from gensim.corpora.wikicorpus import extract_pages, filter_wiki

from bot.load import article_files, load_file, read_manifest
from bot.models import RawArticle

REPO = Path(__file__).resolve().parents[1]
# CI lays shared/ beside the clone; a worktree sits one folder deeper.
MULTILING = next(
    (p for p in (d / "shared/eval/multiling2011_en.jsonl" for d in REPO.parents[:2]) if p.exists()),
    REPO.parent / "shared/eval/multiling2011_en.jsonl",
)
GENSIM_DATA = Path(gensim.__file__).parent / "test" / "test_data"
WIKI_DUMP = GENSIM_DATA / "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"

_HEADING = re.compile(r"^=+\s*(.*?)\s*=+\s*$")
_MARKUP = re.compile(r"'{2,}")
_PROSE_LINE = re.compile(r"^[A-Z\"'(].{120,}[.!?\"”)]$")


def news_articles() -> list[RawArticle]:
    """Every real news article available: seeds, MultiLing, Lee (454 in all)."""
    return [*seed_articles(), *multiling_articles(), *lee_articles()]


def seed_articles() -> list[RawArticle]:
    """The project's five seed articles, loaded as the bot loads them."""
    folder = REPO / "seeds"
    manifest = read_manifest(folder)
    return [load_file(p, 2_000_000, manifest) for p in article_files([folder])]


def multiling_articles() -> list[RawArticle]:
    """The 100 WikiNews articles of the MultiLing 2011 evaluation set."""
    articles = []
    for line in MULTILING.read_text(encoding="utf-8").splitlines():
        cluster = json.loads(line)
        for doc in cluster["docs"]:
            articles.append(
                RawArticle(
                    origin=f"multiling/{doc['docid']}",
                    text=doc["text"],
                    title=doc["title"],
                    source="WikiNews",
                )
            )
    return articles


def lee_articles() -> list[RawArticle]:
    """The Lee corpora's news articles, one per line."""
    articles = []
    for name in ("lee.cor", "lee_background.cor"):
        lines = (GENSIM_DATA / name).read_text(encoding="utf-8", errors="replace").splitlines()
        for number, text in enumerate(lines):
            if text.strip():
                articles.append(
                    RawArticle(origin=f"gensim/{name}#{number}", text=text, source="ABC (Lee)")
                )
    return articles


def wiki_pieces(min_chars: int) -> list[RawArticle]:
    """Wikipedia articles cut at section headings into pieces of at least ``min_chars`` of prose."""
    pieces = []
    with bz2.open(WIKI_DUMP) as dump:
        for title, markup, _page_id in extract_pages(dump):
            for number, text in enumerate(_pieces(filter_wiki(markup), min_chars)):
                pieces.append(
                    RawArticle(
                        origin=f"enwiki/{title}#{number}",
                        text=text,
                        title=title,
                        source="Wikipedia",
                    )
                )
    return pieces


def wiki_paragraphs(min_chars: int) -> list[RawArticle]:
    """Every Wikipedia prose paragraph of at least ``min_chars``, each as its own article."""
    paragraphs = []
    with bz2.open(WIKI_DUMP) as dump:
        for title, markup, _page_id in extract_pages(dump):
            lines = (_MARKUP.sub("", line).strip() for line in filter_wiki(markup).splitlines())
            for number, line in enumerate(lines):
                if len(line) >= min_chars and _PROSE_LINE.match(line):
                    paragraphs.append(
                        RawArticle(
                            origin=f"enwiki/{title}¶{number}",
                            text=line,
                            title=title,
                            source="Wikipedia",
                        )
                    )
    return paragraphs


def _pieces(plain: str, min_chars: int) -> Iterator[str]:
    buffer: list[str] = []
    for line in plain.splitlines():
        line = _MARKUP.sub("", line).strip()
        if _HEADING.match(line) and sum(map(len, buffer)) >= min_chars:
            yield "\n".join(buffer)
            buffer = []
        elif _PROSE_LINE.match(line):
            buffer.append(line)
    if sum(map(len, buffer)) >= min_chars:
        yield "\n".join(buffer)
