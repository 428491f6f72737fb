"""Read the files ``briefbot summarize`` is given: plain text, HTML pages and JSONL clusters.

Unlike ingest, nothing is stored: each file becomes one or more ``RawArticle`` for the pipeline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from bot.load import TEXT_SUFFIXES, LoadError, decode_text, load_file, parse_date
from bot.models import ArticleDate, RawArticle

HTML_SUFFIXES = frozenset({".html", ".htm"})
CLUSTER_SUFFIXES = frozenset({".jsonl"})
# MultiLing dates look like '20041229.6': a day, then a fraction of it.
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.\d+)?$")


def read_inputs(
    paths: Iterable[Path], max_bytes: int, cluster_id: str | None = None
) -> list[RawArticle]:
    """Every article in the given files, in order; raise LoadError on the first bad file.

    With ``cluster_id``, JSONL files contribute only the cluster with that ``id``.
    """
    articles: list[RawArticle] = []
    clusters_seen = False
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            articles.append(load_file(path, max_bytes))
        elif suffix in HTML_SUFFIXES:
            articles.append(_html_article(path, _read(path, max_bytes)))
        elif suffix in CLUSTER_SUFFIXES:
            found = cluster_articles(_read(path, max_bytes), str(path), cluster_id)
            clusters_seen = clusters_seen or bool(found)
            articles.extend(found)
        elif path.is_dir():
            raise LoadError(f"{path}: is a folder; pass the article files themselves")
        else:
            kind = path.suffix or "(none)"
            raise LoadError(
                f"{path}: unsupported file type '{kind}' (use .txt, .md, .html, .jsonl)"
            )
    if cluster_id is not None and not clusters_seen:
        raise LoadError(f"no JSONL cluster with id '{cluster_id}' in the given files")
    return articles


def cluster_articles(text: str, origin: str, cluster_id: str | None = None) -> list[RawArticle]:
    """The documents of JSONL story clusters (one object a line, articles under ``docs``)."""
    articles: list[RawArticle] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{line_no}"
        try:
            cluster = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LoadError(f"{where}: not valid JSON ({exc.msg})") from exc
        docs = cluster.get("docs") if isinstance(cluster, dict) else None
        if not isinstance(docs, list):
            raise LoadError(f"{where}: expected an object with a 'docs' list of articles")
        if cluster_id is not None and str(cluster.get("id")) != cluster_id:
            continue
        for n, doc in enumerate(docs):
            if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
                raise LoadError(f"{where}: document {n} has no 'text'")
            docid = _text(doc.get("docid")) or f"{cluster.get('id', line_no)}-{n}"
            articles.append(
                RawArticle(
                    origin=f"{where}#{docid}",
                    text=doc["text"],
                    title=_text(doc.get("title")),
                    source=_text(doc.get("source")) or docid,
                    url=_text(doc.get("url")),
                    date=cluster_date(_text(doc.get("date"))),
                )
            )
    return articles


def cluster_date(value: str | None) -> ArticleDate:
    """A cluster document's date: ISO ('2004-12-29') or compact ('20041229.6')."""
    if not value:
        return ArticleDate.unknown()
    match = _COMPACT_DATE.match(value)
    if match:
        return parse_date("-".join(match.groups()))
    return parse_date(value)


def html_text(markup: str) -> tuple[str | None, str]:
    """Title and body text of an HTML page: one line per block, scripts and styles dropped.

    Deliberately minimal (no boilerplate scoring); cleaning then drops site furniture by line.
    """
    parser = _BlockText()
    parser.feed(markup)
    parser.close()
    lines = (" ".join("".join(block).split()) for block in parser.blocks)
    return parser.title, "\n".join(line for line in lines if line)


class _BlockText(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "nav", "footer"})
    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.title: str | None = None
        self._skipping = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.blocks.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = " ".join(((self.title or "") + data).split()) or None
        elif not self._skipping:
            self.blocks[-1].append(data)


def _html_article(path: Path, text: str) -> RawArticle:
    title, body = html_text(text)
    return RawArticle(origin=str(path), text=body, title=title)


def _read(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(
                f"{path}: too large ({size / 1_000_000:.1f} MB; the limit is "
                f"{max_bytes / 1_000_000:.1f} MB per file)"
            )
        return decode_text(path.read_bytes(), str(path))
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
