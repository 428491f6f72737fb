"""Running ``briefbot`` as a real process for tests: its stderr read line by line, and it is
killed if a test leaves it running."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.settings import PROJECT_DIR


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Process:
    """A running ``briefbot`` process whose stderr is read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stderr: list[str] = []

    async def wait_for_line(self, needle: str) -> None:
        """Read stderr until a line containing ``needle`` (the hang guard is the caller's)."""
        assert self.process.stderr is not None
        while not any(needle in line for line in self.stderr):
            line = await self.process.stderr.readline()
            if not line:
                raise AssertionError(f"exited before {needle!r}:\n{''.join(self.stderr)}")
            self.stderr.append(line.decode())

    async def finish(self) -> tuple[int, str]:
        """Wait for the exit; return its code and everything it wrote (stdout, then stderr)."""
        out, err = await self.process.communicate()
        assert self.process.returncode is not None
        return self.process.returncode, out.decode() + "".join(self.stderr) + err.decode()


@asynccontextmanager
async def briefbot_process(
    args: list[str], env: dict[str, str], module: str = "bot.cli"
) -> AsyncIterator[Process]:
    """``python -m bot.cli ARGS`` (or another ``module``) with ``env`` added; killed if the test
    leaves it running."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        env={**os.environ, **env},
        cwd=PROJECT_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield Process(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
