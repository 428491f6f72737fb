"""The Discord bot: mentions and the /summary app command in, the core's replies out.

The client only translates: a mention's text goes to the dispatcher to be read, the ``/summary``
options become a typed command directly, and replies are rendered with ``embeds``. Annotations
here are evaluated at definition time on purpose: discord.py reads the ``/summary`` option types
from them, and the sentences range comes from the settings.
"""

import logging
import re
from typing import Any

import discord
from discord import app_commands

from adapters.discord.embeds import DiscordMessage, render_reply
from adapters.discord.shards import IdentifyGate, ShardPlan
from bot.chat.dispatcher import Dispatcher
from bot.models import Conversation
from bot.ops.runtime import InFlight
from bot.store.locks import NamedLocks

PLATFORM = "discord"
# Mentions never ping, whatever an article or a user typed: no @everyone, roles, users or replies.
NO_PINGS = discord.AllowedMentions.none()
MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices
MAX_CHOICE_CHARS = 100
# What the bot needs in a channel, and nothing more: read it, answer in it and in its threads,
# with embeds, and see the message it replies to.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
)
log = logging.getLogger(__name__)


class BriefbotClient(discord.Client):
    """A discord.py client answering "@briefbot summary …" mentions and ``/summary``.

    Each command counts in ``inflight`` until its reply is sent; once a shutdown drains it,
    new commands are left alone.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        inflight: InFlight,
        *,
        intents: discord.Intents,
        **options: Any,
    ) -> None:
        super().__init__(intents=intents, allowed_mentions=NO_PINGS, **options)
        self.dispatcher = dispatcher
        self.inflight = inflight
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(summary_command(dispatcher, inflight))

    async def setup_hook(self) -> None:
        """Register ``/summary`` with Discord once per process (on_ready may fire many times)."""
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Send the app commands to Discord and log the invite link."""
        synced = await self.tree.sync()
        log.info("synced application commands: %s", ", ".join(c.name for c in synced))
        if self.application_id is not None:
            log.info("invite the bot with %s", invite_url(self.application_id))

    async def on_ready(self) -> None:
        """Log the connection; set-up lives in setup_hook because this fires on every resume."""
        log.info("connected to Discord as %s", self.user)

    async def on_message(self, message: discord.Message) -> None:
        """Answer a DM, or a message that starts by mentioning the bot; ignore bots, webhooks and
        itself."""
        me = self.user
        if not self.inflight.accepting:
            return
        if me is None or message.author.bot or message.webhook_id or message.author.id == me.id:
            return
        if isinstance(message.channel, discord.DMChannel):
            text: str | None = message.content  # a DM is addressed to the bot as it is
        else:
            text = mention_command(message.content, me.id)
        if text is None:
            return
        conversation = Conversation(
            platform=PLATFORM, channel_id=str(message.channel.id), user_id=str(message.author.id)
        )
        async with self.inflight.track():
            async with message.channel.typing():
                reply = await self.dispatcher.handle(text, conversation)
            for part in render_reply(reply):
                await message.reply(
                    content=part.content,
                    embeds=list(part.embeds),
                    mention_author=False,
                    allowed_mentions=NO_PINGS,
                )


