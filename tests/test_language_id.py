"""Language identification counted with NumPy, from an unpacked copy of the model, gives
py3langid's own scores (bot.text.language)."""

from __future__ import annotations

import json
import random
import re
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.settings import PROJECT_DIR
from bot.text.language import _WINDOWS, SAMPLE_CHARS, load_identifier, model_digest

EVAL = PROJECT_DIR / "tests" / "data" / "eval"
WEB = PROJECT_DIR / "tests" / "data" / "web"


@pytest.fixture(scope="module")
def stock() -> Any:
    return load_identifier(vectorized=False)


@pytest.fixture(scope="module")
def windowed() -> Any:
    identifier = load_identifier()
    assert hasattr(identifier, "window")  # the installed model is a known one
    return identifier


def real_texts() -> list[str]:
    """Every real text at hand: MultiLing 2011 in seven languages (Latin, Arabic, Greek, Hebrew
    and Devanagari scripts), the seed articles, and the saved web pages (Chinese and Arabic
    among them) as raw HTML and as their visible text."""
    texts = []
    for path in sorted(EVAL.glob("multiling2011_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            texts.extend(doc["text"] for doc in json.loads(line)["docs"])
    texts.extend(
        p.read_text(encoding="utf-8") for p in sorted((PROJECT_DIR / "seeds").glob("*.txt"))
    )
    for page in sorted(WEB.glob("*.html")):
        html = page.read_text(encoding="utf-8", errors="replace")
        texts.append(html)
        texts.append(" ".join(re.sub(r"<[^>]*>", " ", html).split()))
    return texts


def odd_texts() -> list[str]:
    """Short, empty, upper-case and random text, all windows of the automaton's depth and less."""
    rng = random.Random(17)
    alphabet = "aeiouAEIOU xyzßéЖжΩω中文한국어עבריתहिंदी.,;!?0123456789\n\t'\"«»"
    texts = ["", "a", "ab", "abc", "abcd", "abcde", "abcdef", "...", "BREAKING NEWS TODAY"]
    texts += [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 400))) for _ in range(300)
    ]
    return texts


def test_windowed_counting_gives_py3langid_own_scores_on_every_real_text(
    stock: Any, windowed: Any
) -> None:
    texts = real_texts()
    assert len(texts) > 700
    for text in texts:
        # What identify reads, and the next stretch of the same text.
        for sample in (text[:SAMPLE_CHARS], text[SAMPLE_CHARS : 2 * SAMPLE_CHARS]):
            assert np.array_equal(windowed._decide(sample), stock._decide(sample))
            assert windowed.classify(sample) == stock.classify(sample)


def test_windowed_counting_gives_py3langid_own_scores_on_odd_text(
    stock: Any, windowed: Any
) -> None:
    for text in odd_texts():
        assert np.array_equal(windowed._decide(text), stock._decide(text)), text
        assert windowed.classify(text) == stock.classify(text)


def test_the_window_is_the_depth_of_the_installed_model(windowed: Any) -> None:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    # A new py3langid model is counted the stock way until its depth is entered in _WINDOWS.
    assert _WINDOWS[model_digest(MODEL_DIR / MODEL_FILE)] == windowed.window
    rows = windowed.moves.reshape(-1, 256)
    row_of = np.asarray(windowed.tk_row, dtype=np.intp)
    depth = np.full(len(row_of), -1)
    depth[0] = 0
    frontier = deque([np.array([0])])
    level = 0
    while frontier:
        states = frontier.popleft()
        following = np.unique(rows[np.unique(row_of[states])]).astype(np.intp)
        new = following[depth[following] < 0]
        if len(new):
            level += 1
            depth[new] = level
            frontier.append(new)
    assert (depth >= 0).all()  # every state reachable
    assert depth.max() == windowed.window


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def same_scores(identifier: Any, stock: Any, texts: list[str]) -> bool:
    return all(np.array_equal(identifier._decide(t), stock._decide(t)) for t in texts)


def test_the_unpacked_model_gives_py3langid_own_scores(stock: Any, cache: Path) -> None:
    texts = [t[:SAMPLE_CHARS] for t in real_texts()] + odd_texts()
    unpacking = load_identifier(cache=cache)
    [folder] = cache.iterdir()
    assert folder.name.startswith("langid-")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{name}.npy" for name in ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")
    )
    mapped = load_identifier(cache=cache)
    assert same_scores(unpacking, stock, texts)
    assert same_scores(mapped, stock, texts)
    assert same_scores(load_identifier(vectorized=False, cache=cache), stock, texts)


def test_a_damaged_unpacked_model_is_not_used_and_is_made_again(stock: Any, tmp_path: Path) -> None:
    texts = [t[:SAMPLE_CHARS] for t in real_texts()[:50]]
    load_identifier(cache=tmp_path)
    [folder] = tmp_path.iterdir()
    ptc = folder / "ptc.npy"
    ptc.write_bytes(ptc.read_bytes()[: ptc.stat().st_size // 2])  # a disk full mid-write
    assert same_scores(load_identifier(cache=tmp_path), stock, texts)
    assert not folder.exists()  # removed: the next load unpacks it again
    assert same_scores(load_identifier(cache=tmp_path), stock, texts)
    assert folder.is_dir()


def test_an_unwritable_cache_falls_back_to_py3langid_own_load(stock: Any, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    texts = [t[:SAMPLE_CHARS] for t in real_texts()[:50]]
    assert same_scores(load_identifier(cache=blocked), stock, texts)
    assert blocked.is_file()


def test_a_forked_child_maps_the_model_again_and_scores_alike(
    stock: Any, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    from bot.text import language

    texts = [t[:SAMPLE_CHARS] for t in real_texts()[:80]] + odd_texts()
    parent = load_identifier(cache=cache)
    monkeypatch.setattr(language, "_identifier", parent)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)

    def child() -> None:
        # After the fork the identifier holds new mappings of the same files.
        remapped = language._identifier.moves is not parent_moves
        sending.send((remapped, [language._identifier._decide(t).tolist() for t in texts]))

    parent_moves = parent.moves
    process = context.Process(target=child)
    process.start()
    remapped, scores = receiving.recv()
    process.join()
    assert remapped
    assert scores == [stock._decide(t).tolist() for t in texts]
