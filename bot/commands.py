"""The chat command language every adapter shares, and the replies the core gives back.

Adapters pass the text after ``/summary`` (or after "@briefbot") to ``parse_command`` and render
whatever ``Reply`` comes back; they never interpret commands themselves.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from bot.clean import normalize
from bot.models import Brief

MAX_COMMAND_CHARS = 2000
_VERB = "summary"
_POINTS_FLAG = re.compile(r"^(?:--sentences|--points|-n)(?:=(.*))?$")
# A link as typed, or as Slack sends it: <https://example.com/a|example.com/a>.
_LINK = re.compile(r"^<?([a-z][a-z0-9+.-]*://[^\s<>|]+)(?:\|[^>]*)?>?$", re.IGNORECASE)


class UserError(Exception):
    """Something the user can fix; the message is shown to them as it is."""

    def __init__(self, message: str, hints: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hints = hints


@dataclass(frozen=True)
class BriefCommand:
    """Brief a topic slug or a free-text query."""

    target: str
    points: int | None = None


@dataclass(frozen=True)
class UrlCommand:
    """Fetch one article from the web, store it, and brief it alone."""

    url: str
    points: int | None = None


@dataclass(frozen=True)
class HelpCommand:
    """Explain the commands."""


@dataclass(frozen=True)
class TopicsCommand:
    """List the configured topics."""


Command = BriefCommand | UrlCommand | HelpCommand | TopicsCommand


@dataclass(frozen=True)
class BriefReply:
    """A brief to render as the platform's rich message."""

    brief: Brief


@dataclass(frozen=True)
class Notice:
    """A short text answer: help, a topic list, or an error the user can act on."""

    title: str
    lines: tuple[str, ...] = ()
    is_error: bool = False

    @property
    def text(self) -> str:
        """Title and lines as plain text."""
        return "\n".join((self.title, *self.lines))


Reply = BriefReply | Notice


def parse_command(text: str, max_points: int) -> Command:
    """Parse what follows ``/summary`` or a mention; raise UserError for input to correct."""
    if len(text) > MAX_COMMAND_CHARS:
        raise UserError(
            f"That command is {len(text):,} characters long; the limit is {MAX_COMMAND_CHARS:,}.",
            ("Try a topic name such as china-russia, or a few keywords.",),
        )
    # Chat text may carry RTL overrides, zero-width marks, controls or lone surrogates.
    words = _split(normalize(text).replace("\n", " "))
    if words and words[0].lower() == _VERB:
        words = words[1:]
    if not words:
        raise UserError(
            "Tell me what to summarize: a topic name or a few keywords.",
            ("Example: /summary china-russia", "See /summary topics for the topic names."),
        )
    head = words[0].lower()
    if len(words) == 1 and head in ("help", "-h", "--help", "?"):
        return HelpCommand()
    if len(words) == 1 and head == "topics":
        return TopicsCommand()
    points: int | None = None
    target: list[str] = []
    i = 0
    while i < len(words):
        match = _POINTS_FLAG.match(words[i])
        if match:
            value = match.group(1)
            if value is None:
                i += 1
                value = words[i] if i < len(words) else ""
            points = _points(value, max_points)
        else:
            target.append(words[i])
        i += 1
    if not " ".join(target).strip():
        raise UserError(
            "Tell me what to summarize as well as how many sentences.",
            ("Example: /summary china-russia --sentences 3",),
        )
    link = _LINK.match(target[0]) if len(target) == 1 else None
    if link is not None:
        return UrlCommand(url=link.group(1), points=points)
    return BriefCommand(target=" ".join(target).strip(), points=points)


def help_notice(max_points: int) -> Notice:
    """The help text."""
    return Notice(
        title="briefbot turns many news articles about one story into a short multi-source brief.",
        lines=(
            "/summary <topic>: brief a named topic, e.g. /summary china-russia",
            "/summary <keywords>: brief the stored articles matching all the keywords",
            "/summary <url>: read the article at a web link and brief it",
            f"/summary <topic> --sentences N: ask for N points (1 to {max_points})",
            "/summary topics: list the topic names",
            "/summary help: this message",
        ),
    )


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        # An unbalanced quote is ordinary in chat ("don't"); fall back to plain words.
        return text.split()


def _points(value: str, max_points: int) -> int:
    if not value.strip().isdecimal() or not 1 <= int(value) <= max_points:
        raise UserError(f"--sentences takes a whole number from 1 to {max_points}, not '{value}'.")
    return int(value)
