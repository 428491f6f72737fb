"""Chat installations and OAuth states (``Installations`` and ``OAuthStates``), the same SQL on
every engine."""

from __future__ import annotations

import datetime as dt

from bot.store.installations import BotInstallation
from bot.store.sql.statements import Row, Statements

_COLUMNS = (
    "platform, enterprise_id, team_id, app_id, team_name, bot_token, bot_id, bot_user_id,"
    " scopes, is_enterprise_install, refresh_token, expires_at, installed_at"
)


class SqlInstallations:
    """Installations and OAuth states on the store's reader and writer connections."""

    def __init__(self, statements: Statements) -> None:
        self._sql = statements

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
        await self._sql.change(
            f"INSERT INTO chat_installations ({_COLUMNS})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, enterprise_id, team_id) DO UPDATE SET"
            + ", ".join(f" {c} = excluded.{c}" for c in _COLUMNS.split(", ")[3:]),
            row,
        )

    async def find_installation(
        self, platform: str, enterprise_id: str, team_id: str
    ) -> BotInstallation | None:
        """The workspace's installation (team ids are unique across organisations), else the
        organisation-wide one of ``enterprise_id``."""
        rows = await self._sql.rows(
            f"SELECT {_COLUMNS} FROM chat_installations WHERE platform = ?"
            " AND ((team_id <> '' AND team_id = ?)"
            " OR (team_id = '' AND enterprise_id <> '' AND enterprise_id = ?))"
            " ORDER BY team_id = '' LIMIT 1",
            (platform, team_id, enterprise_id),
        )
        return _installation(rows[0]) if rows else None

    async def delete_installation(self, platform: str, enterprise_id: str, team_id: str) -> int:
        """Forget the workspace's installation; how many rows went."""
        return await self._sql.change(
            "DELETE FROM chat_installations"
            " WHERE platform = ? AND enterprise_id = ? AND team_id = ?",
            (platform, enterprise_id, team_id),
        )

    async def count_installations(self, platform: str) -> int:
        """How many workspaces have the bot installed."""
        rows = await self._sql.rows(
            "SELECT count(*) AS n FROM chat_installations WHERE platform = ?", (platform,)
        )
        return int(rows[0]["n"]) if rows else 0

    async def issue_state(self, state: str, now: dt.datetime, expires_at: dt.datetime) -> None:
        """Remember a new state until it expires; those expired by ``now`` are forgotten."""
        await self._sql.changes(
            (
                "DELETE FROM oauth_states WHERE expires_at < ?",
                (now.astimezone(dt.UTC).isoformat(),),
            ),
            (
                "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)",
                (state, expires_at.astimezone(dt.UTC).isoformat()),
            ),
        )

    async def consume_state(self, state: str, now: dt.datetime) -> bool:
        """Forget the state; True when it was issued and had not expired (only once)."""
        rows = await self._sql.returning(
            "DELETE FROM oauth_states WHERE state = ? RETURNING expires_at", (state,)
        )
        return bool(rows) and dt.datetime.fromisoformat(str(rows[0]["expires_at"])) >= now


def _installation(row: Row) -> BotInstallation:
    app, team_name, refresh, expires = (
        row["app_id"],
        row["team_name"],
        row["refresh_token"],
        row["expires_at"],
    )
    return BotInstallation(
        platform=str(row["platform"]),
        team_id=str(row["team_id"]),
        enterprise_id=str(row["enterprise_id"]),
        bot_token=str(row["bot_token"]),
        bot_id=str(row["bot_id"]),
        bot_user_id=str(row["bot_user_id"]),
        scopes=tuple(s for s in str(row["scopes"]).split(",") if s),
        installed_at=dt.datetime.fromisoformat(str(row["installed_at"])),
        app_id=None if app is None else str(app),
        team_name=None if team_name is None else str(team_name),
        is_enterprise_install=bool(row["is_enterprise_install"]),
        refresh_token=None if refresh is None else str(refresh),
        expires_at=None if expires is None else dt.datetime.fromisoformat(str(expires)),
    )
