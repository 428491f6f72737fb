"""The chat-platform contract: platforms declare themselves; the core names none of them."""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest

from adapters.registry import PLATFORM_PACKAGES, load_platforms
from bot import cli
from bot.chat.platform import ChatPlatform, EnvVariable, Platforms, digest_posters
from bot.digests.scheduler import ChannelPoster
from bot.settings import PROJECT_DIR, Settings
from bot.store.installations import Installations
from tests.slack_fakes import BOT_TOKEN

CORE = PROJECT_DIR / "bot"
PLATFORMS = load_platforms()


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def code_strings(tree: ast.AST) -> list[str]:
    """String constants that are not docstrings (what the code uses, not what it says)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def test_every_registered_platform_is_a_folder_with_a_declaration() -> None:
    assert [p.name for p in PLATFORMS] == ["slack", "discord"]
    for package in PLATFORM_PACKAGES:
        assert (PROJECT_DIR / package.replace(".", "/") / "platform.py").is_file()


def test_the_core_imports_and_names_no_platform() -> None:
    words = {p.name for p in PLATFORMS} | {v.name for p in PLATFORMS for v in p.variables}
    found = []
    for path in core_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            # The command line may read the registry (it is the composition root); nothing else.
            found += [
                f"{path.name} imports {n}"
                for n in names
                if (n.split(".")[0] == "adapters" and n != "adapters.registry")
                or any(w in n.lower().split(".") for w in words)
            ]
        found += [
            f"{path.name} says {s!r}"
            for s in code_strings(tree)
            if any(w.lower() in s.lower() for w in words)
        ]
    assert found == []


def test_declarations_do_not_load_platform_libraries() -> None:
    code = (
        "import sys; from adapters.registry import load_platforms; load_platforms();"
        "import bot.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('slack_bolt', 'discord')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_DIR
    )
    assert out.stdout.strip() == "[]"


class Recorder:
    """A third platform's poster: keeps what it was asked to post."""

    idempotency_window = dt.timedelta(0)

    def __init__(self) -> None:
        self.posts: list[str] = []

    async def post(self, channel_id: str, reply: object, idempotency_key: str) -> str:
        self.posts.append(channel_id)
        return "1"


def third_platform(ran: list[Mapping[str, str]], poster: Recorder) -> ChatPlatform:
    @contextlib.asynccontextmanager
    async def digest_poster(
        env: Mapping[str, str], installations: Installations
    ) -> AsyncIterator[ChannelPoster]:
        yield poster

    def run(settings: Settings, env: Mapping[str, str]) -> int:
        ran.append(env)
        return 0

    return ChatPlatform(
        name="matrix",
        summary="run the Matrix bot",
        variables=(EnvVariable("MATRIX_TOKEN", prefix="syt_"),),
        switch="MATRIX_TOKEN",
        needs="MATRIX_TOKEN",
        complete=lambda present: "MATRIX_TOKEN" in present,
        run=run,
        digest_poster=digest_poster,
        secret_shapes=(r"syt_[A-Za-z0-9_]{10,}",),
    )


def test_a_registered_platform_gets_its_command_doctor_line_and_redaction(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    keep_root_logging: None,
) -> None:
    ran: list[Mapping[str, str]] = []
    platforms = Platforms([*PLATFORMS, third_platform(ran, Recorder())])
    monkeypatch.setenv("BRIEFBOT_DB", str(tmp_path / "store.sqlite3"))
    monkeypatch.setenv("MATRIX_TOKEN", "syt_abcdefghijklmnop")
    assert cli.main(["matrix"], platforms) == 0
    assert ran and ran[0]["MATRIX_TOKEN"] == "syt_abcdefghijklmnop"

    assert cli.main(["doctor"], platforms) == 0
    report = capsys.readouterr().out
    assert "matrix: set: MATRIX_TOKEN" in report and "syt_abcdef" not in report
    monkeypatch.setenv("MATRIX_TOKEN", "abc")
    cli.main(["doctor"], platforms)
    assert "MATRIX_TOKEN should start with syt_" in capsys.readouterr().out

    assert "MATRIX_TOKEN" in platforms.secrets.names
    assert any("syt_" in shape for shape in platforms.secrets.shapes)


async def test_digest_posters_are_opened_for_configured_platforms_only() -> None:
    poster = Recorder()
    platforms = Platforms([third_platform([], poster)])
    async with digest_posters(platforms, {"MATRIX_TOKEN": "syt_abcdefghijklmnop"}) as posters:
        assert posters == {"matrix": poster}
    async with digest_posters(platforms, {}) as none:
        assert none == {}


def test_a_bad_slack_api_url_stops_digests_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("BRIEFBOT_DB", str(tmp_path / "store.sqlite3"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", "proxy.example/api")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert cli.main(["digests", "--once"]) == cli.EXIT_USAGE
    assert "SLACK_API_URL must be an http(s) URL" in capsys.readouterr().err
