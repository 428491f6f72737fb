"""Post digests to Slack channels with ``chat.postMessage``: translation only, no scheduling."""

from __future__ import annotations

import datetime as dt

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import SlackMessage, escape, reply_message
from adapters.slack.oauth import PLATFORM, ChannelAddress
from adapters.slack.settings import SLACK_API_URL
from bot.brief.render import thread_parent_line
from bot.chat.commands import BriefReply, Reply
from bot.digests.scheduler import PostNotSent, PostRejected
from bot.store.installations import Installations

DIGEST_EVENT = "briefbot_digest"  # the metadata event type every digest message carries
HISTORY_PAGES = 5  # pages of 200 messages searched for a digest whose worker died
HISTORY_MARGIN_S = 60.0  # searched from this long before the claim: clocks of two hosts differ


def digest_client(token: str, base_url: str = SLACK_API_URL) -> AsyncWebClient:
    """A Web API client that never repeats a request whose outcome it did not see.

    slack_sdk's default handler retries after connection errors, which could post a digest twice;
    only HTTP 429 (Slack certainly did not post) is retried.
    """
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )


class SlackDigestPoster:
    """The digest port for Slack. Slack has no idempotency key for messages, so the window is 0."""

    idempotency_window = dt.timedelta(0)

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def check(self) -> str:
        """Verify the token with ``auth.test``; return 'team / bot user' for the log."""
        try:
            response = await self._client.auth_test()
        except SlackApiError as exc:
            raise PostRejected(f"Slack refused the token: {exc.response.get('error')}") from exc
        except aiohttp.ClientConnectorError as exc:
            raise PostNotSent(f"cannot reach the Slack Web API: {exc}") from exc
        return f"{response.get('team')} / {response.get('user')}"

    async def post(
        self, channel_id: str, reply: Reply, idempotency_key: str, thread_of: str | None = None
    ) -> str:
        """Post to the channel as the Slack adapter renders replies; return the message ``ts``.

        A brief is a thread, so the channel stays quiet: a one-line parent message, and the
        brief itself as its first reply. A note ("nothing new") is one message. With
        ``thread_of`` (an earlier digest's ``ts``), the reply goes into that thread and its
        ``ts`` is returned, so the next digest follows the same thread. A ``TEAM:CHANNEL``
        address (subscribed while the app was installed by OAuth) posts to its channel with this
        one token.
        """
        message = reply_message(reply)
        if thread_of is not None:
            await self._send(channel_id, message, idempotency_key, thread_of)
            return thread_of
        if not isinstance(reply, BriefReply):
            return await self._send(channel_id, message, idempotency_key)
        line = escape(thread_parent_line(reply.brief))
        parent = SlackMessage(
            text=line,
            blocks=(SectionBlock(text=MarkdownTextObject(text=line, verbatim=True)),),
        )
        thread_ts = await self._send(channel_id, parent, idempotency_key)
        # The parent is posted: from here on a failure leaves the outcome unknown (no retry).
        try:
            await self._send(channel_id, message, idempotency_key, thread_ts)
        except (PostNotSent, PostRejected) as exc:
            raise RuntimeError(
                f"digest parent {thread_ts} posted, thread reply not: {exc}"
            ) from exc
        return thread_ts

    async def find_posted(
        self,
        channel_id: str,
        idempotency_key: str,
        since: dt.datetime,
        thread_of: str | None = None,
    ) -> str | None:
        """The ``ts`` of the digest posted with this key since ``since``, found by the metadata
        every digest carries: in the channel history (``conversations.history``), or in the
        thread of ``thread_of`` (``conversations.replies``). None when it is not there. Needs
        the ``channels:history`` scope (``groups:history`` for private channels); without it
        Slack refuses and the digest is recorded 'unknown', as before."""
        channel = ChannelAddress.parse(channel_id).channel_id
        oldest = f"{since.timestamp() - HISTORY_MARGIN_S:.6f}"
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                if thread_of is None:
                    response = await self._client.conversations_history(
                        channel=channel,
                        oldest=oldest,
                        include_all_metadata=True,
                        limit=200,
                        cursor=cursor,
                    )
                else:
                    response = await self._client.conversations_replies(
                        channel=channel,
                        ts=thread_of,
                        oldest=oldest,
                        include_all_metadata=True,
                        limit=200,
                        cursor=cursor,
                    )
            except SlackApiError as exc:
                raise PostRejected(f"history: {exc.response.get('error')}") from exc
            for message in response.get("messages") or ():
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if (
                    metadata.get("event_type") == DIGEST_EVENT
                    and payload.get("key") == idempotency_key
                ):
                    return str(message["ts"]) if thread_of is None else thread_of
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not response.get("has_more") or cursor is None:
                return None
        raise RuntimeError(f"more than {HISTORY_PAGES * 200} messages since the claim")

    async def _send(
        self,
        channel_id: str,
        message: SlackMessage,
        idempotency_key: str,
        thread_ts: str | None = None,
    ) -> str:
        try:
            response = await self._client.chat_postMessage(
                channel=ChannelAddress.parse(channel_id).channel_id,
                text=message.text,
                blocks=message.blocks_json(),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                # Lets a replica (find_posted), or a person, find the message in the history.
                metadata={
                    "event_type": DIGEST_EVENT,
                    "event_payload": {"key": idempotency_key},
                },
            )
        except aiohttp.ClientConnectorError as exc:
            raise PostNotSent(f"cannot reach the Slack Web API: {exc}") from exc
        except SlackApiError as exc:
            # ok=false: Slack answered and did not post (channel_not_found, not_in_channel, ...).
            raise PostRejected(str(exc.response.get("error"))) from exc
        return str(response["ts"])


