"""The subscription desk: a channel's digest commands (subscribe, unsubscribe, list) answered.

Targets are resolved by the same ``Briefer`` that builds the digests, so a channel subscribes to
exactly the brief ``/summary`` would give it.
"""

from __future__ import annotations

from bot.brief.briefer import Briefer, shorten
from bot.chat.commands import Notice, SubscribeCommand, UserError
from bot.clock import Clock
from bot.digests.schedule import next_slot, parse_zone
from bot.models import Conversation
from bot.settings import DigestSettings
from bot.store.protocols import SubscriptionStore
from bot.store.records import Subscription, ThreadMode


class SubscriptionDesk:
    """Subscribes channels to daily digests and says when each comes next."""

    def __init__(
        self,
        settings: DigestSettings,
        briefer: Briefer,
        subscriptions: SubscriptionStore,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.briefer = briefer
        self.subscriptions = subscriptions
        self.clock = clock

    async def subscribe(self, command: SubscribeCommand, conversation: Conversation) -> Notice:
        """Subscribe the conversation's channel to a daily digest of a topic."""
        target = self.briefer.target(command.topic)
        lines: list[str] = []
        if not target.is_topic and not await self.briefer.has_articles(target):
            suggestions = self.briefer.topics.suggest(command.topic)
            if suggestions:
                raise UserError(
                    f"Unknown topic '{shorten(command.topic)}'.",
                    (f"Did you mean: {', '.join(suggestions)}?",),
                )
            lines.append("No stored article matches it yet; digests will say so until some do.")
        current = await self.subscriptions.for_channel(
            conversation.platform, conversation.channel_id
        )
        limit = self.settings.max_per_channel
        if len(current) >= limit and all(s.topic != target.key for s in current):
            raise UserError(
                f"This channel already has {limit} digests, the most it may have.",
                ("Remove one with /summary unsubscribe <topic>.",),
            )
        # A channel keeps one zone unless told otherwise: its latest subscription's.
        zone_name = command.zone or (current[0].zone.key if current else self.settings.default_zone)
        subscription = await self.subscriptions.subscribe(
            conversation.platform,
            conversation.channel_id,
            target.key,
            command.time_of_day or self.settings.default_time,
            parse_zone(zone_name),
            conversation.user_id,
            self.clock(),
            ThreadMode.FOLLOW if command.follow_thread else ThreadMode.DAILY,
        )
        if command.follow_thread:
            lines.append("Each digest replies in the thread of the first one.")
        return Notice(
            title=(
                f"This channel gets a daily digest of {target.label} "
                f"at {subscription.schedule_label}."
            ),
            lines=(
                f"Next digest: {await self._next_delivery(subscription)}.",
                *lines,
                f"Stop it with /summary unsubscribe {target.key}",
            ),
        )

    async def unsubscribe(self, topic: str, conversation: Conversation) -> Notice:
        """Stop the conversation's channel's daily digest of a topic."""
        target = self.briefer.target(topic)
        if await self.subscriptions.unsubscribe(
            conversation.platform, conversation.channel_id, target.key, conversation.user_id
        ):
            return Notice(title=f"This channel no longer gets a daily digest of {target.label}.")
        current = await self.subscriptions.for_channel(
            conversation.platform, conversation.channel_id
        )
        names = ", ".join(s.topic for s in current)
        raise UserError(
            f"This channel has no daily digest of {target.label}.",
            (f"Its digests: {names}",) if names else (),
        )

    async def listing(self, conversation: Conversation) -> Notice:
        """The conversation's channel's digests and when each comes next."""
        current = await self.subscriptions.for_channel(
            conversation.platform, conversation.channel_id
        )
        if not current:
            return Notice(
                title="This channel has no daily digests.",
                lines=("Add one with /summary subscribe <topic> [HH:MM] [time zone]",),
            )
        lines = [
            f"{s.topic}: daily at {s.schedule_label}, next {await self._next_delivery(s)}"
            for s in sorted(current, key=lambda s: s.topic)
        ]
        return Notice(title="This channel's daily digests:", lines=tuple(lines))

    async def _next_delivery(self, subscription: Subscription) -> str:
        slot = next_slot(self.clock(), subscription.time_of_day, subscription.zone)
        # Today's slot may already be done (a time changed after its digest went out).
        while await self.subscriptions.entry(subscription.id, slot.local_date) is not None:
            slot = next_slot(slot.at, subscription.time_of_day, subscription.zone)
        local = slot.at.astimezone(subscription.zone)
        return f"{local:%a %b} {local.day}, {local:%H:%M %Z}"