class ShardedBriefbotClient(BriefbotClient, discord.AutoShardedClient):
    """The same bot running the shards of ``plan`` in this process (discord.py's
    AutoShardedClient), with each IDENTIFY admitted by a gate shared through ``locks`` with the
    processes running the other shards."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        inflight: InFlight,
        *,
        intents: discord.Intents,
        plan: ShardPlan,
        locks: NamedLocks,
        **options: Any,
    ) -> None:
        super().__init__(
            dispatcher,
            inflight,
            intents=intents,
            shard_count=plan.count,
            shard_ids=None if plan.ids is None else list(plan.ids),
            **options,
        )
        self.plan = plan
        self.locks = locks
        self.identify_gate: IdentifyGate | None = None

    async def setup_hook(self) -> None:
        """Learn the bot's IDENTIFY concurrency; only the process running shard 0 registers the
        app commands (the same PUT from every process would be redundant)."""
        limits = await self.fetch_session_start_limits()
        assert self.user is not None  # set by login, which runs this hook
        self.identify_gate = IdentifyGate(
            self.locks, bot_id=self.user.id, max_concurrency=limits.max_concurrency
        )
        log.info(
            "running %s (IDENTIFY concurrency %d); %s",
            self.plan.describe(),
            limits.max_concurrency,
            "direct messages arrive here, on shard 0"
            if self.plan.runs_shard_zero
            else "direct messages arrive on shard 0, in another process",
        )
        if self.plan.runs_shard_zero:
            await self.sync_commands()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for the shard's bucket instead of discord.py's fixed 5 s between shards of one
        process, which knows nothing of the other processes."""
        if self.identify_gate is None:  # no login yet: cannot happen, but keep Discord's pace
            await super().before_identify_hook(shard_id, initial=initial)
        else:
            await self.identify_gate.admit(shard_id or 0)

    async def on_shard_ready(self, shard_id: int) -> None:
        """Log each shard as it becomes ready (on_ready waits for all of this process's)."""
        log.info("shard %d of %s ready", shard_id, self.shard_count)

    async def close(self) -> None:
        """Disconnect every shard, then give back any IDENTIFY bucket still held."""
        await super().close()
        if self.identify_gate is not None:
            await self.identify_gate.close()


def invite_url(application_id: int) -> str:
    """The OAuth2 URL that adds the bot to a server with the minimal permissions and /summary."""
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands")
    )


def mention_command(content: str, bot_id: int) -> str | None:
    """The command text after a leading mention of the bot, or None when the message does not
    start with one (a reply that merely pings the bot is not a command)."""
    match = re.match(rf"\s*<@!?{bot_id}>(.*)", content, re.DOTALL)
    return match.group(1).strip() if match else None


def summary_command(
    dispatcher: Dispatcher, inflight: InFlight
) -> app_commands.Command[Any, ..., None]:
    """The ``/summary topic:<text> sentences:<n> since:<when>`` app command, with topic
    autocomplete; each run
    counts in ``inflight`` until its reply is sent. The options make a typed command: the topic
    is briefed as given, never read as command words."""
    max_points = dispatcher.max_points

    @app_commands.command(name="summary", description="A short multi-source brief of the news")
    @app_commands.describe(
        topic="A topic name (suggested as you type), a few keywords, 'topics' or 'help'",
        sentences=f"How many points (1 to {max_points})",
        since="Only what is new since: yesterday, 24h, a date (YYYY-MM-DD) or last",
    )
    async def summary(
        interaction: discord.Interaction,
        topic: str,
        sentences: app_commands.Range[int, 1, max_points] | None = None,
        since: str | None = None,
    ) -> None:
        if not inflight.accepting:
            return  # shutting down: Discord tells the user the bot did not respond
        async with inflight.track():
            # Discord waits only 3 s for a response and a brief can take longer: defer first.
            await interaction.response.defer(thinking=True)
            request = dispatcher.read_options(topic, sentences, since)
            conversation = Conversation(
                platform=PLATFORM,
                channel_id=str(interaction.channel_id),
                user_id=str(interaction.user.id),
            )
            for part in render_reply(await dispatcher.answer(request, conversation)):
                await _follow_up(interaction, part)

    @summary.autocomplete("topic")
    async def complete_topic(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return topic_choices(dispatcher, current)

    return summary


def topic_choices(dispatcher: Dispatcher, current: str) -> list[app_commands.Choice[str]]:
    """The core's completions for what the user typed, as Discord choices."""
    return [
        app_commands.Choice(
            name=(t.slug if t.title == t.slug else f"{t.slug} · {t.title}")[:MAX_CHOICE_CHARS],
            value=t.slug,
        )
        for t in dispatcher.complete_topic(current, MAX_CHOICES)
    ]


async def _follow_up(interaction: discord.Interaction, part: DiscordMessage) -> None:
    if part.content is not None:
        await interaction.followup.send(
            content=part.content, embeds=list(part.embeds), allowed_mentions=NO_PINGS
        )
    else:
        await interaction.followup.send(embeds=list(part.embeds), allowed_mentions=NO_PINGS)
