"""The chat command language every adapter shares, and the replies the core gives back.

Text is parsed once, here, into a typed command: adapters hand the text after ``/summary`` (or
after "@briefbot") to the dispatcher, which parses it with ``parse_command``; an adapter whose
platform has typed options (Discord's ``/summary topic: sentences:``) builds its command with
``option_command`` instead, so an option's value is never read as command words. Adapters render
whatever ``Reply`` comes back; they never interpret commands themselves.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shlex
from dataclasses import dataclass
from zoneinfo import available_timezones

from bot.digests.schedule import ScheduleError, parse_time_of_day, parse_zone
from bot.models import Brief
from bot.text.clean import normalize
from bot.text.languages import LANGUAGES, UnsupportedLanguage, parse_languages

MAX_COMMAND_CHARS = 2000
_VERB = "summary"
_POINTS_FLAG = re.compile(r"^(?:--sentences|--points|-n)(?:=(.*))?$")
_LANGUAGES_FLAG = re.compile(r"^(?:--lang|--langs|--languages)(?:=(.*))?$")
_SINCE_FLAG = re.compile(r"^--since(?:=(.*))?$", re.IGNORECASE)
# A link as typed, or as Slack sends it: <https://example.com/a|example.com/a>.
_LINK = re.compile(r"^<?([a-z][a-z0-9+.-]*://[^\s<>|]+)(?:\|[^>]*)?>?$", re.IGNORECASE)
_TIME_LIKE = re.compile(r"^\d{1,2}:\d{1,2}$")


class UserError(Exception):
    """Something the user can fix; the message is shown to them as it is."""

    def __init__(self, message: str, hints: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hints = hints


@dataclass(frozen=True)
class BriefCommand:
    """Brief a topic slug or a free-text query; with ``since``, only what is new since then
    (as typed: ``yesterday``, ``24h``, a date or ``last``; read by bot/brief/since.py)."""

    target: str
    points: int | None = None
    since: str | None = None
    # ISO 639-1 codes of the languages to include; empty: the channel's or the default set.
    languages: frozenset[str] = frozenset()


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


@dataclass(frozen=True)
class SubscribeCommand:
    """Send this channel a daily digest of a topic; None means the default time or zone."""

    topic: str
    time_of_day: dt.time | None = None
    zone: str | None = None
    # --follow: every digest replies in the thread of the first one, instead of a new thread.
    follow_thread: bool = False


@dataclass(frozen=True)
class UnsubscribeCommand:
    """Stop this channel's daily digest of a topic."""

    topic: str


@dataclass(frozen=True)
class SubscriptionsCommand:
    """List this channel's daily digests."""


@dataclass(frozen=True)
class FollowCommand:
    """Make free text a topic of this channel (``/summary follow power of siberia``)."""

    words: str


@dataclass(frozen=True)
class UnfollowCommand:
    """Forget one of this channel's followed topics, by its name or its words."""

    topic: str


Command = (
    BriefCommand
    | UrlCommand
    | HelpCommand
    | TopicsCommand
    | SubscribeCommand
    | UnsubscribeCommand
    | SubscriptionsCommand
    | FollowCommand
    | UnfollowCommand
)


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
# What a chat message asks for: a command, or the notice explaining why it cannot be read.
Request = Command | Notice


def parse_command(text: str, max_points: int) -> Command:
    """Parse what follows ``/summary`` or a mention; raise UserError for input to correct."""
    _check_length(text)
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
    lone = _lone_word(words)
    if lone is not None:
        return lone
    if head in ("subscribe", "unsubscribe", "subscriptions"):
        return _digest_command(head, words[1:])
    if head in ("follow", "unfollow"):
        return _follow_command(head, words[1:])
    points: int | None = None
    since: str | None = None
    languages: frozenset[str] = frozenset()
    target: list[str] = []
    i = 0
    while i < len(words):
        match = _POINTS_FLAG.match(words[i])
        since_match = _SINCE_FLAG.match(words[i])
        languages_match = _LANGUAGES_FLAG.match(words[i])
        if languages_match:
            value = languages_match.group(1)
            if value is None:
                i += 1
                value = words[i] if i < len(words) else ""
            languages = _languages(value)
        elif since_match:
            since = since_match.group(1)
            if since is None:
                i += 1
                since = words[i] if i < len(words) else ""
            if not since.strip():
                raise UserError(
                    "--since needs a window: yesterday, 24h, a date (YYYY-MM-DD) or last.",
                    ("Example: /summary china-russia --since yesterday",),
                )
        elif match:
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
        if since is not None:
            raise UserError("--since works with a topic or keywords, not a link.")
        return UrlCommand(url=link.group(1), points=points)
    return BriefCommand(
        target=" ".join(target).strip(), points=points, since=since, languages=languages
    )


def _languages(value: str) -> frozenset[str]:
    """'en,fr' or 'English French' as language codes; UserError names one without a pipeline."""
    try:
        codes = parse_languages(value.replace(",", " ").split())
    except UnsupportedLanguage as exc:
        raise UserError(
            f"--lang: I don't read {exc}.", (f"Languages: {', '.join(sorted(LANGUAGES))}",)
        ) from None
    if not codes:
        raise UserError("--lang takes language codes, e.g. --lang en,fr")
    return codes


