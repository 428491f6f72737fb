"""Article and sentence rows as every engine stores and reads them (the columns are the same)."""

from __future__ import annotations

from bot.ingest.load import parse_date
from bot.models import Article, ArticleDate, DatePrecision, PreparedArticle
from bot.store.sql.statements import Row


def article_row(digest: str, item: PreparedArticle, ingested_at: str) -> tuple[object, ...]:
    """The ``articles`` insert values of one prepared article, in column order."""
    article = item.article
    return (
        digest,
        article.origin,
        article.url,
        article.source,
        article.title,
        article.date.iso(),
        article.date.precision.value,
        article.body,
        ingested_at,
        article.author,
        article.language,
    )


def sentence_rows(article_id: int, item: PreparedArticle) -> list[tuple[object, ...]]:
    """The ``sentences`` rows of one stored article: position, paragraph, text and terms."""
    rows: list[tuple[object, ...]] = []
    for paragraph_number, paragraph in enumerate(item.article.paragraphs):
        for sentence in paragraph.sentences:
            position = len(rows)
            terms = " ".join(item.terms[position])
            rows.append((article_id, position, paragraph_number, sentence, terms))
    return rows


def article_from_row(row: Row) -> Article:
    """An ``Article`` from a row selected as id, source, title, url, published, date
    precision, origin, language."""
    published, precision = row[4], str(row[5])
    date = ArticleDate.unknown()
    if isinstance(published, str):
        parsed = parse_date(published)
        date = ArticleDate(parsed.value, DatePrecision(precision))
    return Article(
        id=int(str(row[0])),
        source=str(row[1]),
        title=None if row[2] is None else str(row[2]),
        url=None if row[3] is None else str(row[3]),
        date=date,
        origin=str(row[6]),
        language=str(row[7]),
    )


# The languages the store holds, one index lookup each (a loose scan of articles_language), so
# a search runs once per language present whatever the number of articles.
LANGUAGES_PRESENT = """
WITH RECURSIVE present (language) AS (
    SELECT min(language) FROM articles
    UNION ALL
    SELECT (SELECT min(a.language) FROM articles a WHERE a.language > p.language)
    FROM present p WHERE p.language IS NOT NULL
)
SELECT language FROM present WHERE language IS NOT NULL
"""
