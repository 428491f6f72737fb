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
                # Lets a person find the message for an 'unknown' digest in the channel history.
                metadata={
                    "event_type": "briefbot_digest",
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
        if address.team_id is None:
            token = self._fallback_token
            if token is None:
                raise PostRejected(
                    f"channel {channel_id} names no workspace and SLACK_BOT_TOKEN is not set"
                )
        else:
            installation = await self._installations.find_installation(
                PLATFORM, "", address.team_id
            )
            if installation is None:
                raise PostRejected(f"briefbot is not installed in workspace {address.team_id}")
            token = installation.bot_token
        poster = self._posters.get(token)
        if poster is None:
            poster = self._posters[token] = SlackDigestPoster(digest_client(token, self._api_url))
        return await poster.post(address.channel_id, reply, idempotency_key, thread_of)
