"""The Slack app: ``/summary`` and @-mentions in, the core's replies out as Block Kit messages.

Slack wants every request acknowledged within 3 seconds. With ``process_before_response=False``
(right for a long-running process; lazy listeners exist for FaaS, where the process may freeze
after answering) Bolt runs each listener in its own task and sends the HTTP response, or the
Socket Mode acknowledgement, as soon as the listener calls ``ack()``. The slash command listener
therefore acks first and does any store or network work afterwards, posting the answer to the
command's ``response_url``; only help, the topic list and parse errors (instant and local) are
answered in the ack itself. Events are acknowledged by Bolt before their listener starts, so
the listener, not a middleware, claims the event id against redelivery.
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
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
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


class OneAuthTest:
    """Bolt's authorization for this one workspace, with ``auth.test`` called once.

    Bolt's own single-workspace authorization caches ``auth.test`` only once a first call has
    returned, so a burst of first requests made one call each (100 for a burst of 100). The
    runner calls it once before serving, so no request's ack waits for the Web API.
    """

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._lock = asyncio.Lock()
        self._known: AuthorizeResult | None = None

    async def __call__(self) -> AuthorizeResult:
        async with self._lock:
            if self._known is None:
                response = await self._client.auth_test()
                self._known = AuthorizeResult.from_auth_test_response(
                    auth_test_response=response, bot_token=self._client.token
                )
        return self._known

    def for_bolt(self) -> Callable[[], Awaitable[AuthorizeResult]]:
        """As Bolt takes it: a function (Bolt fills arguments by name, ``self`` included)."""

        async def authorize() -> AuthorizeResult:
            return await self()

        return authorize


def build_app(
    dispatcher: Dispatcher,
    client: AsyncWebClient,
    settings: SlackSettings,
    inflight: InFlight | None = None,
    authorize: OneAuthTest | None = None,
    installations: InstallationStore | None = None,
) -> AsyncApp:
    """A Bolt app answering ``/summary`` and app mentions through ``dispatcher``, posting via
    ``client``: with the one SLACK_BOT_TOKEN, or, when ``settings.oauth`` is set, with each
    workspace's token from ``installations`` (and the OAuth install pages).

    Each command counts in ``inflight`` until its answer is delivered, for a graceful shutdown.
    ``authorize`` should have been called once already (see ``OneAuthTest``).
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
            authorize=(authorize or OneAuthTest(client)).for_bolt(),
        )
    listeners = SlackListeners(
        dispatcher,
        client.retry_handlers,
        inflight or InFlight(),
        per_workspace=settings.oauth is not None,
    )
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
        # Everything else (briefs, links, subscriptions) may wait on the store or a web page:
        # acknowledge first, answer through the response URL.
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
            await self._mention(body, event, client)

    async def _mention(
        self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        event_id = body.get("event_id")
        # Bolt has acknowledged the delivery before this runs, so the claim (a store write)
        # never delays the ack. Slack redelivers (X-Slack-Retry-Num) an event whose ack was slow
        # or lost; the claim is stored, so a redelivery is ignored across restarts and processes.
        if isinstance(event_id, str) and not await self.dispatcher.claim_event(PLATFORM, event_id):
            log.info("ignoring redelivered event %s", event_id)
            return
        team_id = body.get("team_id")
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


def http_app(
    bolt: AsyncApp, signing_secret: str, path: str = EVENTS_PATH, body_seconds: float = 10.0
) -> web.Application:
    """An aiohttp app serving Slack's HTTP requests at ``path``.

    Bolt verifies the signature and the 5-minute timestamp window (401 otherwise). Requests Bolt
    would fail on before that check are refused here: a timestamp that is not a number, a
    signature that is not ``v0=<hex>`` (401), and a body that does not parse (400). An
    ``event_callback`` whose ``event`` is not an object breaks Bolt's own middleware (HTTP 500):
    signed, it is acknowledged and ignored here (200, so Slack does not redeliver it); unsigned,
    refused (401). A body that takes longer than ``body_seconds`` to arrive gets 408.
    """
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.Response:
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        if timestamp is not None and not _TIMESTAMP.fullmatch(timestamp):
            return web.json_response({"error": "malformed request timestamp"}, status=400)
        signature = request.headers.get("X-Slack-Signature")
        if signature is not None and not _SIGNATURE.fullmatch(signature):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            async with asyncio.timeout(body_seconds):
                bolt_request = await to_bolt_request(request)
        except TimeoutError:
            log.info("refused a request whose body did not arrive in %g s", body_seconds)
            return web.json_response({"error": "request body too slow"}, status=408)
        except Exception:
            # Bolt parses the body before verifying it, so this may be anyone's garbage.
            log.info("refused a request whose body does not parse")
            return web.json_response({"error": "malformed request body"}, status=400)
        body = bolt_request.body
        if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
            if not verifier.is_valid_request(bolt_request.raw_body, dict(request.headers)):
                return web.json_response({"error": "invalid request"}, status=401)
            log.warning("ignored a signed event_callback whose event is not an object")
            return web.Response(status=200)
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
