"""Chat-platform installations kept in briefbot's store: one bot token per workspace.

A chat app distributed to many workspaces (Slack's OAuth install) gets a bot token per
workspace; replies and digests must use the token of the workspace they go to. The store keeps
them, and the one-time ``state`` values that tie an OAuth redirect to the browser that started
it, so every replica of the web process and the digests process see the same installations.
Each engine implements these Protocols in ``bot/store/<engine>/installations.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class BotInstallation:
    """A bot installed in one workspace (team) of a platform, and how to act as it there."""

    platform: str
    team_id: str  # the workspace; "" for an organisation-wide install
    enterprise_id: str  # the organisation (Slack Enterprise Grid); "" when there is none
    bot_token: str = field(repr=False)
    bot_id: str
    bot_user_id: str
    scopes: tuple[str, ...]
    installed_at: dt.datetime
    app_id: str | None = None
    team_name: str | None = None
    is_enterprise_install: bool = False
    # Token rotation (when the app enables it): how to get the next token, and when this expires.
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: dt.datetime | None = None


class Installations(Protocol):
    """Bot installations by workspace."""

    async def save_installation(self, installation: BotInstallation) -> None:
        """Store the installation, replacing the workspace's previous one."""
        ...

    async def find_installation(
        self, platform: str, enterprise_id: str, team_id: str
    ) -> BotInstallation | None:
        """The workspace's installation (team ids are unique across organisations), else the
        organisation-wide one of ``enterprise_id`` ("" when unknown)."""
        ...

    async def delete_installation(self, platform: str, enterprise_id: str, team_id: str) -> int:
        """Forget the workspace's installation (uninstalled, tokens revoked); how many rows."""
        ...

    async def count_installations(self, platform: str) -> int:
        """How many workspaces have the bot installed."""
        ...


class OAuthStates(Protocol):
    """One-time OAuth ``state`` values, shared by every replica that may receive the redirect."""

    async def issue_state(self, state: str, now: dt.datetime, expires_at: dt.datetime) -> None:
        """Remember a new state until it expires (forgetting those expired by ``now``)."""
        ...

    async def consume_state(self, state: str, now: dt.datetime) -> bool:
        """Forget the state; True when it was issued and had not expired (only once)."""
        ...


class InstallationStore(Installations, OAuthStates, Protocol):
    """Both: what a platform's OAuth install needs from the store."""
