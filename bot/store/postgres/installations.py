"""Chat installations and OAuth states in PostgreSQL (``Installations`` and ``OAuthStates``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.store.installations import BotInstallation
from bot.store.postgres.connection import Database

_COLUMNS = (
    "platform, enterprise_id, team_id, app_id, team_name, bot_token, bot_id, bot_user_id,"
    " scopes, is_enterprise_install, refresh_token, expires_at, installed_at"
)


class PostgresInstallations:
    """Installations and OAuth states on the store's reader and writer connections."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def save_installation(self, installation: BotInstallation) -> None:
        """Store the installation, replacing the workspace's previous one."""
        i = installation
        row = (
            i.platform,
            i.enterprise_id,
            i.team_id,
            i.app_id,
            i.team_name,
            i.bot_token,
            i.bot_id,
            i.bot_user_id,
            ",".join(i.scopes),
            int(i.is_enterprise_install),
            i.refresh_token,
            None if i.expires_at is None else i.expires_at.isoformat(),
            i.installed_at.isoformat(),
        )
        async with self._db.write() as db:
            await db.execute(
                f"INSERT INTO chat_installations ({_COLUMNS})"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (platform, enterprise_id, team_id) DO UPDATE SET"
                + ", ".join(f" {c} = excluded.{c}" for c in _COLUMNS.split(", ")[3:]),
                row,
            )

    async def find_installation(
        self, platform: str, enterprise_id: str, team_id: str
    ) -> BotInstallation | None:
        """The workspace's installation (team ids are unique across organisations), else the
        organisation-wide one of ``enterprise_id``."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM chat_installations WHERE platform = %s"
            " AND ((team_id <> '' AND team_id = %s)"
            " OR (team_id = '' AND enterprise_id <> '' AND enterprise_id = %s))"
            " ORDER BY team_id = '' LIMIT 1",
            (platform, team_id, enterprise_id),
        )
        return None if row is None else _installation(row)

    async def delete_installation(self, platform: str, enterprise_id: str, team_id: str) -> int:
        """Forget the workspace's installation; how many rows went."""
        async with self._db.write() as db:
            cursor = await db.execute(
                "DELETE FROM chat_installations"
                " WHERE platform = %s AND enterprise_id = %s AND team_id = %s",
                (platform, enterprise_id, team_id),
            )
            return cursor.rowcount

    async def count_installations(self, platform: str) -> int:
        """How many workspaces have the bot installed."""
        row = await self._db.fetch_one(
            "SELECT count(*) FROM chat_installations WHERE platform = %s", (platform,)
        )
        return int(row[0]) if row else 0

    async def issue_state(self, state: str, now: dt.datetime, expires_at: dt.datetime) -> None:
        """Remember a new state until it expires; those expired by ``now`` are forgotten."""
        async with self._db.write() as db:
            await db.execute(
                "DELETE FROM oauth_states WHERE expires_at < %s",
                (now.astimezone(dt.UTC).isoformat(),),
            )
            await db.execute(
                "INSERT INTO oauth_states (state, expires_at) VALUES (%s, %s)",
                (state, expires_at.astimezone(dt.UTC).isoformat()),
            )

    async def consume_state(self, state: str, now: dt.datetime) -> bool:
        """Forget the state; True when it was issued and had not expired (only once)."""
        async with self._db.write() as db:
            cursor = await db.execute(
                "DELETE FROM oauth_states WHERE state = %s RETURNING expires_at", (state,)
            )
            row = await cursor.fetchone()
            await cursor.close()
        return row is not None and dt.datetime.fromisoformat(str(row[0])) >= now


def _installation(row: Sequence[object]) -> BotInstallation:
    (platform, enterprise, team, app, team_name, token, bot_id, bot_user, scopes) = row[:9]
    enterprise_install, refresh, expires, installed = row[9:]
    return BotInstallation(
        platform=str(platform),
        team_id=str(team),
        enterprise_id=str(enterprise),
        bot_token=str(token),
        bot_id=str(bot_id),
        bot_user_id=str(bot_user),
        scopes=tuple(s for s in str(scopes).split(",") if s),
        installed_at=dt.datetime.fromisoformat(str(installed)),
        app_id=None if app is None else str(app),
        team_name=None if team_name is None else str(team_name),
        is_enterprise_install=bool(enterprise_install),
        refresh_token=None if refresh is None else str(refresh),
        expires_at=None if expires is None else dt.datetime.fromisoformat(str(expires)),
    )
