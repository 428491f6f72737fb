"""The Slack app: ``/summary`` and @-mentions in, the core's replies out as Block Kit messages.

Slack wants every request acknowledged within 3 seconds. With ``process_before_response=False``
(right for a long-running process; lazy listeners exist for FaaS, where the process may freeze
after answering) Bolt runs each listener in its own task and sends the HTTP response, or the
Socket Mode acknowledgement, as soon as the listener calls ``ack()``. The slash command listener
therefore acks first and builds the brief afterwards, posting it to the command's
``response_url``; events are acknowledged by Bolt before their listener starts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import SlackMessage, reply_message
from adapters.slack.oauth import INSTALL_PATH, REDIRECT_PATH, ChannelAddress, oauth_settings
from adapters.slack.settings import SlackSettings
from bot.chat.commands import BriefReply, takes_a_while
from bot.chat.dispatcher import Dispatcher
from bot.models import Conversation
from bot.ops.runtime import InFlight
from bot.store.installations import InstallationStore

PLATFORM = "slack"
COMMAND = "/summary"
EVENTS_PATH = "/slack/events"
WORKING = "Working on it…"
RATE_LIMIT_RETRIES = 2
_LEADING_MENTIONS = re.compile(r"^(?:\s*<@[A-Z0-9]+(?:\|[^>]*)?>)+")
_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
log = logging.getLogger(__name__)


def slack_web_client(settings: SlackSettings) -> AsyncWebClient:
    """The Web API client for ``SLACK_API_URL``; a 429 is retried after its ``Retry-After``."""
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


def one_auth_test(client: AsyncWebClient) -> Callable[[], Awaitable[AuthorizeResult]]:
    """Bolt's authorization for this one workspace, with ``auth.test`` called once.

    Bolt's own single-workspace authorization caches ``auth.test`` only once a first call has
    returned, so a burst of first requests made one call each (100 for a burst of 100).
    """
    lock = asyncio.Lock()
    known: list[AuthorizeResult] = []

    async def authorize() -> AuthorizeResult:
        async with lock:
            if not known:
                response = await client.auth_test()
                known.append(
                    AuthorizeResult.from_auth_test_response(
                        auth_test_response=response, bot_token=client.token
                    )
                )
        return known[0]

    return authorize


def build_app(
    dispatcher: Dispatcher,
    client: AsyncWebClient,
    settings: SlackSettings,
    inflight: InFlight | None = None,
    installations: InstallationStore | None = None,
) -> AsyncApp:
    """A Bolt app answering ``/summary`` and app mentions through ``dispatcher``, posting via
    ``client``: with the one SLACK_BOT_TOKEN, or, when ``settings.oauth`` is set, with each
    workspace's token from ``installations`` (and the OAuth install pages).

    Each command counts in ``inflight`` until its answer is delivered, for a graceful shutdown.
    """
    if settings.oauth is not None:
        if installations is None:
            raise ValueError("OAuth installs need the store's installations")
        app = AsyncApp(
            name="briefbot",
            client=client,
            signing_secret=settings.signing_secret or "",
            process_before_response=False,
            oauth_settings=oauth_settings(settings.oauth, installations),
            installation_store_bot_only=True,
        )
        # app_uninstalled and tokens_revoked delete the workspace's installation.
        app.enable_token_revocation_listeners()
    else:
        app = AsyncApp(
            name="briefbot",
            client=client,
            # Socket Mode requests are not signed (the WebSocket is authenticated instead).
            signing_secret=settings.signing_secret or "",
            process_before_response=False,
            authorize=one_auth_test(client),
        )
    listeners = SlackListeners(
        dispatcher,
        client.retry_handlers,
        inflight or InFlight(),
        per_workspace=settings.oauth is not None,
    )
    app.middleware(listeners.skip_redelivered_events)
    app.command(COMMAND)(listeners.on_summary)
    app.event("app_mention")(listeners.on_mention)
    return app


class SlackListeners:
    """Translate Slack payloads into core commands and core replies into Slack messages."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        retry_handlers: list[AsyncRetryHandler],
        inflight: InFlight,
        per_workspace: bool = False,
    ) -> None:
        self.dispatcher = dispatcher
        self.retry_handlers = retry_handlers
        self.inflight = inflight
        # Installed in many workspaces: channels are addressed with their workspace, so
        # subscriptions (digests) know whose token reaches them.
        self.per_workspace = per_workspace

    def address(self, team_id: object, channel_id: object) -> str:
        """The conversation's channel: ``TEAM:CHANNEL`` per workspace, else the channel id."""
        team = str(team_id) if self.per_workspace and team_id else None
        return str(ChannelAddress(team, str(channel_id or "")))

    async def skip_redelivered_events(
        self, body: dict[str, Any], next_: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Acknowledge, and otherwise ignore, an Events API delivery that was claimed before.

        Slack redelivers an event (``X-Slack-Retry-Num``) when an answer was slow or lost; the
        claim is stored, so a redelivery is ignored even across restarts and processes.
        """
        event_id = body.get("event_id")
        redelivered = (
            body.get("type") == "event_callback"
            and isinstance(event_id, str)
            and not await self.dispatcher.claim_event(PLATFORM, event_id)
        )
        if redelivered:
            log.info("ignoring redelivered event %s", event_id)
            return BoltResponse(status=200, body="")
        await next_()
        return None

    async def on_summary(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        """``/summary …``: help, topics and mistakes at once; a brief after the ack."""
        async with self.inflight.track():
            await self._summary(ack, command)

    async def _summary(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        text = str(command.get("text", ""))
        conversation = Conversation(
            platform=PLATFORM,
            channel_id=self.address(command.get("team_id"), command.get("channel_id")),
            user_id=str(command.get("user_id", "")),
        )
        request = self.dispatcher.read(text)
        if not takes_a_while(request):
            # Help, the topic list and mistakes are answered at once, so they fit in the ack.
            message = reply_message(await self.dispatcher.answer(request, conversation))
            await ack(text=message.text, blocks=message.blocks_json(), response_type="ephemeral")
            return
        await ack(text=WORKING, response_type="ephemeral")
        reply = await self.dispatcher.answer(request, conversation)
        visibility = "in_channel" if isinstance(reply, BriefReply) else "ephemeral"
        await self._respond(str(command.get("response_url", "")), reply_message(reply), visibility)

    async def on_mention(
        self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """``@briefbot summary china-russia``: the reply goes into the mention's thread, posted
        with the token of the workspace it came from (Bolt's ``client`` for this request)."""
        async with self.inflight.track():
            await self._mention(body.get("team_id"), event, client)

    async def _mention(
        self, team_id: object, event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        channel = str(event.get("channel", ""))
        thread = str(event.get("thread_ts") or event.get("ts") or "")
        conversation = Conversation(
            platform=PLATFORM,
            channel_id=self.address(team_id, channel),
            user_id=str(event.get("user", "")),
            thread_id=thread or None,
        )
        text = _LEADING_MENTIONS.sub("", str(event.get("text", ""))).strip()
        message = reply_message(await self.dispatcher.handle(text, conversation))
        await client.chat_postMessage(
            channel=channel,
            thread_ts=thread or None,
            text=message.text,
            blocks=message.blocks_json(),
            unfurl_links=False,
            unfurl_media=False,
        )

    async def _respond(self, response_url: str, message: SlackMessage, response_type: str) -> None:
        webhook = AsyncWebhookClient(url=response_url, retry_handlers=self.retry_handlers)
        response = await webhook.send(
            text=message.text,
            blocks=message.blocks_json(),
            response_type=response_type,
            unfurl_links=False,
            unfurl_media=False,
        )
        if response.status_code != 200:
            log.warning(
                "response_url refused the reply: %d %s", response.status_code, response.body[:200]
            )


def http_app(bolt: AsyncApp, path: str = EVENTS_PATH) -> web.Application:
    """An aiohttp app serving Slack's HTTP requests at ``path``.

    Bolt verifies the signature and the 5-minute timestamp window (401 otherwise). Requests Bolt
    would fail on before that check are refused here: a timestamp that is not a number, a
    signature that is not ``v0=<hex>`` (401), and a body that does not parse (400).
    """

    async def handle(request: web.Request) -> web.Response:
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        if timestamp is not None and not _TIMESTAMP.fullmatch(timestamp):
            return web.json_response({"error": "malformed request timestamp"}, status=400)
        signature = request.headers.get("X-Slack-Signature")
        if signature is not None and not _SIGNATURE.fullmatch(signature):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except Exception:
            # Bolt parses the body before verifying it, so this may be anyone's garbage.
            log.info("refused a request whose body does not parse")
            return web.json_response({"error": "malformed request body"}, status=400)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    app = web.Application()
    app.router.add_post(path, handle)
    if bolt.oauth_flow is not None:
        flow = bolt.oauth_flow

        async def install(request: web.Request) -> web.Response:
            """The "Add to Slack" page, with a one-time state bound to this browser."""
            return await to_aiohttp_response(
                await flow.handle_installation(await to_bolt_request(request))
            )

        async def redirect(request: web.Request) -> web.Response:
            """Slack's redirect after an install: check the state, exchange the code, keep the
            workspace's bot token."""
            return await to_aiohttp_response(
                await flow.handle_callback(await to_bolt_request(request))
            )

        app.router.add_get(INSTALL_PATH, install)
        app.router.add_get(REDIRECT_PATH, redirect)
    return app
