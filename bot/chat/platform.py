"""The chat-platform contract: what a platform adapter declares so the core can run it.

The core names no platform. Each adapter folder declares one ``ChatPlatform`` (in its
``platform.py``): its environment variables (which are secrets, how a real value starts), what
a complete setup is, its runner (``briefbot NAME``) and its digest poster, both built from its own
validated settings. ``adapters/registry.py`` lists the platforms, one line each; the command
line, ``doctor`` and log redaction read everything they know about platforms from that list.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.ops.logs import Secrets
from bot.settings import Settings
from bot.store.installations import BotInstallation, Installations

if TYPE_CHECKING:
    from bot.digests.scheduler import ChannelPoster

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnvVariable:
    """One environment variable a platform reads."""

    name: str
    secret: bool = True  # redacted from every log line
    prefix: str = ""  # how a real value starts ('' when it has no fixed start); doctor checks it


@dataclass(frozen=True)
class ChatPlatform:
    """Everything the core needs to know about one chat platform.

    ``run`` and ``digest_poster`` import the platform's library when called, never before, so
    the commands that need neither pay nothing for it.
    """

    name: str  # the ``Conversation.platform`` value and the ``briefbot NAME`` sub-command
    summary: str  # the sub-command's help line
    variables: tuple[EnvVariable, ...]
    switch: str  # the variable whose presence turns the platform on (for digests)
    needs: str  # what a complete setup is, for doctor's fix line
    complete: Callable[[frozenset[str]], bool]  # whether these set variables are enough to run
    run: Callable[[Settings, Mapping[str, str]], int]  # serve chat until stopped; exit status
    # A digest poster from the platform's validated settings, its token checked; SettingsError
    # for a bad setting, PostRejected when the platform refuses the token.
    # ``installations`` holds the bot tokens of platforms installed per workspace (OAuth).
    digest_poster: Callable[
        [Mapping[str, str], Installations], AbstractAsyncContextManager[ChannelPoster]
    ]
    secret_shapes: tuple[str, ...] = ()  # regexes of the platform's token formats, redacted
    config_files: tuple[str, ...] = ()  # files in the packaged config folder `init` copies
    other_switches: tuple[str, ...] = ()  # further variables that turn it on (another mode)

    def configured(self, env: Mapping[str, str]) -> bool:
        """True when a variable that turns the platform on is set."""
        return any(env.get(name, "").strip() for name in (self.switch, *self.other_switches))


class Platforms:
    """The registered platforms, in order."""

    def __init__(self, platforms: Sequence[ChatPlatform]) -> None:
        names = [p.name for p in platforms]
        if len(set(names)) != len(names):
            raise ValueError(f"platform names must be unique: {names}")
        self._platforms = tuple(platforms)

    def __iter__(self) -> Iterator[ChatPlatform]:
        return iter(self._platforms)

    def __len__(self) -> int:
        return len(self._platforms)

    def get(self, name: str) -> ChatPlatform | None:
        """The platform with this name, if registered."""
        return next((p for p in self._platforms if p.name == name), None)

    @property
    def secrets(self) -> Secrets:
        """Every registered platform's secret variables and token formats, for redaction."""
        return Secrets(
            names=tuple(v.name for p in self._platforms for v in p.variables if v.secret),
            shapes=tuple(shape for p in self._platforms for shape in p.secret_shapes),
        )

    @property
    def config_files(self) -> tuple[str, ...]:
        """Every registered platform's configuration files."""
        return tuple(name for p in self._platforms for name in p.config_files)

    @property
    def switches(self) -> str:
        """'A and/or B': the variables that turn the platforms on."""
        return " and/or ".join(p.switch for p in self._platforms)


class NoInstallations:
    """No platform installed per workspace (a store without installations, for tests)."""

    async def save_installation(self, installation: BotInstallation) -> None:
        raise NotImplementedError("this store keeps no installations")

    async def find_installation(
        self, platform: str, enterprise_id: str, team_id: str
    ) -> BotInstallation | None:
        return None

    async def delete_installation(self, platform: str, enterprise_id: str, team_id: str) -> int:
        return 0

    async def count_installations(self, platform: str) -> int:
        return 0


@asynccontextmanager
async def digest_posters(
    platforms: Platforms,
    env: Mapping[str, str],
    installations: Installations | None = None,
) -> AsyncIterator[dict[str, ChannelPoster]]:
    """Posters keyed by platform name, for every platform configured in ``env``; each is closed
    when the block exits. ``installations`` are the store's per-workspace bot tokens."""
    async with AsyncExitStack() as stack:
        posters: dict[str, ChannelPoster] = {}
        for platform in platforms:
            if platform.configured(env):
                posters[platform.name] = await stack.enter_async_context(
                    platform.digest_poster(env, installations or NoInstallations())
                )
        yield posters
