"""Following a story from chat: a channel turns free text into a topic of its own.

``/summary follow power of siberia`` stores the topic ``power-of-siberia`` for that channel (in
the store, so it survives restarts); ``/summary power-of-siberia`` then briefs it, ``subscribe
power-of-siberia`` makes it a daily digest, ``topics`` lists it and ``unfollow`` forgets it. A
followed topic is the free-text query of its words: the same brief ``/summary power of siberia``
gives, under a name the channel chose.
"""

from __future__ import annotations

import re

from bot.brief.briefer import Briefer, shorten
from bot.chat.commands import Notice, UserError
from bot.clock import Clock
from bot.models import Conversation, FollowedTopic
from bot.store.protocols import Store

MAX_FOLLOWED = 50  # per channel: a list someone can still read
MAX_SLUG_CHARS = 60
_NOT_SLUG = re.compile(r"[^0-9a-z]+")


def slug_of(words: str) -> str:
    """'Power of Siberia!' -> 'power-of-siberia'."""
    slug = _NOT_SLUG.sub("-", words.lower()).strip("-")
    return slug[:MAX_SLUG_CHARS].rstrip("-")


class Follows:
    """A channel's followed topics: follow, unfollow, list, and resolve a name to its words."""

    def __init__(self, store: Store, briefer: Briefer, clock: Clock) -> None:
        self.store = store
        self.briefer = briefer
        self.clock = clock

    async def follow(self, words: str, conversation: Conversation) -> Notice:
        """Make ``words`` a topic of the conversation's channel."""
        target = self.briefer.target(words)  # refuses text with no words
        if target.is_topic:
            raise UserError(
                f"{target.key} is already a topic everyone can brief.",
                (f"Brief it: /summary {target.key}", f"Daily: /summary subscribe {target.key}"),
            )
        slug = slug_of(target.key)
        if not slug:
            raise UserError("A followed topic needs letters or digits in its words.")
        if self.briefer.topics.get(slug) is not None:
            raise UserError(f"'{slug}' is the name of a configured topic; choose other words.")
        followed = await self.store.followed(conversation.platform, conversation.channel_id)
        if len(followed) >= MAX_FOLLOWED and all(f.slug != slug for f in followed):
            raise UserError(
                f"This channel follows {MAX_FOLLOWED} topics already; unfollow one first.",
                ("See them with /summary topics",),
            )
        added = await self.store.follow(
            conversation.platform, conversation.channel_id, slug, target.key, self.clock()
        )
        matching = len(await self.briefer.store.search(target.search, 1000))
        stored = (
            f"{matching} stored article{'s' * (matching != 1)} match it now."
            if matching
            else "No stored article matches it yet; briefs will have them once they arrive."
        )
        head = "Following" if added else "This channel already follows"
        return Notice(
            title=f"{head} '{shorten(target.key)}' as {slug}.",
            lines=(
                stored,
                f"Brief it: /summary {slug} (or --since yesterday for what is new)",
                f"Daily digest: /summary subscribe {slug} 08:00",
                f"Stop: /summary unfollow {slug}",
            ),
        )

    async def unfollow(self, text: str, conversation: Conversation) -> Notice:
        """Forget a followed topic, named by its slug or its words."""
        slug = slug_of(text)
        if await self.store.unfollow(conversation.platform, conversation.channel_id, slug):
            return Notice(
                title=f"Stopped following {slug}.",
                lines=(f"A daily digest of it stays until /summary unsubscribe {slug}.",),
            )
        followed = await self.store.followed(conversation.platform, conversation.channel_id)
        names = ", ".join(f.slug for f in followed)
        raise UserError(
            f"This channel does not follow '{shorten(text)}'.",
            (f"It follows: {names}",) if names else ("It follows no topic yet.",),
        )

    async def listing(self, conversation: Conversation) -> tuple[FollowedTopic, ...]:
        """The channel's followed topics."""
        return tuple(await self.store.followed(conversation.platform, conversation.channel_id))

    async def resolve(self, text: str, conversation: Conversation) -> str:
        """The words a followed topic's name stands for in this channel; other text as it is."""
        slug = slug_of(text)
        if not slug or slug != text.strip().lower():
            return text
        for followed in await self.store.followed(conversation.platform, conversation.channel_id):
            if followed.slug == slug:
                return followed.words
        return text
