"""The chat platforms briefbot runs: one line per platform.

A platform is a folder under ``adapters/`` whose ``platform.py`` declares ``PLATFORM``, a
``bot.chat.platform.ChatPlatform``. Adding one is that folder plus its line here; the core (command
line, doctor, log redaction, digests) learns everything else from the declaration.
"""

from __future__ import annotations

import importlib

from bot.chat.platform import ChatPlatform, Platforms

PLATFORM_PACKAGES = (
    "adapters.slack",
    "adapters.discord",
)


def load_platforms(packages: tuple[str, ...] = PLATFORM_PACKAGES) -> Platforms:
    """The declarations of the registered platforms (their libraries are not imported)."""
    declared = []
    for package in packages:
        platform = importlib.import_module(f"{package}.platform").PLATFORM
        if not isinstance(platform, ChatPlatform):
            raise TypeError(f"{package}.platform.PLATFORM is not a ChatPlatform")
        declared.append(platform)
    return Platforms(declared)
