"""A core ``Reply`` as Markdown text, for posters until each platform's own renderer is wired."""

from __future__ import annotations

from typing import assert_never

from bot.commands import BriefReply, Notice, Reply
from bot.render import render_markdown


def reply_markdown(reply: Reply) -> str:
    """A brief as Markdown; a notice as its title and lines."""
    match reply:
        case BriefReply(brief=brief):
            return render_markdown(brief)
        case Notice():
            return reply.text
    assert_never(reply)
