"""Chinese and Japanese full-text search on SQLite: the store's index (each character one
token, a query the phrase of its characters) beside an FTS5 ``trigram`` table on the same text.

The articles are the saved Chinese and Japanese news pages (tests/data/web), extracted as
ingest does, their paragraphs dealt out into ``--articles`` articles of about 600 characters.
Queries: words of one, two, three and four characters taken from those pages. Reported: index
size, build time, and per query length the mean time of a MATCH (trigram: MATCH from three
characters; shorter queries need LIKE, a scan of every row), and whether both found the same.

    .venv/bin/python bench/cjk_search.py [--articles 5000]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bot.ingest.extract import extract_article
from bot.settings import PROJECT_DIR
from bot.store.lexemes import document_lexemes, lexemes

WEB = PROJECT_DIR / "tests" / "data" / "web"
PAGES = ("chinese_article.html", "chinese_article_001.html", "japanese_article.html")
QUERIES = {
    1: ("港", "爆", "美"),
    2: ("香港", "道歉", "自爆", "中美", "关系"),
    3: ("梁振英", "立法会", "ロケット", "国际社"),
    4: ("违章建筑", "ナイジェ", "中美关系", "民主派议"),
}


def paragraphs() -> list[tuple[str, str]]:
    found = []
    for name in PAGES:
        html = (WEB / name).read_text(encoding="utf-8", errors="replace")
        raw = extract_article(html, name).article
        language = "ja" if name.startswith("japanese") else "zh"
        found += [(language, p) for p in raw.text.splitlines() if len(p) > 20]
    return found


def build(path: Path, articles: list[tuple[str, str]], trigram: bool) -> float:
    with contextlib.closing(sqlite3.connect(path)) as db:
        if trigram:
            db.execute("CREATE VIRTUAL TABLE t USING fts5 (body, tokenize='trigram')")
            rows = [(i, body) for i, (_, body) in enumerate(articles, 1)]
        else:
            db.execute(
                "CREATE VIRTUAL TABLE t USING fts5 (body, content='',"
                " tokenize=\"unicode61 remove_diacritics 0 categories 'L* N* M* Co'\")"
            )
            rows = [
                (i, document_lexemes(language, None, body))
                for i, (language, body) in enumerate(articles, 1)
            ]
        start = time.perf_counter()
        db.executemany("INSERT INTO t (rowid, body) VALUES (?, ?)", rows)
        db.commit()
        db.execute("VACUUM")
        return time.perf_counter() - start


def timed(db: sqlite3.Connection, sql: str, param: str, rounds: int = 20) -> tuple[float, set[int]]:
    times = []
    found: set[int] = set()
    for _ in range(rounds):
        start = time.perf_counter()
        found = {row[0] for row in db.execute(sql, (param,))}
        times.append(time.perf_counter() - start)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    args = parser.parse_args()
    pool = paragraphs()
    rng = random.Random(19)
    articles = []
    for _ in range(args.articles):
        language, _ = rng.choice(pool)
        in_language = [p for lang, p in pool if lang == language]
        articles.append((language, "\n".join(rng.sample(in_language, min(len(in_language), 6)))))
    folder = Path(tempfile.mkdtemp())
    ours, tri = folder / "characters.sqlite3", folder / "trigram.sqlite3"
    built = {"characters": build(ours, articles, False), "trigram": build(tri, articles, True)}
    print(f"{len(articles)} articles, {sum(len(b) for _, b in articles) / len(articles):.0f} chars")
    for name, path in (("characters", ours), ("trigram", tri)):
        size = path.stat().st_size / 1e6
        print(f"{name:10} index {size:6.1f} MB, built in {built[name]:.2f} s")
    with (
        contextlib.closing(sqlite3.connect(ours)) as a,
        contextlib.closing(sqlite3.connect(tri)) as b,
    ):
        print("chars | characters MATCH ms | trigram ms (how) | same articles")
        for size, words in QUERIES.items():
            ours_ms, tri_ms, same = [], [], True
            for word in words:
                phrase = '"' + " ".join(lexemes(word, "zh")) + '"'
                t1, f1 = timed(a, "SELECT rowid FROM t WHERE t MATCH ?", phrase)
                if size >= 3:
                    t2, f2 = timed(b, "SELECT rowid FROM t WHERE t MATCH ?", f'"{word}"')
                else:
                    # SQLite's trigram index finds nothing under three characters (MATCH and
                    # LIKE alike): the fallback is a scan of every article's text.
                    none = {r[0] for r in b.execute("SELECT rowid FROM t WHERE t MATCH ?", (word,))}
                    assert not none
                    t2, f2 = timed(b, "SELECT rowid FROM t WHERE instr(body, ?) > 0", word)
                ours_ms.append(t1 * 1000)
                tri_ms.append(t2 * 1000)
                same &= f1 == f2
            how = "MATCH" if size >= 3 else "scan: MATCH finds nothing"
            print(
                f"{size} | {statistics.mean(ours_ms):.2f} | {statistics.mean(tri_ms):.2f} ({how})"
                f" | {'yes' if same else 'NO'}"
            )


if __name__ == "__main__":
    main()
