"""Where ingest stages 1-3 (load, clean, split into sentences and terms) run: this process
or worker processes.

They take ~2.5 ms of pure Python per article and share nothing between articles, so a bulk
ingest on a machine with more than one core hands batches of files to worker processes while
the main process stores the batches they return.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from bot.ingest.load import Manifests
from bot.ingest.pipeline import IngestFailure, RejectedArticle, prepare, prepare_files
from bot.models import PreparedArticle, RawArticle
from bot.text.split import OfflineTokenizer
from bot.text.terms import ALL_LANGUAGES, TermIndexer

log = logging.getLogger(__name__)
MIN_FILES_FOR_WORKERS = 40
# Prepared once before the workers are forked, so that they start with everything an article
# needs loaded (the language identifier, the English sentence and word models, stop words,
# stemmers). Its result is dropped; the memos it fills give the same answers as cold ones.
WARM_UP = RawArticle(
    origin="warm-up",
    text="Warm-up: the workers' models are loaded. It is read by each of them, and stored by none.",
)


class InProcessPreparer:
    """Prepares files on a thread of this process, a few at a time."""

    batch_files = 8  # a thread hop costs ~0.1 ms; a few files per hop keep stops prompt
    depth = 1  # under the GIL a second batch in flight would only compete with the loop

    def __init__(self, indexer: TermIndexer, max_bytes: int, search_lexemes: bool = False) -> None:
        self.indexer = indexer
        self.max_bytes = max_bytes
        self.manifests = Manifests()
        self.search_lexemes = search_lexemes  # see ``prepare``

    async def prepare_files(self, paths: Sequence[Path]) -> list[PreparedArticle | IngestFailure]:
        """Each file prepared, or why it cannot be, in the order given."""
        return await asyncio.to_thread(
            prepare_files, paths, self.indexer, self.max_bytes, self.manifests, self.search_lexemes
        )


@dataclass(frozen=True)
class WorkerSetup:
    """How each worker process prepares files."""

    language: str
    max_bytes: int
    supported: frozenset[str] = ALL_LANGUAGES
    search_lexemes: bool = False  # see ``prepare``

    def preparer(self) -> InProcessPreparer:
        """A preparer in this process, its models loaded on first use."""
        indexer = TermIndexer(
            OfflineTokenizer(self.language), self.language, supported=self.supported
        )
        return InProcessPreparer(indexer, self.max_bytes, self.search_lexemes)


class ProcessPreparer:
    """Prepares files in worker processes, each with its own tokenizer and memo."""

    batch_files = 16  # a round trip to a worker costs ~0.2 ms; 16 files take ~50 ms of work
    depth: int

    def __init__(self, pool: ProcessPoolExecutor, workers: int, setup: WorkerSetup) -> None:
        self._pool = pool
        self.depth = 2 * workers  # every worker busy while the main process stores a batch
        self._setup = setup
        self._fallback: InProcessPreparer | None = None  # made if a worker dies

    @classmethod
    def start(
        cls,
        language: str,
        max_bytes: int,
        workers: int,
        supported: frozenset[str] = ALL_LANGUAGES,
        *,
        search_lexemes: bool = False,
    ) -> ProcessPreparer:
        """Start ``workers`` processes now; with ``search_lexemes``, they also work out each
        article's search lexemes (for a store that indexes them: SQLite), so that the one
        storing process need not.

        Forking copies only the calling thread, so a lock another thread held would stay held
        in the child: workers are forked while this is the only thread, or else started by a
        fork server (slower to start: it imports the pipeline afresh, ~1 s).
        """
        setup = WorkerSetup(language, max_bytes, supported, search_lexemes)
        fork = sys.platform == "linux" and threading.active_count() == 1
        context = multiprocessing.get_context("fork" if fork else "forkserver")
        warmed = None
        if fork:
            # What every worker would load on its first article (NumPy and the language
            # model, Punkt, stop words, stemmers: ~0.2 s of CPU) is loaded once, here, and
            # shared by the forked workers instead of loaded by each.
            warmed = setup.preparer()
            with contextlib.suppress(RejectedArticle):  # English may not be summarized
                prepare(WARM_UP, warmed.indexer, search_lexemes=search_lexemes)
        else:
            context.set_forkserver_preload(["bot.ingest.workers"])
        pool = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_start_worker,
            # A forked worker inherits ``warmed`` as it is; nothing is pickled.
            initargs=(setup, warmed),
        )
        pool.submit(os.getpid).result()  # launches every worker (all at once, for fork)
        return cls(pool, workers, setup)

    async def prepare_files(self, paths: Sequence[Path]) -> list[PreparedArticle | IngestFailure]:
        """Each file prepared by a worker, or why it cannot be, in the order given."""
        if self._fallback is None:
            try:
                return await asyncio.get_running_loop().run_in_executor(
                    self._pool, _prepare_in_worker, list(paths)
                )
            except BrokenProcessPool:
                # A worker died (killed, out of memory): nothing is lost, the rest runs here.
                log.warning("an ingest worker process died; preparing the rest in this process")
                self._fallback = self._setup.preparer()
        return await self._fallback.prepare_files(paths)

    def close(self) -> None:
        """Stop the workers; a batch a worker has started is finished first."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def lexemes_in_workers(workers: int) -> bool:
    """Whether ``workers`` worker processes should work out the search lexemes (for a store
    indexing them) instead of the one storing process.

    Only from four workers on. The lexemes cost less CPU worked out once, in the storing
    process, whose word cache serves every article (each worker's own cache starts cold: 2 x
    ~0.25 s instead of ~0.35 s for 1,000 articles), and up to four cores the CPU of the whole
    ingest is what bounds it: the storing process, ~a fifth of that CPU with the lexemes, keeps
    up with the workers. With more cores it would not: it becomes the bottleneck the workers wait
    for, and moving its lexemes to them leaves it ~a sixth.
    """
    return workers >= 4


def workers_for(files: int) -> int:
    """Worker processes for an ingest of ``files`` text files: one per core, or none.

    None on a single core, and none for a few files: starting workers costs ~50 ms, and they
    save ~1.3 ms a file on 2 cores.
    """
    if files < MIN_FILES_FOR_WORKERS:
        return 0
    if hasattr(os, "sched_getaffinity"):  # the cores this process may run on
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    return cores if cores > 1 else 0


# One per worker process: its tokenizer's memo and stem cache carry over between batches.
_worker: InProcessPreparer | None = None


def _start_worker(setup: WorkerSetup, warmed: InProcessPreparer | None) -> None:
    global _worker
    # The main process decides when to stop (it finishes the batches in flight first): a
    # Ctrl-C or SIGTERM to the whole process group must not kill a worker mid-batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.set_wakeup_fd(-1)  # the event loop's wake-up pipe belongs to the main process
    parent = multiprocessing.parent_process()
    if parent is not None:
        # Ignoring signals, a worker would outlive a main process killed with SIGKILL.
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()
    _worker = warmed or setup.preparer()


def _exit_with(parent_sentinel: int) -> None:
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(1)


def _prepare_in_worker(paths: list[Path]) -> list[PreparedArticle | IngestFailure]:
    if _worker is None:
        raise RuntimeError("the worker was not started by ProcessPreparer")
    return prepare_files(
        paths, _worker.indexer, _worker.max_bytes, _worker.manifests, _worker.search_lexemes
    )
