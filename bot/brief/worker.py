"""Where a brief is built (stages 5-6): a thread for small ones, a process a deadline can kill;
in a one-shot command, a daemon thread that ends with the process.

Ranking and selection are CPU-bound and, for heavily re-reported coverage, can take minutes. A
thread cannot be stopped: at the deadline the caller gave up but the thread ran on, holding a
core and its memory, and the process could not exit until it finished. So a brief of more than
``PROCESS_MIN_SENTENCES`` sentences is built in a child process, and cancelling the call (the
deadline's ``wait_for``, a shutdown) kills that process: its CPU and memory are freed at once,
and the next brief starts a fresh one. Small briefs (the seed topics: ~100 sentences, a few ms)
stay on a thread, which costs no copy of their sentences and no process start.

The child is started by a fork server (never ``fork`` from a process with threads: a lock held by
another thread would stay held in the child) that has the ranking modules imported already, so
a restart after a kill costs a fork, not the ~1 s of imports.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections.abc import Collection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from bot.brief.briefer import RankJob
from bot.models import Brief
from bot.text.split import OfflineTokenizer
from bot.text.terms import ALL_LANGUAGES, TermIndexer

# Below this many sentences a brief takes milliseconds and is built on a thread; above it, the
# copy to the child (~1 us a sentence) is small next to ranking, which may grow quadratically.
PROCESS_MIN_SENTENCES = 1_000
log = logging.getLogger(__name__)


class RankingFailed(Exception):
    """The ranking process died or raised; the message says how (for the log, not the user)."""


class ProcessRanker:
    """The ``Ranker`` whose big briefs can be stopped: one brief at a time, a small one on a
    thread, a big one in a ranking process that cancelling the call kills.

    ``aclose`` (or ``async with``) ends the ranking process with its owner.
    """

    def __init__(
        self, indexer: TermIndexer, language: str, supported: Collection[str] = ALL_LANGUAGES
    ) -> None:
        """``language`` and ``supported`` are those ``indexer`` was made with: the ranking
        process makes its own indexer from them."""
        self._indexer = indexer
        self._one_at_a_time = asyncio.Semaphore(1)
        self.process = RankingProcess(language, supported)

    async def rank(self, job: RankJob) -> Brief:
        """The brief of ``job``; raise RankingFailed if the process building it died."""
        async with self._one_at_a_time:
            if len(job.records) + len(job.earlier) < PROCESS_MIN_SENTENCES:
                return await asyncio.to_thread(run_job, job, self._indexer)
            try:
                return await self.process.rank(job)
            finally:
                # The job's sentences (tens of MB as objects and as pickled bytes) are freed
                # now, but the C allocator keeps freed heap for reuse unless told otherwise.
                _return_freed_memory()

    async def aclose(self) -> None:
        """Kill the ranking process, if one is running."""
        self.process.kill()

    async def __aenter__(self) -> ProcessRanker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class OneShotRanker:
    """The ``Ranker`` of a process that exits after one command (``briefbot brief``,
    ``summarize``): the brief is built in this process, on a daemon thread.

    A ranking process would cost such a command more than it saves: its fork server imports
    NumPy, SciPy and the ranking modules afresh (~0.5 s), and the sentences are copied to it.
    What it buys, a build that a deadline can stop, a one-shot command gets by exiting: the
    thread is a daemon, so a build the deadline gave up on neither holds up the exit (as a
    thread of asyncio's executor would) nor outlives it. Long-running processes (chat, digests)
    keep ``ProcessRanker``.
    """

    def __init__(self, indexer: TermIndexer) -> None:
        self._indexer = indexer
        self._one_at_a_time = asyncio.Semaphore(1)

    async def rank(self, job: RankJob) -> Brief:
        """The brief of ``job``; cancelling the call leaves the thread to end with the process."""
        async with self._one_at_a_time:
            loop = asyncio.get_running_loop()
            done: asyncio.Future[Brief] = loop.create_future()
            threading.Thread(
                target=_build_for,
                args=(done, loop, job, self._indexer),
                name="briefbot-ranking",
                daemon=True,
            ).start()
            return await done


def _build_for(
    done: asyncio.Future[Brief], loop: asyncio.AbstractEventLoop, job: RankJob, indexer: TermIndexer
) -> None:
    try:
        brief = run_job(job, indexer)
    except BaseException as exc:  # handed to the awaiting caller, whole
        outcome: tuple[Brief | None, BaseException | None] = (None, exc)
    else:
        outcome = (brief, None)
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
        loop.call_soon_threadsafe(_settle, done, *outcome)


def _settle(done: asyncio.Future[Brief], brief: Brief | None, error: BaseException | None) -> None:
    if done.done():  # the caller gave up (a deadline, a stop)
        return
    if error is not None:
        done.set_exception(error)
    else:
        assert brief is not None
        done.set_result(brief)


def run_job(job: RankJob, indexer: TermIndexer) -> Brief:
    """Build the brief of ``job`` here, in this thread."""
    from bot.brief.build import build_brief  # numpy and scipy: on first use, not at start-up

    return build_brief(
        job.key, job.title, job.articles, job.records, indexer, job.limits, job.query, job.earlier
    )


class RankingProcess:
    """One child process building briefs in turn; killed when a build is cancelled."""

    def __init__(self, language: str, supported: Collection[str] = ALL_LANGUAGES) -> None:
        self._language = language
        self._supported = tuple(supported)
        self._lock = asyncio.Lock()
        self._child: tuple[BaseProcess, Connection] | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id while one runs (for tests and logs)."""
        return None if self._child is None else self._child[0].pid

    async def rank(self, job: RankJob) -> Brief:
        """The brief of ``job``, built in the child; cancelling this kills the child."""
        async with self._lock:
            # Starting a process waits for the fork server, which the first time imports the
            # ranking modules (seconds): on a thread, so the event loop keeps acknowledging.
            starting = asyncio.ensure_future(asyncio.to_thread(self._started))
            try:
                connection = await asyncio.shield(starting)
            except BaseException:
                with contextlib.suppress(BaseException):
                    await starting  # a cancelled wait: the child still starts; end it
                unused = self._end_child()
                if unused is not None:
                    unused.close()  # nothing sent on it yet, so nothing else is using it
                raise
            # Pickling and sending tens of thousands of sentences takes a few ms and the child
            # reads as it goes: a thread keeps that off the event loop.
            sending = asyncio.ensure_future(asyncio.to_thread(connection.send, job))
            try:
                await asyncio.shield(sending)
                await _readable(connection)
                kind, value = connection.recv()
            except BaseException as exc:
                # A deadline or a shutdown cancelled the build, or the child died: end the work,
                # not just the wait. The send thread must be done before the pipe is closed (a
                # closed descriptor's number is soon another file's); a dead child ends it.
                self._end_child()
                with contextlib.suppress(BaseException):
                    await sending
                connection.close()
                if isinstance(exc, EOFError | OSError):
                    raise RankingFailed(f"the ranking process died ({type(exc).__name__})") from exc
                raise
        if kind == "error":
            raise RankingFailed(str(value))
        assert isinstance(value, Brief)
        return value

    def kill(self) -> None:
        """Kill the child now, if one runs, and close the pipe to it.

        While a build is under way, that build closes the pipe once its child is dead and its
        send thread done with it.
        """
        connection = self._end_child()
        if connection is not None and not self._lock.locked():
            connection.close()

    def _end_child(self) -> Connection | None:
        """SIGKILL the child (it holds nothing that needs closing) and reap it; the pipe stays."""
        if self._child is None:
            return None
        process, connection = self._child
        self._child = None
        if process.is_alive():
            process.kill()
            log.info("killed ranking process %s", process.pid)
        process.join()
        return connection

    def _started(self) -> Connection:
        if self._child is not None and self._child[0].is_alive():
            return self._child[1]
        self.kill()
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["bot.brief.build", __name__])
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(theirs, self._language, self._supported),
            name="briefbot-ranking",
            daemon=True,
        )
        process.start()
        theirs.close()  # so that the child's death reads as end-of-file here
        self._child = (process, ours)
        return ours


def _return_freed_memory() -> None:
    """Give freed heap back to the system (glibc's ``malloc_trim``; elsewhere nothing)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """glibc, found when first needed: ``find_library`` runs ``ldconfig`` (~5 ms), which a
    one-shot brief, never trimming, need not wait for."""
    if sys.platform != "linux":
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    return libc if hasattr(libc, "malloc_trim") else None  # musl has none


async def _readable(connection: Connection) -> None:
    """Return once ``connection`` has data (or end-of-file) to read."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = connection.fileno()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


def _serve(connection: Connection, language: str, supported: tuple[str, ...]) -> None:
    """The child: build each job received and send back ("ok", brief) or ("error", why)."""
    # The parent decides when this stops (it kills it); a Ctrl-C or SIGTERM to the whole process
    # group must not end a build the parent is still waiting for.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        # Ignoring signals, the child would outlive a parent killed with SIGKILL.
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()
    indexer = TermIndexer(OfflineTokenizer(language), language, supported=supported)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            result: tuple[str, object] = ("ok", run_job(job, indexer))
        except Exception as exc:  # sent back whole, for the parent's log
            result = ("error", f"{type(exc).__name__}: {exc}")
        connection.send(result)


def _exit_with(parent_sentinel: int) -> None:
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(1)
