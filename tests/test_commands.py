"""The shared chat command language."""

from __future__ import annotations

import pytest

from bot.chat.commands import (
    MAX_COMMAND_CHARS,
    BriefCommand,
    HelpCommand,
    TopicsCommand,
    UrlCommand,
    UserError,
    option_command,
    parse_command,
    takes_a_while,
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


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://example.com/a?b=1", "https://example.com/a?b=1"),
        ("summary <https://example.com/a|example.com/a>", "https://example.com/a"),
        ("<http://example.com/story>", "http://example.com/story"),
        ("file:///etc/passwd", "file:///etc/passwd"),
    ],
)
def test_a_single_link_is_a_url_command(text: str, url: str) -> None:
    assert parse_command(text, 10) == UrlCommand(url=url)


def test_a_link_takes_the_sentences_flag() -> None:
    assert parse_command("https://example.com/a -n 2", 10) == UrlCommand(
        url="https://example.com/a", points=2
    )
    assert isinstance(parse_command("news about https://example.com", 10), BriefCommand)


@pytest.mark.parametrize(
    ("topic", "points", "expected"),
    [
        ("china-russia", None, BriefCommand("china-russia")),
        ("  energy   deal ", 3, BriefCommand("energy deal", 3)),
        ("subscribe china-russia", None, BriefCommand("subscribe china-russia")),
        ("unsubscribe china-russia", None, BriefCommand("unsubscribe china-russia")),
        ("china-russia --sentences 9", None, BriefCommand("china-russia --sentences 9")),
        ("help", None, HelpCommand()),
        ("topics", None, TopicsCommand()),
        ("https://example.com/a", 2, UrlCommand("https://example.com/a", 2)),
    ],
)
def test_typed_options_are_taken_as_given(topic: str, points: int | None, expected: object) -> None:
    assert option_command(topic, points, max_points=10) == expected


@pytest.mark.parametrize(
    ("topic", "points", "message"), [("  ", None, "what to summarize"), ("x", 11, "1 to 10")]
)
def test_typed_options_mistakes(topic: str, points: int | None, message: str) -> None:
    with pytest.raises(UserError, match=message):
        option_command(topic, points, max_points=10)


@pytest.mark.parametrize(
    ("text", "slow"),
    [
        ("china-russia", True),
        ("https://example.com/a", True),
        ("help", False),
        ("topics", True),  # the channel's followed topics are in the store
        ("follow Power of Siberia", True),
        # Digest commands read and write the store, which an ingest may be holding.
        ("subscribe x", True),
        ("subscriptions", True),
        ("unsubscribe x", True),
    ],
)
def test_what_takes_a_while(text: str, slow: bool) -> None:
    assert takes_a_while(parse_command(text, max_points=10)) is slow
