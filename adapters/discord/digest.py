"""Post digests to Discord channels over the REST API (discord.py's HTTP client): translation only.

Each message carries the slot's key as its ``nonce`` with ``enforce_nonce`` (a brief split over
several messages: key, key-1, key-2...), so Discord drops a repeated POST of the same digest for a
few minutes: discord.py's own retries after 5xx answers and the scheduler's re-send after an
interrupted post cannot make a second message.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import discord
from discord.http import HTTPClient, handle_message_parameters
from discord.utils import MISSING, escape_markdown

from adapters.discord.embeds import LIMITS, DiscordMessage, render_reply
from bot.brief.render import thread_parent_line
from bot.chat.commands import BriefReply, Reply
from bot.digests.scheduler import PostNotSent, PostRejected

NO_PINGS = discord.AllowedMentions.none()
THREAD_NAME_CHARS = 100  # Discord's limit for a thread's name
THREAD_ALREADY_CREATED = 160004  # Discord's error code: this message already has a thread


def _nonce(key: str, n: int) -> str:
    return key if n == 0 else f"{key}-{n}"


class DiscordDigestPoster:
    """The digest port for Discord."""

    # Discord checks enforce_nonce "in the past few minutes"; stay well inside that.
    idempotency_window = dt.timedelta(minutes=2)

    def __init__(self, http: HTTPClient) -> None:
        self._http = http

    @classmethod
    async def connect(cls, token: str) -> DiscordDigestPoster:
        """Log in to the REST API with a bot token (no gateway connection)."""
        http = HTTPClient(asyncio.get_running_loop())
        try:
            await http.static_login(token)
        except discord.LoginFailure as exc:
            await http.close()
            raise PostRejected(f"Discord refused the token: {exc}") from exc
        except aiohttp.ClientConnectorError as exc:
            await http.close()
            raise PostNotSent(f"cannot reach the Discord API: {exc}") from exc
        except discord.HTTPException as exc:
            # Discord itself failing (5xx, after discord.py's own retries): try again later.
            await http.close()
            raise PostNotSent(
                f"the Discord API failed at login ({exc.status}); try again later"
            ) from exc
        except BaseException:
            await http.close()
            raise
        return cls(http)

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._http.close()

    async def post(
        self, channel_id: str, reply: Reply, idempotency_key: str, thread_of: str | None = None
    ) -> str:
        """Post as the Discord adapter renders replies, each message with its nonce; return the
        first message's id.

        With ``thread_of`` (an earlier digest's parent message), the reply goes into the thread
        started on it, or, where there is none, in replies to it; that id is returned, so the
        next digest follows the same thread.

        A brief is a thread, so the channel stays quiet: a one-line parent message, a thread
        started on it, and the brief's embeds in the thread. Where the bot may not create
        threads, the embeds follow as a chain of replies to the parent instead.
        """
        if not channel_id.isdecimal():
            raise PostRejected(f"'{channel_id}' is not a Discord channel id")
        parts = render_reply(reply)
        if thread_of is not None and thread_of.isdecimal():
            await self._follow(int(channel_id), int(thread_of), parts, idempotency_key)
            return thread_of
        if not isinstance(reply, BriefReply):
            ids = [
                await self._send(int(channel_id), part, _nonce(idempotency_key, n))
                for n, part in enumerate(parts)
            ]
            return ids[0]
        line = thread_parent_line(reply.brief)
        parent = DiscordMessage(content=escape_markdown(line)[: LIMITS.content])
        parent_id = await self._send(int(channel_id), parent, idempotency_key)
        # The parent is posted: from here on a failure leaves the outcome unknown.
        try:
            thread = await self._thread(int(channel_id), int(parent_id), line)
            previous = parent_id
            for n, part in enumerate(parts, start=1):
                nonce = _nonce(idempotency_key, n)
                if thread is not None:
                    await self._send(thread, part, nonce)
                else:
                    previous = await self._send(int(channel_id), part, nonce, int(previous))
        except (PostNotSent, PostRejected) as exc:
            raise RuntimeError(f"digest parent {parent_id} posted, the rest not: {exc}") from exc
        return parent_id

    async def _follow(
        self, channel_id: int, root: int, parts: tuple[DiscordMessage, ...], key: str
    ) -> None:
        """Post the parts in the thread on ``root`` (a thread has its message's id), or as
        replies to ``root`` in the channel where it has no thread."""
        try:
            await self._send(root, parts[0], _nonce(key, 0))
            in_thread = True
        except PostRejected:
            await self._send(channel_id, parts[0], _nonce(key, 0), root)
            in_thread = False
        for n, part in enumerate(parts[1:], start=1):
            if in_thread:
                await self._send(root, part, _nonce(key, n))
            else:
                await self._send(channel_id, part, _nonce(key, n), root)

    async def _thread(self, channel_id: int, message_id: int, name: str) -> int | None:
        """Start a thread on the parent message; None where threads are not allowed."""
        try:
            created = await self._http.start_thread_with_message(
                channel_id, message_id, name=name[:THREAD_NAME_CHARS], auto_archive_duration=1440
            )
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_CREATED:
                # A re-send after a crash: a message's thread has the message's id.
                return message_id
            if exc.status in (400, 403):
                return None  # no permission to create threads, or not a text channel
            raise
        return int(created["id"])

    async def _send(
        self, channel_id: int, part: DiscordMessage, nonce: str, reply_to: int | None = None
    ) -> str:
        params = handle_message_parameters(
            content=MISSING if part.content is None else part.content,
            embeds=list(part.embeds),
            nonce=nonce,
            allowed_mentions=NO_PINGS,
            message_reference=MISSING
            if reply_to is None
            else discord.MessageReference(
                message_id=reply_to, channel_id=channel_id
            ).to_message_reference_dict(),
        )
        try:
            with params:
                message = await self._http.send_message(channel_id, params=params)
        except aiohttp.ClientConnectorError as exc:
            raise PostNotSent(f"cannot reach the Discord API: {exc}") from exc
        except discord.HTTPException as exc:
            if 400 <= exc.status < 500 and exc.status != 408:
                # Discord answered and did not post (missing access, unknown channel, ...).
                raise PostRejected(f"{exc.status} {exc.text}") from exc
            raise
        return str(message["id"])
