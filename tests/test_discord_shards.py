"""Discord shards: the shard variables, the store's named locks, and two real ``briefbot discord``
processes sharing 4 shards on a loopback gateway without two IDENTIFYs of one bucket within
Discord's 5 s window."""

from __future__ import annotations

import asyncio
import signal
from itertools import pairwise

import pytest

from adapters.discord.shards import (
    IDENTIFY_WINDOW_SECONDS,
    ShardPlan,
    ShardPlanError,
    shard_plan,
)
from bot.app import App
from bot.settings import Settings
from tests.bot_process import Process, briefbot_process
from tests.discord_fake_api import FakeDiscordApi, Recorded
from tests.engines import store_env

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

GUARD_SECONDS = 120  # turns a hang into a failure; never reached when things work
TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GqX7rT.AcceptedByTheFakeDiscord_0123456789abcd"


@pytest.mark.parametrize(
    ("env", "plan"),
    [
        ({}, None),
        ({"DISCORD_SHARD_COUNT": "auto"}, ShardPlan(count=None, ids=None)),
        ({"DISCORD_SHARD_COUNT": "4"}, ShardPlan(count=4, ids=None)),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "2,3"}, ShardPlan(4, (2, 3))),
        (
            {"DISCORD_SHARD_COUNT": "16", "DISCORD_SHARD_IDS": " 12-15, 0 "},
            ShardPlan(16, (0, 12, 13, 14, 15)),
        ),
    ],
)
def test_shard_plan_from_the_environment(env: dict[str, str], plan: ShardPlan | None) -> None:
    assert shard_plan(env) == plan


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT must be a whole number"),
        ({"DISCORD_SHARD_COUNT": "four"}, "DISCORD_SHARD_COUNT must be a whole number"),
        ({"DISCORD_SHARD_COUNT": "auto", "DISCORD_SHARD_IDS": "0"}, 'not "auto"'),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "4"}, "shard 4 does not exist"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "0;1"}, "shard numbers and ranges"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "3-1"}, "is empty"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "0-2,2"}, "names a shard twice"),
    ],
)
def test_shard_plan_mistakes_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ShardPlanError, match=message):
        shard_plan(env)


def test_only_the_plan_with_shard_zero_receives_direct_messages() -> None:
    assert ShardPlan(4, (0, 1)).runs_shard_zero and ShardPlan(4, None).runs_shard_zero
    assert not ShardPlan(4, (2, 3)).runs_shard_zero


async def ready(bot: Process, *lines: str) -> None:
    for line in lines:
        await bot.wait_for_line(line)


def identify_times(requests: list[Recorded]) -> dict[int, float]:
    """When each shard's IDENTIFY arrived; a shard identifying twice fails the test."""
    times: dict[int, float] = {}
    for r in requests:
        if r.method == "IDENTIFY":
            shard_id, count = r.body["shard"]
            assert count == 4 and shard_id not in times
            times[shard_id] = r.at
    return times


async def test_two_processes_share_four_shards_one_identify_per_bucket_per_window(
    settings: Settings, briefbot: App
) -> None:
    """2 processes x 2 shards, max_concurrency 2: buckets {0, 2} and {1, 3} each span both
    processes, so only the shared lock keeps their IDENTIFYs 5 s apart (discord.py alone would
    send shards 0 and 2 at once, one from each process)."""
    api = FakeDiscordApi()
    api.max_concurrency = 2
    await api.start()
    env = {"DISCORD_TOKEN": TOKEN, "DISCORD_SHARD_COUNT": "4"}
    module = "tests.discord_process"
    try:
        async with (
            asyncio.timeout(GUARD_SECONDS),
            briefbot_process(
                [api.base_url, "-v", "discord"],
                {**env, **store_env(settings), "DISCORD_SHARD_IDS": "0,1"},
                module,
            ) as first,
            briefbot_process(
                [api.base_url, "-v", "discord"],
                {**env, **store_env(settings), "DISCORD_SHARD_IDS": "2-3"},
                module,
            ) as second,
        ):
            await asyncio.gather(
                ready(first, "shard 0 of 4 ready", "shard 1 of 4 ready"),
                ready(second, "shard 2 of 4 ready", "shard 3 of 4 ready"),
            )
            for bot in (first, second):
                bot.process.send_signal(signal.SIGTERM)
            (code_1, out_1), (code_2, out_2) = [await bot.finish() for bot in (first, second)]
    finally:
        await api.stop()
    assert (code_1, code_2) == (0, 0), out_1 + out_2
    assert "direct messages arrive here, on shard 0" in out_1
    assert "direct messages arrive on shard 0, in another process" in out_2
    times = identify_times(api.requests)
    assert sorted(times) == [0, 1, 2, 3]
    for bucket in (0, 1):
        arrivals = sorted(t for shard, t in times.items() if shard % 2 == bucket)
        assert all(b - a >= IDENTIFY_WINDOW_SECONDS for a, b in pairwise(arrivals)), times
    # Only the process with shard 0 registered /summary.
    assert len(api.sent("PUT", "/applications/")) == 1
