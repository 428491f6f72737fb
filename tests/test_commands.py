"""The shared chat command language."""

from __future__ import annotations

import pytest

from bot.commands import (
    MAX_COMMAND_CHARS,
    BriefCommand,
    HelpCommand,
    TopicsCommand,
    UserError,
    parse_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("china-russia", BriefCommand("china-russia")),
        ("summary china-russia", BriefCommand("china-russia")),
        ("  Summary   china-russia  ", BriefCommand("china-russia")),
        ("china-russia --sentences 3", BriefCommand("china-russia", 3)),
        ("china-russia --sentences=4", BriefCommand("china-russia", 4)),
        ("-n 2 energy deal", BriefCommand("energy deal", 2)),
        ('"energy deal" Moscow', BriefCommand("energy deal Moscow")),
        ("don't panic", BriefCommand("don't panic")),
        ("help", HelpCommand()),
        ("summary help", HelpCommand()),
        ("topics", TopicsCommand()),
        ("help me with sanctions", BriefCommand("help me with sanctions")),
    ],
)
def test_parse(text: str, expected: object) -> None:
    assert parse_command(text, max_points=10) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Tell me what to summarize"),
        ("   ", "Tell me what to summarize"),
        ("summary", "Tell me what to summarize"),
        ("--sentences 3", "as well as how many"),
        ("china-russia --sentences 0", "from 1 to 10"),
        ("china-russia --sentences 11", "from 1 to 10"),
        ("china-russia --sentences lots", "from 1 to 10"),
        ("china-russia --sentences", "from 1 to 10"),
        ("china-russia -n ²", "from 1 to 10"),
        ("x" * (MAX_COMMAND_CHARS + 1), "characters long"),
    ],
)
def test_mistakes_get_a_message(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_command(text, max_points=10)
