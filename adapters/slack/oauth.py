"""Slack for many workspaces: OAuth installs kept in briefbot's store.

slack-bolt runs the OAuth flow (``/slack/install`` renders the "Add to Slack" page and issues a
``state``; ``/slack/oauth_redirect`` checks it and exchanges the code at ``oauth.v2.access``) and
looks up each request's bot token by its workspace. These classes are its installation store and
state store, translated onto briefbot's store Protocols (bot.store.installations), so every
replica of the web process and the digests process share the installations. Uninstalling the
app, or revoking its tokens, deletes the workspace's installation (Bolt's built-in listeners).

A channel is addressed as ``TEAM:CHANNEL`` in conversations and subscriptions when the app is
installed by OAuth, so a digest knows whose token to post with.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from adapters.slack.settings import SlackOAuth
from bot.clock import Clock, utc_now
from bot.store.installations import (
    BotInstallation,
    Installations,
    InstallationStore,
    OAuthStates,
)

PLATFORM = "slack"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600  # how long an "Add to Slack" page stays usable
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelAddress:
    """A Slack channel and the workspace whose token reaches it."""

    team_id: str | None  # None: the one workspace of SLACK_BOT_TOKEN
    channel_id: str

    def __str__(self) -> str:
        return self.channel_id if self.team_id is None else f"{self.team_id}:{self.channel_id}"

    @classmethod
    def parse(cls, text: str) -> ChannelAddress:
        """``TEAM:CHANNEL`` (OAuth installs) or a bare channel id (one workspace)."""
        team, colon, channel = text.partition(":")
        return cls(team, channel) if colon else cls(None, text)


class StoreInstallationStore(AsyncInstallationStore):
    """Bolt's installation store on briefbot's store: bot tokens only (no user tokens)."""

    def __init__(self, installations: Installations, clock: Clock = utc_now) -> None:
        self._installations = installations
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        """Keep the bot part of a completed install."""
        bot = installation.to_bot()
        await self.async_save_bot(bot)
        log.info(
            "installed in workspace %s (%s)", installation.team_id, installation.team_name or "?"
        )

    async def async_save_bot(self, bot: Bot) -> None:
        """Keep a bot installation (also called with a rotated token)."""
        expires = bot.bot_token_expires_at
        await self._installations.save_installation(
            BotInstallation(
                platform=PLATFORM,
                team_id=bot.team_id or "",
                enterprise_id=bot.enterprise_id or "",
                bot_token=bot.bot_token,
                bot_id=bot.bot_id,
                bot_user_id=bot.bot_user_id,
                scopes=tuple(bot.bot_scopes),
                installed_at=dt.datetime.fromtimestamp(float(bot.installed_at), dt.UTC),
                app_id=bot.app_id,
                team_name=bot.team_name,
                is_enterprise_install=bool(bot.is_enterprise_install),
                refresh_token=bot.bot_refresh_token,
                expires_at=None if expires is None else dt.datetime.fromtimestamp(expires, dt.UTC),
            )
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The workspace's bot, as Bolt's authorization needs it."""
        found = await self._installations.find_installation(
            PLATFORM, enterprise_id or "", "" if is_enterprise_install else team_id or ""
        )
        if found is None:
            return None
        return Bot(
            app_id=found.app_id,
            enterprise_id=found.enterprise_id or None,
            team_id=found.team_id or None,
            team_name=found.team_name,
            bot_token=found.bot_token,
            bot_id=found.bot_id,
            bot_user_id=found.bot_user_id,
            bot_scopes=list(found.scopes),
            bot_refresh_token=found.refresh_token,
            bot_token_expires_at=None
            if found.expires_at is None
            else int(found.expires_at.timestamp()),
            is_enterprise_install=found.is_enterprise_install,
            installed_at=found.installed_at.timestamp(),
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the workspace's bot (its token was revoked, or the app uninstalled)."""
        deleted = await self._installations.delete_installation(
            PLATFORM, enterprise_id or "", team_id or ""
        )
        log.info("removed the installation of workspace %s (%d)", team_id, deleted)

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        """No user tokens are kept; an installation without a user is the bot's."""
        if user_id is None:
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class StoreStateStore(AsyncOAuthStateStore):
    """One-time OAuth states in briefbot's store, valid for ``STATE_SECONDS`` on any replica."""

    def __init__(
        self, states: OAuthStates, clock: Clock = utc_now, expiration_seconds: int = STATE_SECONDS
    ) -> None:
        self._states = states
        self._clock = clock
        self._lifetime = dt.timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        """A new unguessable state."""
        state = secrets.token_urlsafe(32)
        now = self._clock()
        await self._states.issue_state(state, now, now + self._lifetime)
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued here that has not expired."""
        return await self._states.consume_state(state, self._clock())


def oauth_settings(oauth: SlackOAuth, store: InstallationStore) -> AsyncOAuthSettings:
    """Bolt's OAuth settings with the stores on briefbot's store; bot tokens only."""
    return AsyncOAuthSettings(
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        scopes=list(oauth.scopes),
        user_scopes=[],
        redirect_uri=oauth.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=StoreInstallationStore(store),
        installation_store_bot_only=True,
        state_store=StoreStateStore(store),
        state_expiration_seconds=STATE_SECONDS,
        logger=log,
    )
