"""Real text for the benchmark, from files that ship with the project, beside it, or in packages.

Every unit is a distinct piece of real writing; nothing is repeated to reach a size:
- the project's seed articles (China-Russia coverage, 2022),
- the MultiLing 2011 WikiNews clusters in ``../shared/eval`` (CC BY),
- gensim's test data: the Lee news corpora (``lee.cor``, ``lee_background.cor``; Australian
  Broadcasting Corporation news, 2001) and a shortened English Wikipedia dump (its prose cut
  into article-sized pieces, or taken paragraph by paragraph),
- Python's own language reference (``pydoc_data``), paragraph by paragraph.
"""

from __future__ import annotations

import bz2
import json
import re
from pathlib import Path
from pydoc_data.topics import topics as pydoc_topics

import gensim
from gensim.corpora.wikicorpus import extract_pages, filter_wiki

from bot.ingest.load import article_files, load_file, read_manifest
from bot.models import RawArticle

REPO = Path(__file__).resolve().parents[1]
MULTILING = REPO / "tests" / "data" / "eval" / "multiling2011_en.jsonl"
GENSIM_DATA = Path(gensim.__file__).parent / "test" / "test_data"
WIKI_DUMP = GENSIM_DATA / "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"

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


def wiki_pieces(count: int) -> list[RawArticle]:
    """Wikipedia articles cut at paragraph ends into ``count`` pieces of about equal size.

    Pieces never span two Wikipedia articles; the piece size is the largest that yields
    ``count`` pieces, so the pieces hold all of the sample's prose.
    """
    articles = _wiki_paragraphs()
    low, high = 1, 1_000_000  # piece size in characters: pieces(low) >= count > pieces(high)
    while high - low > 1:
        middle = (low + high) // 2
        if sum(len(_chunks(p, middle)) for _, p in articles) >= count:
            low = middle
        else:
            high = middle
    pieces = [
        RawArticle(
            origin=f"enwiki/{title}#{number}",
            text="\n".join(chunk),
            title=title,
            source="Wikipedia",
        )
        for title, paragraphs in articles
        for number, chunk in enumerate(_chunks(paragraphs, low))
    ]
    if len(pieces) < count:
        raise ValueError(f"the Wikipedia sample makes only {len(pieces)} pieces")
    return pieces[:count]


def wiki_paragraphs() -> list[RawArticle]:
    """Every Wikipedia prose paragraph, each as its own article."""
    return [
        RawArticle(origin=f"enwiki/{title}¶{n}", text=text, title=title, source="Wikipedia")
        for title, paragraphs in _wiki_paragraphs()
        for n, text in enumerate(paragraphs)
    ]


def python_doc_paragraphs() -> list[RawArticle]:
    """Prose paragraphs of the Python language reference, shipped with Python (pydoc_data)."""
    paragraphs = []
    for topic, text in sorted(pydoc_topics.items()):
        for n, block in enumerate(re.split(r"\n\s*\n", text)):
            paragraph = " ".join(block.split())
            if _PROSE_LINE.match(paragraph):
                paragraphs.append(
                    RawArticle(origin=f"pydoc/{topic}¶{n}", text=paragraph, source="Python docs")
                )
    return paragraphs


def _wiki_paragraphs() -> list[tuple[str, list[str]]]:
    """(title, prose paragraphs) of every article in the Wikipedia sample that has prose."""
    articles = []
    with bz2.open(WIKI_DUMP) as dump:
        for title, markup, _page_id in extract_pages(dump):
            lines = (_MARKUP.sub("", line).strip() for line in filter_wiki(markup).splitlines())
            paragraphs = [line for line in lines if _PROSE_LINE.match(line)]
            if paragraphs:
                articles.append((title, paragraphs))
    return articles


def _chunks(paragraphs: list[str], size: int) -> list[list[str]]:
    """Consecutive paragraphs grouped into chunks of at least ``size`` characters."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for paragraph in paragraphs:
        current.append(paragraph)
        if sum(map(len, current)) >= size:
            chunks.append(current)
            current = []
    if current:
        if chunks:
            chunks[-1].extend(current)  # a short tail joins the previous chunk
        else:
            chunks.append(current)
    return chunks
