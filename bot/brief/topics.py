"""Named topics from ``config/topics.toml``, and topics or free text as typed search queries."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import regex

from bot.settings import SettingsError
from bot.store.records import SearchQuery
from bot.text.languages import UnsupportedLanguage, parse_languages

# A word of any script: letters, digits and the combining marks (Devanagari vowel signs) that
# ``\w`` leaves out, so a Hindi word stays one quoted phrase.
_QUERY_WORD = regex.compile(r"[\w\p{M}]+")
MAX_QUERY_WORDS = 16


@dataclass(frozen=True)
class Topic:
    """A named story: a slug people type, a title, and the keywords its articles carry."""

    slug: str
    title: str
    keywords: tuple[str, ...]
    match_all: bool
    # Keywords of the same story in other languages: (ISO 639-1 code, keywords) pairs.
    translations: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def query(self) -> SearchQuery:
        """The search selecting this topic's articles, in any of its languages: each keyword a
        phrase; each language's keywords match together (``match``); any language may match."""
        translated = tuple(
            SearchQuery(tuple(_words(k) for k in keywords), self.match_all)
            for _, keywords in self.translations
        )
        return SearchQuery(tuple(_words(k) for k in self.keywords), self.match_all, translated)


class TopicCatalog:
    """The configured topics, looked up by slug."""

    def __init__(self, topics: tuple[Topic, ...]) -> None:
        self.topics = topics
        self._by_slug = {t.slug: t for t in topics}

    def get(self, name: str) -> Topic | None:
        """The topic with this slug (case-insensitive), if any."""
        return self._by_slug.get(name.strip().lower())

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Slugs closest to what the user typed, best first."""
        name = name.strip().lower()
        scored = difflib.get_close_matches(name, list(self._by_slug), n=limit, cutoff=0.5)
        for topic in self.topics:
            if len(scored) >= limit:
                break
            if topic.slug not in scored and name and name in f"{topic.slug} {topic.title.lower()}":
                scored.append(topic.slug)
        return scored

    def complete(self, typed: str, limit: int) -> list[Topic]:
        """Topics for what the user has typed so far: slug or title containing it, then the
        closest slugs (every topic when nothing is typed)."""
        typed = typed.strip().lower()
        found = [t for t in self.topics if typed in f"{t.slug} {t.title.lower()}"]
        found += [self._by_slug[s] for s in self.suggest(typed) if self._by_slug[s] not in found]
        return found[:limit]


def load_topics(path: Path) -> TopicCatalog:
    """Read the topic catalog; raise SettingsError naming what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"{path}: topics file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    topics = []
    for i, entry in enumerate(data.get("topic", [])):
        slug = str(entry.get("slug", "")).strip().lower()
        keywords = tuple(str(k) for k in entry.get("keywords", []) if str(k).strip())
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug) or not keywords:
            raise SettingsError(f"{path}: topic #{i + 1} needs a slug (a-z, 0-9, -) and keywords")
        match = str(entry.get("match", "all"))
        if match not in ("all", "any"):
            raise SettingsError(f"{path}: topic {slug}: match must be 'all' or 'any'")
        translations = _translations(entry.get("keywords_in", {}), path, slug)
        topics.append(
            Topic(
                slug,
                str(entry.get("title", slug)),
                keywords,
                match_all=match == "all",
                translations=translations,
            )
        )
    return TopicCatalog(tuple(topics))


def _translations(table: object, path: Path, slug: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A topic's ``[topic.keywords_in]`` table: language code (or name) -> keywords."""
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: topic {slug}: keywords_in must be a table of languages")
    pairs = []
    for language, words in table.items():
        try:
            (code,) = parse_languages([str(language)])
        except (UnsupportedLanguage, ValueError):
            raise SettingsError(
                f"{path}: topic {slug}: keywords_in: no text pipeline for '{language}'"
            ) from None
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise SettingsError(f"{path}: topic {slug}: keywords_in.{language} must be a list")
        keywords = tuple(w for w in words if w.strip())
        if keywords:
            pairs.append((code, keywords))
    return tuple(pairs)


def query_words(text: str) -> list[str]:
    """The searchable words of a free-text query (at most MAX_QUERY_WORDS)."""
    words: list[str] = _QUERY_WORD.findall(text)
    return words[:MAX_QUERY_WORDS]


def free_text_query(text: str) -> SearchQuery:
    """The search requiring every word of the user's text."""
    return SearchQuery(tuple((w,) for w in query_words(text)), match_all=True)


def _words(keyword: str) -> tuple[str, ...]:
    return tuple(_QUERY_WORD.findall(keyword))
