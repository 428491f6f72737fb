"""The store's generation: a number that moves on with every change to stored articles.

Replicas of a process each keep their own brief cache. A brief depends on the articles and
sentences it covers; ids alone do not pin them (SQLite reuses the id of a deleted last row, an
operator may correct a title or a sentence in place). Every transaction that adds articles
bumps the generation as its last statement, and triggers bump it when articles or sentences are
updated or deleted (SQLite migration 10, PostgreSQL migration 4), so every process sees the new
number exactly when it sees the change, and a cache keyed by it never serves a stale brief.
"""

from __future__ import annotations

GENERATION_KEY = "store_generation"

# Shared by both engines' code and triggers: one row in meta, counted up in place.
BUMP_GENERATION = (
    "INSERT INTO meta (key, value) VALUES ('store_generation', '1')"
    " ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)"
)
READ_GENERATION = "SELECT value FROM meta WHERE key = 'store_generation'"
