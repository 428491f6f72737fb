"""Core replies as Discord messages: a Brief as embeds, a Notice as text, within Discord's limits.

Nothing is dropped to fit: a brief too long for one embed continues in further embeds ("part 2/3"),
and embeds that together pass a message's limits continue in further messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

import discord
from discord.utils import escape_markdown

from bot.brief.render import (
    FIGURES_HEADING,
    corroboration_label,
    language_tag,
    source_label,
    summary_line,
)
from bot.chat.commands import BriefReply, Notice, Reply
from bot.models import Brief, Point, SourceRef


@dataclass(frozen=True)
class DiscordLimits:
    """Discord's documented message and embed limits, in characters unless named otherwise."""

    content: int = 2000
    title: int = 256
    description: int = 4096
    footer: int = 2048
    embed_total: int = 6000  # per embed, and for all the embeds of one message together
    embeds_per_message: int = 10


LIMITS = DiscordLimits()
BRAND_COLOUR = discord.Colour(0x2B6CB0)
_PART_RESERVE = len(" · part 999/999")


@dataclass(frozen=True)
class DiscordMessage:
    """One message to send: text, embeds, or both."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()


def render_reply(reply: Reply, limits: DiscordLimits = LIMITS) -> tuple[DiscordMessage, ...]:
    """Render any core reply as the messages to send, in order."""
    match reply:
        case BriefReply(brief=brief):
            return brief_messages(brief, limits)
        case Notice():
            return notice_messages(reply, limits)
    assert_never(reply)


def brief_messages(brief: Brief, limits: DiscordLimits = LIMITS) -> tuple[DiscordMessage, ...]:
    """A brief as embeds (title, one block per point with sources and dates, counts in the
    footer), packed into as few messages as Discord's limits allow."""
    title = _truncate(escape_markdown(brief.title), limits.title - _PART_RESERVE)
    footer = _truncate(
        f"{summary_line(brief)} · {len(brief.points)} point{'s' * (len(brief.points) != 1)}",
        limits.footer - _PART_RESERVE,
    )
    # Title and footer each carry at most _PART_RESERVE more characters once a part is named.
    budget = min(
        limits.description, limits.embed_total - limits.title - len(footer) - _PART_RESERVE
    )
    blocks = [_point_block(n, p, language_tag(brief, p)) for n, p in enumerate(brief.points, 1)]
    if brief.figures:
        blocks.append(_figures_block(brief))
    descriptions = pack_lines(blocks, budget, separator="\n\n")
    parts = len(descriptions)
    embeds = []
    for k, description in enumerate(descriptions, start=1):
        suffix = f" · part {k}/{parts}" if parts > 1 else ""
        embed = discord.Embed(title=title + suffix, description=description, colour=BRAND_COLOUR)
        embed.set_footer(text=footer + suffix)
        embeds.append(embed)
    return tuple(DiscordMessage(embeds=group) for group in _group_embeds(embeds, limits))


def notice_messages(notice: Notice, limits: DiscordLimits = LIMITS) -> tuple[DiscordMessage, ...]:
    """A notice as plain text: bold title, one line per hint, split over messages if long."""
    marker = "⚠️ " if notice.is_error else ""
    lines = [f"{marker}**{escape_markdown(notice.title)}**"]
    lines.extend(escape_markdown(line) for line in notice.lines)
    return tuple(DiscordMessage(content=chunk) for chunk in pack_lines(lines, limits.content))


def pack_lines(blocks: list[str], limit: int, separator: str = "\n") -> list[str]:
    """Join blocks into as few chunks of at most ``limit`` characters as possible; a block
    longer than the limit is split at whitespace and continues in the next chunk."""
    chunks: list[str] = []
    current = ""
    for block in blocks:
        for piece in _split_long(block, limit):
            candidate = f"{current}{separator}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _point_block(number: int, point: Point, tag: str = "") -> str:
    sources = "; ".join(_source_link(ref) for ref in point.sources)
    label = corroboration_label(point)
    tail = f" · *{escape_markdown(label)}*" if label else ""
    return f"**{number}.** {escape_markdown(tag + point.text)}\n— {sources}{tail}"


def _figures_block(brief: Brief) -> str:
    lines = [f"**{FIGURES_HEADING}**", *(f"- {escape_markdown(c.line())}" for c in brief.figures)]
    return "\n".join(lines)


def _source_link(ref: SourceRef) -> str:
    label = escape_markdown(source_label(ref)).replace("]", "\\]")
    if ref.url and ref.url.startswith(("https://", "http://")):
        # Parentheses and spaces would end a masked link early; percent-encoding keeps the URL.
        url = ref.url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        return f"[{label}]({url})"
    return label


def _split_long(text: str, limit: int) -> list[str]:
    pieces = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip(" ")
    pieces.append(text)
    return pieces


def _group_embeds(
    embeds: list[discord.Embed], limits: DiscordLimits
) -> list[tuple[discord.Embed, ...]]:
    groups: list[tuple[discord.Embed, ...]] = []
    current: list[discord.Embed] = []
    for embed in embeds:
        total = sum(len(e) for e in current) + len(embed)
        if current and (len(current) >= limits.embeds_per_message or total > limits.embed_total):
            groups.append(tuple(current))
            current = []
        current.append(embed)
    if current:
        groups.append(tuple(current))
    return groups


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