class SlackWorkspacesPoster:
    """The digest port for an app installed by OAuth: each channel address (``TEAM:CHANNEL``)
    is posted to with its workspace's bot token, looked up in the store at each post so an
    uninstall or a reinstall takes effect at once. A bare channel id (subscribed while the app
    served one workspace) uses ``fallback_token`` (SLACK_BOT_TOKEN) when there is one."""

    idempotency_window = dt.timedelta(0)

    def __init__(
        self,
        installations: Installations,
        api_url: str = SLACK_API_URL,
        fallback_token: str | None = None,
    ) -> None:
        self._installations = installations
        self._api_url = api_url
        self._fallback_token = fallback_token
        self._posters: dict[str, SlackDigestPoster] = {}  # by token: one client each

    async def check(self) -> str:
        """How many workspaces the app is installed in, for the log."""
        count = await self._installations.count_installations(PLATFORM)
        return f"{count} workspace(s) installed by OAuth"

    async def post(
        self, channel_id: str, reply: Reply, idempotency_key: str, thread_of: str | None = None
    ) -> str:
        """Post with the token of the channel's workspace; PostRejected when it has none."""
        address = ChannelAddress.parse(channel_id)
        token = await self._token(address, channel_id)
        poster = self._poster(token)
        return await poster.post(address.channel_id, reply, idempotency_key, thread_of)

    async def find_posted(
        self,
        channel_id: str,
        idempotency_key: str,
        since: dt.datetime,
        thread_of: str | None = None,
    ) -> str | None:
        """As ``SlackDigestPoster.find_posted``, with the channel's workspace's token."""
        address = ChannelAddress.parse(channel_id)
        poster = self._poster(await self._token(address, channel_id))
        return await poster.find_posted(address.channel_id, idempotency_key, since, thread_of)

    def _poster(self, token: str) -> SlackDigestPoster:
        poster = self._posters.get(token)
        if poster is None:
            poster = self._posters[token] = SlackDigestPoster(digest_client(token, self._api_url))
        return poster

    async def _token(self, address: ChannelAddress, channel_id: str) -> str:
        if address.team_id is None:
            if self._fallback_token is None:
                raise PostRejected(
                    f"channel {channel_id} names no workspace and SLACK_BOT_TOKEN is not set"
                )
            return self._fallback_token
        installation = await self._installations.find_installation(PLATFORM, "", address.team_id)
        if installation is None:
            raise PostRejected(f"briefbot is not installed in workspace {address.team_id}")
        return installation.bot_token
