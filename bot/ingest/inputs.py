"""Read the files ``briefbot summarize`` is given: plain text, HTML pages and JSONL clusters.

Unlike ingest, nothing is stored: each file becomes one or more ``RawArticle`` for the pipeline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from bot.ingest.extract import ExtractError, extract_article
from bot.ingest.load import (
    TEXT_SUFFIXES,
    LoadError,
    Manifests,
    decode_text,
    load_file,
    parse_date,
)
from bot.models import ArticleDate, RawArticle

HTML_SUFFIXES = frozenset({".html", ".htm"})
CLUSTER_SUFFIXES = frozenset({".jsonl"})
# MultiLing dates look like '20041229.6': a day, then a fraction of it.
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.\d+)?$")
# News-corpus document ids name the outlet before the date: "APW19981010.0123",
# "NYT19990104.0045", "XIE19980304.0061", "AFP_ENG_20050112.0203". Ten AP articles are one
# source, not ten.
_WIRE_DOCID = re.compile(r"^([A-Z]{2,5})(?:_[A-Z]{3}_)?(?:19|20)\d{6}(?:\.\d+)?$")
_OUTLETS = {
    "AP": "Associated Press",
    "APW": "Associated Press",
    "NYT": "New York Times",
    "XIE": "Xinhua",
    "XIN": "Xinhua",
    "AFP": "Agence France-Presse",
    "AFE": "Agence France-Presse",
    "LTW": "Los Angeles Times-Washington Post",
    "LAT": "Los Angeles Times",
    "WSJ": "Wall Street Journal",
    "FT": "Financial Times",
    "SJMN": "San Jose Mercury News",
    "CNA": "Central News Agency",
}
# A story cluster is an object holding a list of flat objects: depth 3. Python's JSON reader
# recurses once a level, so a line nested thousands deep would end in RecursionError.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_OPENERS = re.compile(r"[\[{]|[\]}]")


class UnusableInput(LoadError):
    """A file that was read but holds nothing briefbot can use (exit code 2, like a mistake)."""


def read_inputs(
    paths: Iterable[Path], max_bytes: int, cluster_id: str | None = None
) -> list[RawArticle]:
    """Every article in the given files, in order; raise LoadError on the first bad file.

    With ``cluster_id``, JSONL files contribute only the cluster with that ``id``.
    """
    articles: list[RawArticle] = []
    clusters_seen = False
    # Each folder's manifest is parsed once, not once per file beside it (~50 us an entry).
    manifests = Manifests()
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            articles.append(load_file(path, max_bytes, manifests.for_folder(path.parent)))
        elif suffix in HTML_SUFFIXES:
            articles.append(_html_article(path, max_bytes))
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
        if nested_deeper(line, MAX_JSON_DEPTH):
            raise UnusableInput(
                f"{where}: JSON nested more than {MAX_JSON_DEPTH} levels deep; not a story cluster"
            )
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
                    source=_text(doc.get("source")) or docid_outlet(docid),
                    url=_text(doc.get("url")),
                    date=cluster_date(_text(doc.get("date"))),
                )
            )
    return articles


def nested_deeper(line: str, limit: int) -> bool:
    """Whether arrays and objects in a JSON text nest more than ``limit`` deep (not parsed)."""
    depth = 0
    for bracket in _JSON_OPENERS.finditer(_JSON_STRING.sub("", line)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False


def docid_outlet(docid: str) -> str:
    """The outlet a news-corpus document id names ("APW19981010.0123": Associated Press), or
    the id itself when it names none."""
    match = _WIRE_DOCID.match(docid)
    if match is None:
        return docid
    return _OUTLETS.get(match.group(1), match.group(1))


def cluster_date(value: str | None) -> ArticleDate:
    """A cluster document's date: ISO ('2004-12-29') or compact ('20041229.6')."""
    if not value:
        return ArticleDate.unknown()
    match = _COMPACT_DATE.match(value)
    if match:
        return parse_date("-".join(match.groups()))
    return parse_date(value)


def _html_article(path: Path, max_bytes: int) -> RawArticle:
    """The article of a saved page, read as ingest reads pages (trafilatura, bot.ingest.extract)."""
    markup = _read(path, max_bytes)
    try:
        return extract_article(markup, str(path)).article
    except ExtractError as exc:
        raise LoadError(str(exc)) from exc


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
