"""The dispatcher: a chat request in, a reply out, never an exception.

It reads text into a typed command once (``read``), or takes a command an adapter built from
typed options, applies the rate limits, and hands the command to the part that answers it: the
``Briefer`` (briefs), the ``SubscriptionDesk`` (digests) or the ``Intake`` (links). It decides
nothing about briefs or digests itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import assert_never

from bot.brief.briefer import Briefer
from bot.brief.since import Since, SinceError, parse_since
from bot.brief.topics import Topic
from bot.chat.commands import (
    BriefCommand,
    BriefReply,
    Command,
    FollowCommand,
    HelpCommand,
    Notice,
    Reply,
    Request,
    SubscribeCommand,
    SubscriptionsCommand,
    TopicsCommand,
    UnfollowCommand,
    UnsubscribeCommand,
    UrlCommand,
    UserError,
    help_notice,
    option_command,
    parse_command,
)
from bot.chat.follows import Follows
from bot.chat.ratelimit import RateLimiter
from bot.digests.desk import SubscriptionDesk
from bot.ingest.intake import Intake
from bot.models import Conversation
from bot.ops.logs import request_context
from bot.store.errors import StoreError, StoreFault
from bot.store.protocols import Store

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
        follows: Follows | None = None,
    ) -> None:
        self.max_points = max_points
        self.follows = follows or Follows(store, briefer, clock)
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

    def read_options(self, topic: str, points: int | None, since: str | None = None) -> Request:
        """The command for a platform's typed ``topic``, ``points`` and ``since`` options."""
        try:
            return option_command(topic, points, self.max_points, since)
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
            except StoreError as exc:
                # The cause is logged where the fault was met; the user gets one line.
                log.warning("request %s answered with a store fault: %s", rid, exc.fault.value)
                return Notice(title=exc.message, is_error=True)
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
                return await self.topics_listing(conversation)
            case FollowCommand(words=words):
                return await self.follows.follow(words, conversation)
            case UnfollowCommand(topic=topic):
                return await self.follows.unfollow(topic, conversation)
            case BriefCommand(target=typed, points=points, since=since, languages=languages):
                target = await self.follows.resolve(typed, conversation)
                chosen = languages or self.briefer.settings.languages.for_channel(
                    conversation.platform, conversation.channel_id
                )
                if since is None:
                    brief = await self.briefer.brief(target, points, chosen)
                else:
                    window = await self._window(since, target, conversation)
                    brief = await self.briefer.brief_new(
                        target, points, window.start, window.label, chosen
                    )
                await self._note_brief(conversation, target)
                return BriefReply(brief)
            case UrlCommand(url=url, points=points):
                article = await self.intake.add_link(url)
                return BriefReply(await self.briefer.brief_article(article, url, points))
            case SubscribeCommand(topic=topic):
                # A followed topic's digest is the digest of its words, so the scheduler
                # needs no channel to resolve it.
                resolved = await self.follows.resolve(topic, conversation)
                return await self.desk.subscribe(
                    dataclasses.replace(command, topic=resolved), conversation
                )
            case UnsubscribeCommand(topic=topic):
                return await self.desk.unsubscribe(
                    await self.follows.resolve(topic, conversation), conversation
                )
            case SubscriptionsCommand():
                return await self.desk.listing(conversation)
        assert_never(command)

    async def _window(self, typed: str, target: str, conversation: Conversation) -> Since:
        """The ``--since`` window; ``last`` becomes the channel's last brief of the target."""
        try:
            window = parse_since(typed, self.clock())
        except SinceError as exc:
            raise UserError(str(exc)) from exc
        if not window.is_last:
            return window
        key = self.briefer.target(target).key
        shown = await self.store.last_brief(conversation.platform, conversation.channel_id, key)
        if shown is None:
            # Nothing was shown here yet, so everything is new.
            return Since(None, "this channel's first brief of it")
        return Since(
            shown, f"this channel's last brief ({shown:%b} {shown.day}, {shown:%H:%M} UTC)"
        )

    async def _note_brief(self, conversation: Conversation, target: str) -> None:
        key = self.briefer.target(target).key
        try:
            await self.store.note_brief(
                conversation.platform, conversation.channel_id, key, self.clock()
            )
        except StoreError as exc:
            # A read-only store (a standby, a read-only file) still briefs: the brief is
            # answered; only the next `--since last` cannot know about it.
            if exc.fault is not StoreFault.READ_ONLY:
                raise
            log.warning("brief not noted for --since last: the store is read-only")

    async def claim_event(self, platform: str, event_id: str) -> bool:
        """True the first time a platform event is seen; False for a redelivery to ignore."""
        return await self.store.claim_event(platform, event_id, self.clock(), EVENT_MEMORY)

    async def topics_listing(self, conversation: Conversation) -> Notice:
        """The configured topics, then the ones this channel follows."""
        notice = self.topics_notice()
        followed = await self.follows.listing(conversation)
        if not followed:
            return notice
        lines = [f"{f.slug}: '{f.words}' (followed here)" for f in followed]
        return dataclasses.replace(notice, lines=(*notice.lines, *lines))

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
