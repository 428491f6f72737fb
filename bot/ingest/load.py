"""Stage 1, load: read article files and the metadata that can honestly be derived for them."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.models import ArticleDate, DatePrecision, RawArticle

MANIFEST_NAME = "manifest.toml"
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
# Tags of a saved web page; a few of them mean markup, not prose about markup.
_HTML_TAG = re.compile(
    r"<\s*/?\s*(?:script|style|html|head|body|div|span|p|a|br|iframe|meta|link|table|li|ul)"
    r"\b[^<>]{0,2000}>",
    re.IGNORECASE,
)
_MIN_HTML_TAGS = 3


class LoadError(Exception):
    """A file that cannot be read as an article; the message says why, for the user."""


@dataclass(frozen=True)
class ManifestEntry:
    """Metadata for one file, from the manifest beside it."""

    source: str | None
    title: str | None
    url: str | None
    date: ArticleDate


def parse_date(value: str) -> ArticleDate:
    """Parse 'YYYY-MM-DD' or 'YYYY-MM' into a date that knows its precision."""
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", value):
            return ArticleDate(dt.date.fromisoformat(value + "-01"), DatePrecision.MONTH)
        return ArticleDate(dt.date.fromisoformat(value[:10]), DatePrecision.DAY)
    except ValueError:
        return ArticleDate.unknown()


def read_manifest(directory: Path) -> dict[str, ManifestEntry]:
    """Read ``manifest.toml`` of a folder: file name -> metadata; empty when there is none."""
    path = directory / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LoadError(f"{path}: not a valid manifest ({exc})") from exc
    entries: dict[str, ManifestEntry] = {}
    for name, meta in data.items():
        if not isinstance(meta, dict):
            continue
        date = meta.get("date")
        entries[name] = ManifestEntry(
            source=_str_or_none(meta.get("source")),
            title=_str_or_none(meta.get("title")),
            url=_str_or_none(meta.get("url")),
            date=parse_date(str(date)) if date is not None else ArticleDate.unknown(),
        )
    return entries


class Manifests:
    """Each folder's manifest, read again only when the file changes (size or time)."""

    def __init__(self) -> None:
        self._read: dict[Path, tuple[tuple[int, int], dict[str, ManifestEntry]]] = {}

    def for_folder(self, directory: Path) -> dict[str, ManifestEntry]:
        """Like ``read_manifest``; a large manifest costs ~50 us an entry to parse."""
        try:
            status = (directory / MANIFEST_NAME).stat()
        except OSError:
            return read_manifest(directory)
        stamp = (status.st_mtime_ns, status.st_size)
        known = self._read.get(directory)
        if known is not None and known[0] == stamp:
            return known[1]
        entries = read_manifest(directory)
        self._read[directory] = (stamp, entries)
        return entries


def decode_text(data: bytes, origin: str) -> str:
    """Decode file bytes as text, refusing binary files with a clear reason."""
    if b"\x00" in data[:8192]:
        raise LoadError(f"{origin}: this is a binary file, not article text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old news archives are often Windows-1252; cp1252 leaves few bytes undefined.
        return data.decode("cp1252", errors="replace")


def load_file(
    path: Path, max_bytes: int, manifest: dict[str, ManifestEntry] | None = None
) -> RawArticle:
    """Read one article file; raise LoadError with a user-facing reason when it can't be."""
    if path.suffix.lower() not in TEXT_SUFFIXES:
        kind = path.suffix or "(none)"
        raise LoadError(f"{path}: unsupported file type '{kind}' (use .txt or .md)")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(
                f"{path}: too large ({size / 1_000_000:.1f} MB; the limit is "
                f"{max_bytes / 1_000_000:.1f} MB per article)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    text = decode_text(data, str(path))
    if len(_HTML_TAG.findall(text, 0, 200_000)) >= _MIN_HTML_TAGS:
        raise LoadError(
            f"{path}: this is a web page (HTML markup), not article text; "
            "save the article's text, or ingest its URL"
        )
    entry = (manifest if manifest is not None else read_manifest(path.parent)).get(path.name)
    date = entry.date if entry else ArticleDate.unknown()
    if date.value is None:
        match = _DATE_LINE.match(text)
        if match:
            date = parse_date(match.group(1))
    return RawArticle(
        origin=str(path),
        text=text,
        title=entry.title if entry else None,
        source=entry.source if entry else None,
        url=entry.url if entry else None,
        date=date,
    )


def article_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand folders into their article files (sorted); files are passed through."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
            )
        else:
            yield path


def _str_or_none(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
