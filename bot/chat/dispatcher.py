"""The dispatcher: a chat request in, a reply out, never an exception.

It reads text into a typed command once (``read``), or takes a command an adapter built from
typed options, applies the rate limits, and hands the command to the part that answers it: the
``Briefer`` (briefs), the ``SubscriptionDesk`` (digests) or the ``Intake`` (links). It decides
nothing about briefs or digests itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import assert_never

from bot.brief.briefer import Briefer
from bot.brief.topics import Topic
from bot.chat.commands import (
    BriefCommand,
    BriefReply,
    Command,
    HelpCommand,
    Notice,
    Reply,
    Request,
    SubscribeCommand,
    SubscriptionsCommand,
    TopicsCommand,
    UnsubscribeCommand,
    UrlCommand,
    UserError,
    help_notice,
    option_command,
    parse_command,
)
from bot.chat.ratelimit import RateLimiter
from bot.digests.desk import SubscriptionDesk
from bot.ingest.intake import Intake
from bot.models import Conversation
from bot.ops.logs import request_context
from bot.store.sqlite.store import Store

EVENT_MEMORY = dt.timedelta(days=1)  # longer than any platform keeps redelivering an event
log = logging.getLogger(__name__)


class Dispatcher:
    """Executes chat commands for the conversations they came from."""

    def __init__(
        self,
        max_points: int,
        briefer: Briefer,
        desk: SubscriptionDesk,
        intake: Intake,
        limiter: RateLimiter,
        store: Store,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.max_points = max_points
        self.briefer = briefer
        self.desk = desk
        self.intake = intake
        self.limiter = limiter
        self.store = store
        self.clock = clock

    def read(self, text: str) -> Request:
        """The command in chat text, or the notice saying what to correct."""
        try:
            return parse_command(text, self.max_points)
        except UserError as exc:
            return _error(exc)

    def read_options(self, topic: str, points: int | None) -> Request:
        """The command for a platform's typed ``topic`` and ``points`` options."""
        try:
            return option_command(topic, points, self.max_points)
        except UserError as exc:
            return _error(exc)

    async def handle(self, text: str, conversation: Conversation) -> Reply:
        """Read and answer chat text."""
        return await self.answer(self.read(text), conversation)

    async def answer(self, request: Request, conversation: Conversation) -> Reply:
        """Answer a request; always a reply, never an exception.

        User mistakes and rate limits come back as error notices. A fault of ours is logged
        with the request id, and the user gets that id, never the exception text (which may
        hold paths, queries or worse).
        """
        with request_context() as rid:
            throttled = self.limiter.acquire(conversation)
            if throttled is not None:
                log.info(
                    "rate limited %s %s/%s for %.1f s",
                    throttled.scope,
                    conversation.platform,
                    conversation.channel_id,
                    throttled.retry_after,
                )
                return Notice(title=throttled.message, is_error=True)
            if isinstance(request, Notice):
                return request
            try:
                return await self.execute(request, conversation)
            except UserError as exc:
                return _error(exc)
            except Exception:
                log.exception("command failed on %s", conversation.platform)
                return Notice(
                    title="Something went wrong on my side, not yours; please try again later.",
                    lines=(f"If it keeps happening, tell the bot's operator: request {rid}.",),
                    is_error=True,
                )

    async def execute(self, command: Command, conversation: Conversation) -> Reply:
        """Execute a command; UserError for what the user can correct."""
        match command:
            case HelpCommand():
                return help_notice(self.max_points)
            case TopicsCommand():
                return self.topics_notice()
            case BriefCommand(target=target, points=points):
                return BriefReply(await self.briefer.brief(target, points))
            case UrlCommand(url=url, points=points):
                article = await self.intake.add_link(url)
                return BriefReply(await self.briefer.brief_article(article, url, points))
            case SubscribeCommand():
                return await self.desk.subscribe(command, conversation)
            case UnsubscribeCommand(topic=topic):
                return await self.desk.unsubscribe(topic, conversation)
            case SubscriptionsCommand():
                return await self.desk.listing(conversation)
        assert_never(command)

    async def claim_event(self, platform: str, event_id: str) -> bool:
        """True the first time a platform event is seen; False for a redelivery to ignore."""
        return await self.store.claim_event(platform, event_id, self.clock(), EVENT_MEMORY)

    def topics_notice(self) -> Notice:
        """The topic list as a notice."""
        return Notice(
            title="Topics you can brief:",
            lines=tuple(f"{t.slug}: {t.title}" for t in self.briefer.topics.topics),
        )

    def complete_topic(self, typed: str, limit: int) -> list[Topic]:
        """Topics for what a user has typed so far (autocomplete)."""
        return self.briefer.topics.complete(typed, limit)


def _error(exc: UserError) -> Notice:
    return Notice(title=exc.message, lines=exc.hints, is_error=True)
