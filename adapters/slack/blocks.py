"""Replies as Slack messages: Block Kit blocks plus the plain ``text`` fallback.

Article text is untrusted: ``&``, ``<`` and ``>`` are escaped everywhere, and text objects are
``verbatim`` so Slack never turns an article's ``<!channel>``, ``@here`` or ``<@U123>`` into a
ping. Slack's limits (50 blocks a message, 3,000 characters a section) are met by trimming
visibly, never by letting Slack reject the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.brief.render import FIGURES_HEADING, corroboration_label, language_tag, summary_line
from bot.chat.commands import BriefReply, Notice, Reply
from bot.models import Brief, Point, SourceRef

MAX_BLOCKS = 50
MAX_TEXT_CHARS = 3000  # section and context text objects
MAX_HEADER_CHARS = 150
MAX_FALLBACK_CHARS = 3000  # the notification text; the blocks carry the whole brief
_SAFE_URL = re.compile(r"^https?://[^\s<>|]{1,1000}$")  # a link Slack's <url|name> can carry
MAX_SOURCE_NAME_CHARS = 200


@dataclass(frozen=True)
class SlackMessage:
    """One Slack message: blocks for display, text for notifications and screen readers."""

    text: str
    blocks: tuple[Block, ...]

    def blocks_json(self) -> list[dict[str, Any]]:
        """The blocks as the JSON Slack's APIs take."""
        return [block.to_dict() for block in self.blocks]


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup, so text shows as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def reply_message(reply: Reply) -> SlackMessage:
    """Any core reply as a Slack message."""
    if isinstance(reply, BriefReply):
        return brief_message(reply.brief)
    return notice_message(reply)


def brief_message(brief: Brief) -> SlackMessage:
    """A brief: header, one section per point with a context line of sources, a footer."""
    footer: list[Block] = [DividerBlock(), ContextBlock(elements=[_mrkdwn(summary_line(brief))])]
    if brief.figures:
        footer.insert(0, _figures_block(brief))
    room = MAX_BLOCKS - 1 - len(footer)  # the header comes first
    shown = list(brief.points)
    if 2 * len(shown) > room:
        # Keep one block for the "more points" line; the lowest-ranked points go, the rest
        # stay in reading order.
        keep = sorted(range(len(shown)), key=lambda n: (shown[n].rank, n))[: (room - 1) // 2]
        shown = [shown[n] for n in sorted(keep)]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=_trim(brief.title, MAX_HEADER_CHARS)))
    ]
    for n, point in enumerate(shown, start=1):
        blocks.extend(_point_blocks(n, point, language_tag(brief, point)))
    hidden = len(brief.points) - len(shown)
    if hidden:
        blocks.append(ContextBlock(elements=[_mrkdwn(f"…and {_count(hidden, 'more point')}")]))
    blocks.extend(footer)
    return SlackMessage(text=_brief_fallback(brief), blocks=tuple(blocks))


def notice_message(notice: Notice) -> SlackMessage:
    """Help, the topic list or an error, as one section."""
    title = escape(notice.title)
    head = f":warning: *{title}*" if notice.is_error else f"*{title}*"
    body = "\n".join((head, *(escape(line) for line in notice.lines)))
    text = _trim(body, MAX_TEXT_CHARS)
    return SlackMessage(
        text=_trim(escape(notice.text), MAX_FALLBACK_CHARS),
        blocks=(SectionBlock(text=MarkdownTextObject(text=text, verbatim=True)),),
    )


def source_link(ref: SourceRef) -> str:
    """'<https://…|Fox News>, Sep 13, 2022', or the escaped name alone when no usable URL."""
    name = escape(_trim(ref.source, MAX_SOURCE_NAME_CHARS))
    if ref.url and _SAFE_URL.match(ref.url):
        name = f"<{escape(ref.url)}|{name}>"
    return f"{name}, {ref.date.label()}"


def _point_blocks(n: int, point: Point, tag: str = "") -> tuple[Block, Block]:
    prefix = f"*{n}.* {escape(tag)}"
    text = prefix + _trim(escape(point.text), MAX_TEXT_CHARS - len(prefix))
    return (
        SectionBlock(text=MarkdownTextObject(text=text, verbatim=True)),
        ContextBlock(elements=[MarkdownTextObject(text=_sources(point), verbatim=True)]),
    )


def _sources(point: Point) -> str:
    """The point's sources joined, then how many independent reports they are, cut before the
    limit with a count of what was left out."""
    parts = [source_link(ref) for ref in point.sources]
    label = corroboration_label(point)
    tail = f" · _{escape(label)}_" if label else ""
    text = " · ".join(parts) + tail
    kept = len(parts)
    while len(text) > MAX_TEXT_CHARS and kept > 1:
        kept -= 1
        more = _count(len(parts) - kept, "more source")
        text = " · ".join(parts[:kept]) + f" · …and {more}" + tail
    return _trim(text, MAX_TEXT_CHARS)


def _figures_block(brief: Brief) -> Block:
    """'Figures that differ', one line per quantity outlets disagree on."""
    lines = [f"*{FIGURES_HEADING}*", *(f"• {escape(c.line())}" for c in brief.figures)]
    return SectionBlock(
        text=MarkdownTextObject(text=_trim("\n".join(lines), MAX_TEXT_CHARS), verbatim=True)
    )


def _brief_fallback(brief: Brief) -> str:
    lines = [brief.title, summary_line(brief)]
    lines.extend(
        f"{n}. {language_tag(brief, p)}{p.text}" for n, p in enumerate(brief.points, start=1)
    )
    lines.extend(c.line() for c in brief.figures)
    return _trim(escape("\n".join(lines)), MAX_FALLBACK_CHARS)


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=_trim(escape(text), MAX_TEXT_CHARS), verbatim=True)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # Never cut an escape such as "&amp;" in half.
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"
