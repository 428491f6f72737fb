"""Site furniture in other languages (bot/text/furniture.py): dropped from real pages, never
taken for prose in any of the seven MultiLing languages."""

from __future__ import annotations

import json

import pytest
import trafilatura

from bot.ingest.extract import extract_article
from bot.ingest.pipeline import prepare
from bot.settings import PROJECT_DIR
from bot.text.clean import clean_lines, keep_sentence
from bot.text.furniture import ends_article, is_furniture
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

WEB = PROJECT_DIR / "tests" / "data" / "web"
EVAL = PROJECT_DIR / "tests" / "data" / "eval"


def letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


@pytest.mark.parametrize(
    ("page", "language", "furniture", "prose"),
    [
        (
            # A comment section after the story: its heading, and the site's rules for it.
            "spanish_article.html",
            "es",
            ("Comentar", "El contenido de los comentarios", "No está permitido verter"),
            "Esta es la segunda ocasión en que el juez Castro imputa a la esposa",
        ),
        (
            # The editors' credit line closing the article.
            "chinese_article_001.html",
            "zh",
            ("编辑：严玉洁",),
            "中国从未想过构建一个没有美国的多极世界秩序",
        ),
        (
            # A paywall: "this article is for members; register to read the rest".
            "paywall/japanese_article_nikkei.html",
            "ja",
            ("会員限定", "続きをお読みいただけます"),
            "中国国家主席、習近平（シー・ジンピン）も重要な陰の参戦者だった",
        ),
        (
            # The disclaimer over readers' comments: "the opinions below do not reflect the
            # opinion of CNN Arabic".
            "arabic_article.html",
            "ar",
            ("لا تعبر عن رأي موقع",),
            "التي يقطنها الأكراد في سوريا بشكل مستقل",
        ),
    ],
)
def test_furniture_of_real_pages_is_dropped_and_the_story_kept(
    page: str, language: str, furniture: tuple[str, ...], prose: str
) -> None:
    html = (WEB / page).read_text(encoding="utf-8", errors="replace")
    article = prepare(extract_article(html, page).article, TermIndexer(OfflineTokenizer()))
    body = article.article.body
    assert article.article.language == language
    assert prose in body
    for phrase in furniture:
        assert phrase not in body
    # At least as complete as plain trafilatura, the furniture it keeps aside.
    plain = trafilatura.extract(html, favor_precision=True, include_tables=False) or ""
    story = [line for line in plain.splitlines() if not any(p in line for p in furniture)]
    assert any(any(p in line for p in furniture) for line in plain.splitlines())
    assert letters(body) >= 0.9 * letters("\n".join(story))


@pytest.mark.parametrize(
    "line",
    [
        "Lire aussi : Le gouvernement présente son budget",
        "» À lire aussi",
        "Lesen Sie auch: Die Regierung stellt den Haushalt vor",
        "Anzeige",
        "Lee también: El Gobierno presenta los presupuestos",
        "Publicidad",
        "Читайте также: Правительство представило бюджет",
        "Реклама",
        "اقرأ أيضاً: الحكومة تقدم الميزانية",
        "相关阅读：政府公布预算",
        "（责任编辑：王辉）",
        "© 2024 Le Monde. Tous droits réservés.",
        "© Frankfurter Allgemeine Zeitung GmbH 2024. Alle Rechte vorbehalten.",
        "版权所有 © 中国日报网",
        "記事の無断転載を禁じます。",
        "Cette page utilise des cookies.",
    ],
)
def test_labels_prompts_and_notices_are_furniture(line: str) -> None:
    assert is_furniture(line)
    assert not keep_sentence(line)


@pytest.mark.parametrize(
    "line", ["Commentaires", "Kommentare (12)", "Comentarios:", "Комментарии", "评论", "コメント"]
)
def test_a_comment_heading_ends_the_article(line: str) -> None:
    assert ends_article(line)
    cleaned = clean_lines(f"Le ministre a parlé.\n{line}\nSuper article !\n")
    assert cleaned.lines == ("Le ministre a parlé.",) and cleaned.cut_at == line


@pytest.mark.parametrize(
    "line",
    [
        # The words in prose: a report, not a label.
        "Il faut lire aussi le rapport de la Cour des comptes, a déclaré le ministre.",
        "Die Anzeige wurde am Montag bei der Polizei erstattet.",
        "La publicidad institucional creció un 20 % el año pasado.",
        "Реклама на телевидении подорожала на 15 процентов.",
        "وقال إن تصريحاته لا تعبر عن رأي الحكومة.",
        "他说，编辑部将在下周公布调查结果。",
        # A long line is article text whatever it holds.
        "Tous droits réservés: " + "le tribunal a rappelé que la loi protège les auteurs " * 6,
    ],
)
def test_the_same_words_in_prose_are_kept(line: str) -> None:
    assert not is_furniture(line)


def test_no_line_of_the_dev_sets_is_taken_for_furniture() -> None:
    # 699 real WikiNews articles in seven languages: titles and every paragraph.
    taken = []
    checked = 0
    for language in ("en", "ar", "cs", "el", "fr", "he", "hi"):
        for story in map(
            json.loads, (EVAL / f"multiling2011_{language}.jsonl").open(encoding="utf-8")
        ):
            for doc in story["docs"]:
                for line in [doc["title"], *doc["text"].splitlines()]:
                    checked += 1
                    if line.strip() and (is_furniture(line) or ends_article(line)):
                        taken.append((language, line))
    assert checked > 5_000
    assert taken == []