def option_command(
    topic: str, points: int | None, max_points: int, since: str | None = None
) -> Command:
    """The command for typed options: help or the topic list by their one word, a brief of a
    link, else a brief of the topic or keywords exactly as given (never a digest command),
    only what is new since ``since`` when given."""
    _check_length(topic)
    words = normalize(topic).split()
    if not words:
        raise UserError(
            "Tell me what to summarize: a topic name or a few keywords.",
            ("See /summary topics for the topic names.",),
        )
    if points is not None:
        points = _points(str(points), max_points)
    lone = _lone_word(words)
    if lone is not None:
        return lone
    link = _LINK.match(words[0]) if len(words) == 1 else None
    since = since.strip() if since is not None and since.strip() else None
    if link is not None:
        if since is not None:
            raise UserError("--since works with a topic or keywords, not a link.")
        return UrlCommand(url=link.group(1), points=points)
    return BriefCommand(target=" ".join(words), points=points, since=since)


def takes_a_while(request: Request) -> bool:
    """True when answering touches the store or the network, which may outlast a platform's
    acknowledgement window (a store busy with an ingest, a slow web page): briefs, links, the
    topic list (it holds the channel's followed topics), follows and digest commands. Help and
    mistakes are instant and local."""
    return not isinstance(request, HelpCommand | Notice)


def help_notice(max_points: int) -> Notice:
    """The help text."""
    return Notice(
        title="briefbot turns many news articles about one story into a short multi-source brief.",
        lines=(
            "/summary <topic>: brief a named topic, e.g. /summary china-russia",
            "/summary <keywords>: brief the stored articles matching all the keywords",
            "/summary <url>: read the article at a web link and brief it",
            f"/summary <topic> --sentences N: ask for N points (1 to {max_points})",
            "/summary <topic> --lang en,fr: only points from articles in these languages",
            "/summary <topic> --since yesterday|24h|YYYY-MM-DD|last: only what is new",
            "/summary topics: list the topic names, with the ones this channel follows",
            "/summary follow <keywords> | unfollow <topic>: a topic of this channel's own",
            "/summary subscribe <topic> [HH:MM] [time zone] [--follow]: a daily digest here"
            " (--follow: all in one thread), e.g. /summary subscribe china-russia 08:30"
            " Europe/Berlin",
            "/summary unsubscribe <topic>: stop that digest",
            "/summary subscriptions: this channel's digests and when the next one comes",
            "/summary help: this message",
        ),
    )


def _digest_command(verb: str, words: list[str]) -> Command:
    if verb == "subscriptions":
        if words:
            raise UserError("/summary subscriptions takes no arguments.")
        return SubscriptionsCommand()
    zone: str | None = None
    time_of_day: dt.time | None = None
    follow_thread = verb == "subscribe" and any(w.lower() == "--follow" for w in words)
    words = [w for w in words if w.lower() != "--follow"] if verb == "subscribe" else words
    if verb == "subscribe" and len(words) > 1 and _looks_like_zone(words[-1]):
        zone = _zone(words.pop())
    if verb == "subscribe" and len(words) > 1 and _TIME_LIKE.match(words[-1]):
        try:
            time_of_day = parse_time_of_day(words.pop())
        except ScheduleError as exc:
            raise UserError(str(exc)) from exc
    topic = " ".join(words).strip()
    if any(_LINK.match(w) for w in words):
        raise UserError(
            "A daily digest follows a topic or a few keywords, not a link.",
            ("Example: /summary subscribe china-russia 08:30 Europe/Berlin",),
        )
    if verb == "subscribe" and any(_TIME_LIKE.match(w) or "/" in w for w in words):
        raise UserError(
            "Put the time and the time zone after the topic, once each.",
            ("Example: /summary subscribe china-russia 08:30 Europe/Berlin",),
        )
    if not topic:
        example = "china-russia 08:30 Europe/Berlin" if verb == "subscribe" else "china-russia"
        preposition = "to" if verb == "subscribe" else "from"
        raise UserError(
            f"Tell me which topic to {verb} this channel {preposition}.",
            (f"Example: /summary {verb} {example}", "See /summary topics for the topic names."),
        )
    return (
        SubscribeCommand(topic, time_of_day, zone, follow_thread)
        if verb == "subscribe"
        else UnsubscribeCommand(topic)
    )


def _follow_command(verb: str, words: list[str]) -> Command:
    text = " ".join(words).strip()
    if not text:
        example = "power of siberia" if verb == "follow" else "power-of-siberia"
        raise UserError(
            f"Tell me which story to {verb}.",
            (f"Example: /summary {verb} {example}",),
        )
    if any(_LINK.match(w) for w in words):
        raise UserError(
            "Follow a story by a few keywords, not a link.",
            ("Example: /summary follow power of siberia",),
        )
    return FollowCommand(text) if verb == "follow" else UnfollowCommand(text)


def _lone_word(words: list[str]) -> HelpCommand | TopicsCommand | None:
    """Help or the topic list, asked for by their one word."""
    if len(words) != 1:
        return None
    word = words[0].lower()
    if word in ("help", "-h", "--help", "?"):
        return HelpCommand()
    return TopicsCommand() if word == "topics" else None


def _check_length(text: str) -> None:
    if len(text) > MAX_COMMAND_CHARS:
        raise UserError(
            f"That command is {len(text):,} characters long; the limit is {MAX_COMMAND_CHARS:,}.",
            ("Try a topic name such as china-russia, or a few keywords.",),
        )


def _looks_like_zone(word: str) -> bool:
    return "/" in word or word.upper() in ("UTC", "GMT")


def _zone(name: str) -> str:
    name = name.upper() if name.upper() in ("UTC", "GMT") else name
    try:
        return parse_zone(name).key
    except ScheduleError as exc:
        by_lower = {z.lower(): z for z in available_timezones()}
        if name.lower() in by_lower:
            return by_lower[name.lower()]
        close = difflib.get_close_matches(name, sorted(by_lower.values()), n=3, cutoff=0.6)
        hints = (f"Did you mean: {', '.join(close)}?",) if close else ()
        raise UserError(str(exc), hints) from exc


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
