"""``briefbot slack``: serve the Slack app until SIGTERM or Ctrl-C.

Socket Mode when ``SLACK_APP_TOKEN`` is set (no public URL needed), else HTTP on ``$PORT`` at
``/slack/events``. On the signal the runner stops taking requests, lets the commands it took
deliver their answers (bounded), then closes the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import (
    EVENTS_PATH,
    OneAuthTest,
    build_app,
    http_app,
    slack_web_client,
)
from adapters.slack.guard import REQUEST_HEAD_SECONDS, GuardedTCPSite
from adapters.slack.oauth import INSTALL_PATH, PLATFORM
from adapters.slack.settings import SlackSettings, load_slack_settings
from bot.app import run_chat
from bot.chat.dispatcher import Dispatcher
from bot.ops.runtime import CHAT_DRAIN_SECONDS, InFlight, Shutdown, wait_for_stop
from bot.settings import Settings, SettingsError
from bot.store import open_store
from bot.store.installations import InstallationStore

log = logging.getLogger(__name__)


async def run_slack(settings: Settings, env: Mapping[str, str]) -> int:
    """Start the core and the Slack app; return 0 after a clean shutdown."""
    slack = load_slack_settings(env)  # fail on a missing secret before opening anything
    if slack.oauth is None:
        await check_tokens(slack_web_client(slack), slack)
        return await run_chat(
            settings, lambda dispatcher, shutdown: serve(dispatcher, slack, shutdown)
        )
    # Installed by OAuth: the workspaces' tokens are in the store, read through its own
    # connection here so the core's is never held by a token look-up.
    async with await open_store(settings) as store:
        installations = store.installations
        log.info(
            "OAuth installs: %d workspace(s); add more at %s",
            await installations.count_installations(PLATFORM),
            INSTALL_PATH,
        )
        return await run_chat(
            settings,
            lambda dispatcher, shutdown: serve(
                dispatcher, slack, shutdown, installations=installations
            ),
        )


async def check_tokens(client: AsyncWebClient, slack: SlackSettings) -> None:
    """Raise SettingsError naming the variable when Slack rejects a token, rather than serve
    requests that cannot be answered (HTTP) or retry the connection forever (Socket Mode)."""
    try:
        await client.auth_test()
    except SlackApiError as exc:
        raise SettingsError(
            f"Slack rejected SLACK_BOT_TOKEN: {exc.response.get('error')}"
        ) from None
    if slack.app_token is None:
        return
    try:
        await client.apps_connections_open(app_token=slack.app_token)
    except SlackApiError as exc:
        raise SettingsError(
            f"Slack rejected SLACK_APP_TOKEN: {exc.response.get('error')}"
        ) from None


async def serve(
    dispatcher: Dispatcher,
    slack: SlackSettings,
    shutdown: Shutdown,
    drain_seconds: float = CHAT_DRAIN_SECONDS,
    installations: InstallationStore | None = None,
) -> None:
    """Answer Slack through ``dispatcher`` until ``shutdown``, then finish what was taken."""
    inflight = InFlight()
    client = slack_web_client(slack)
    authorize = None
    if slack.oauth is None:
        authorize = OneAuthTest(client)
        await authorize()  # so that no request's ack waits for auth.test
    app = build_app(dispatcher, client, slack, inflight, authorize, installations)
    if slack.socket_mode:
        await _serve_socket_mode(app, slack, shutdown)
    else:
        await _serve_http(app, slack, shutdown)
    await inflight.drain(drain_seconds)


async def _serve_socket_mode(app: AsyncApp, slack: SlackSettings, shutdown: Shutdown) -> None:
    handler = AsyncSocketModeHandler(app, slack.app_token, web_client=app.client)
    # slack-bolt leaves these two methods unannotated. Connecting retries until it succeeds,
    # so a signal must be able to end it too.
    connecting = asyncio.ensure_future(handler.connect_async())  # type: ignore[no-untyped-call]
    try:
        if not await wait_for_stop(connecting, shutdown):
            await connecting
            log.info("connected to Slack in Socket Mode")
            await shutdown.wait()
    finally:
        connecting.cancel()
        await handler.close_async()  # type: ignore[no-untyped-call]


async def _serve_http(app: AsyncApp, slack: SlackSettings, shutdown: Shutdown) -> None:
    runner = http_runner(app, slack.signing_secret or "")
    await runner.setup()
    try:
        await GuardedTCPSite(runner, host=slack.bind_host, port=slack.port).start()
        log.info(
            "serving Slack requests on %s port %d at %s", slack.bind_host, slack.port, EVENTS_PATH
        )
        await shutdown.wait()
    finally:
        # Stops listening and finishes the requests being answered (their acks) first.
        await runner.cleanup()


def http_runner(
    app: AsyncApp, signing_secret: str, head_seconds: float = REQUEST_HEAD_SECONDS
) -> web.AppRunner:
    """The aiohttp runner for ``http_app``; serve it with a ``GuardedTCPSite``.

    Idle kept-alive connections, and those part-way through a later request, close after
    ``head_seconds`` (the guard bounds each connection's first request).
    """
    return web.AppRunner(
        http_app(app, signing_secret, body_seconds=head_seconds),
        keepalive_timeout=head_seconds,
    )
