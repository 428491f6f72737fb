"""Chat installations and OAuth states in the store: per workspace, replaced on reinstall,
deleted on uninstall, states good once and only until they expire."""

from __future__ import annotations

import datetime as dt

from bot.store.installations import BotInstallation
from bot.store.protocols import Store
from tests.conftest import FIXED_NOW


def installation(team_id: str, token: str, enterprise_id: str = "") -> BotInstallation:
    return BotInstallation(
        platform="slack",
        team_id=team_id,
        enterprise_id=enterprise_id,
        bot_token=token,
        bot_id="B1",
        bot_user_id="U1",
        scopes=("commands", "chat:write"),
        installed_at=FIXED_NOW,
        team_name="Acme",
        expires_at=FIXED_NOW + dt.timedelta(hours=12),
        refresh_token="xoxe-1-refresh",
    )


async def test_installations_by_workspace(store: Store) -> None:
    installations = store.installations
    await installations.save_installation(installation("T1", "xoxb-old"))
    await installations.save_installation(installation("T2", "xoxb-two"))
    await installations.save_installation(installation("T1", "xoxb-new"))  # reinstalled
    assert await installations.count_installations("slack") == 2
    assert await installations.count_installations("discord") == 0
    found = await installations.find_installation("slack", "", "T1")
    assert found == installation("T1", "xoxb-new")
    assert "xoxb-new" not in repr(found) and "xoxe" not in repr(found)
    assert await installations.find_installation("discord", "", "T1") is None
    assert await installations.delete_installation("slack", "", "T1") == 1
    assert await installations.find_installation("slack", "", "T1") is None
    assert await installations.delete_installation("slack", "", "T1") == 0


async def test_an_organisation_wide_install_serves_its_teams(store: Store) -> None:
    installations = store.installations
    await installations.save_installation(installation("", "xoxb-org", enterprise_id="E1"))
    org = await installations.find_installation("slack", "E1", "T9")
    assert org is not None and org.bot_token == "xoxb-org"
    assert await installations.find_installation("slack", "", "T9") is None  # no organisation known
    await installations.save_installation(installation("T9", "xoxb-team", enterprise_id="E1"))
    team = await installations.find_installation("slack", "E1", "T9")
    assert team is not None and team.bot_token == "xoxb-team"  # the workspace's own first


async def test_an_oauth_state_is_good_once_until_it_expires(store: Store) -> None:
    installations = store.installations
    later = FIXED_NOW + dt.timedelta(minutes=10)
    await installations.issue_state("s1", FIXED_NOW, later)
    await installations.issue_state("s2", FIXED_NOW, later)
    assert await installations.consume_state("s1", FIXED_NOW)
    assert not await installations.consume_state("s1", FIXED_NOW)  # used up
    assert not await installations.consume_state("never-issued", FIXED_NOW)
    assert not await installations.consume_state("s2", later + dt.timedelta(seconds=1))  # expired
    await installations.issue_state("s3", FIXED_NOW, later)
    await installations.issue_state(
        "s4", later + dt.timedelta(seconds=1), later + dt.timedelta(hours=1)
    )
    assert not await installations.consume_state("s3", FIXED_NOW)  # swept once expired
