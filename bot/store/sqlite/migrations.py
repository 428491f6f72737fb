"""Schema migrations, applied in order on start; ``PRAGMA user_version`` records the last one.

Append new steps; never edit a step that has shipped.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: articles, their sentences (split once at ingest), full-text index, key-value meta.
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        origin TEXT NOT NULL,
        url TEXT,
        source TEXT NOT NULL,
        title TEXT,
        published TEXT,
        date_precision TEXT NOT NULL,
        body TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles (published);
    CREATE TABLE sentences (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        paragraph INTEGER NOT NULL,
        text TEXT NOT NULL,
        UNIQUE (article_id, position)
    );
    CREATE VIRTUAL TABLE articles_fts USING fts5 (
        title, body, content='articles', content_rowid='id', tokenize='porter unicode61'
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # slack: deliveries of chat-platform events already answered, so a redelivery is ignored.
    """
    CREATE TABLE processed_events (
        platform TEXT NOT NULL,
        event_id TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (platform, event_id)
    );
    CREATE INDEX processed_events_seen_at ON processed_events (seen_at);
    """,
    # ingest: URLs of stored articles (canonical, for dedupe before fetching), HTTP validators
    # for conditional requests, feed entries already handled, topic tags, and article authors.
    """
    ALTER TABLE articles ADD COLUMN author TEXT;
    CREATE TABLE article_urls (
        url TEXT PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE
    );
    CREATE INDEX article_urls_article ON article_urls (article_id);
    CREATE TABLE http_validators (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE feed_entries (
        feed_url TEXT NOT NULL,
        entry_key TEXT NOT NULL,
        link TEXT,
        article_id INTEGER REFERENCES articles (id) ON DELETE SET NULL,
        outcome TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (feed_url, entry_key)
    );
    CREATE TABLE article_topics (
        article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        PRIMARY KEY (article_id, topic)
    );
    """,
    # fastrank: each sentence's LexRank terms (stemmed, stop words dropped, in order, one space
    # between), stored at ingest so a brief never re-tokenizes; NULL for sentences stored before.
    """
    ALTER TABLE sentences ADD COLUMN terms TEXT;
    """,
    # digests: channel subscriptions to topics, and one claim row per (subscription, local date).
    """
    CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        time_of_day TEXT NOT NULL,
        zone TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        active_since TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        UNIQUE (platform, channel_id, topic)
    );
    CREATE INDEX subscriptions_active ON subscriptions (active, platform);
    CREATE TABLE digest_log (
        id INTEGER PRIMARY KEY,
        subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
        local_date TEXT NOT NULL,
        slot_at TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('sending', 'posted', 'skipped', 'failed', 'unknown')),
        owner TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        covers_from TEXT,
        covers_until TEXT NOT NULL,
        message_id TEXT,
        detail TEXT,
        finished_at TEXT,
        UNIQUE (subscription_id, local_date)
    );
    CREATE INDEX digest_log_status ON digest_log (status);
    """,
    # story: when each channel was last shown a brief of each target (`--since last`), and the
    # topics channels follow from chat (`/summary follow`).
    """
    CREATE TABLE channel_briefs (
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        target TEXT NOT NULL,
        shown_at TEXT NOT NULL,
        PRIMARY KEY (platform, channel_id, target)
    );
    CREATE TABLE followed_topics (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        slug TEXT NOT NULL,
        words TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (platform, channel_id, slug)
    );
    """,
    # chat installations: a bot token per workspace (Slack OAuth installs), and OAuth states.
    """
    CREATE TABLE chat_installations (
        platform TEXT NOT NULL,
        enterprise_id TEXT NOT NULL,
        team_id TEXT NOT NULL,
        app_id TEXT,
        team_name TEXT,
        bot_token TEXT NOT NULL,
        bot_id TEXT NOT NULL,
        bot_user_id TEXT NOT NULL,
        scopes TEXT NOT NULL,
        is_enterprise_install INTEGER NOT NULL,
        refresh_token TEXT,
        expires_at TEXT,
        installed_at TEXT NOT NULL,
        PRIMARY KEY (platform, enterprise_id, team_id)
    );
    CREATE TABLE oauth_states (state TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
    """,
    # lang: each article's language (ISO 639-1), identified at ingest; stored ones were English.
    """
    ALTER TABLE articles ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
    CREATE INDEX articles_language ON articles (language);
    """,
    # story: a subscription's digests each start a thread ('daily') or all go into the thread
    # of the first one ('follow').
    """
    ALTER TABLE subscriptions ADD COLUMN threads TEXT NOT NULL DEFAULT 'daily';
    """,
    # lang: search in every language. The index holds each article's lexemes (title and body
    # as one text, like PostgreSQL's search column): words stemmed by the article's language's
    # Snowball stemmer, ideographs, kana, Hangul and Thai one character apart, so Chinese and
    # Japanese phrases of any length are found (bot/store/lexemes.py). The lexemes come from
    # ``briefbot_lexemes``, which every connection of the store registers; the index is
    # contentless (the text stays in ``articles`` only) and rebuilt here for stored articles.
    """
    DROP TRIGGER articles_ai;
    DROP TRIGGER articles_ad;
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5 (
        lexemes, content='', tokenize="unicode61 remove_diacritics 0 categories 'L* N* M* Co'"
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, lexemes)
        VALUES (new.id, briefbot_lexemes(new.language, new.title, new.body));
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, lexemes)
        VALUES ('delete', old.id, briefbot_lexemes(old.language, old.title, old.body));
    END;
    INSERT INTO articles_fts (rowid, lexemes)
    SELECT id, briefbot_lexemes(language, title, body) FROM articles;
    """,
    # replicas: worker leases renewed by heartbeat (a worker whose lease expired is gone, on
    # any machine), and turns: one worker's hold on a piece of shared work until a time.
    """
    CREATE TABLE worker_leases (
        worker TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX worker_leases_expires_at ON worker_leases (expires_at);
    CREATE TABLE work_turns (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        worker TEXT NOT NULL,
        held_until TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    );
    """,
    # pgops: the store's generation (bot/store/sql/generation.py) moves on when stored articles
    # or sentences are changed or deleted; adding articles bumps it in the adding transaction.
    """
    CREATE TRIGGER articles_generation_au AFTER UPDATE ON articles BEGIN
        INSERT INTO meta (key, value) VALUES ('store_generation', '1')
        ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT);
    END;
    CREATE TRIGGER articles_generation_ad AFTER DELETE ON articles BEGIN
        INSERT INTO meta (key, value) VALUES ('store_generation', '1')
        ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT);
    END;
    CREATE TRIGGER sentences_generation_au AFTER UPDATE ON sentences BEGIN
        INSERT INTO meta (key, value) VALUES ('store_generation', '1')
        ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT);
    END;
    CREATE TRIGGER sentences_generation_ad AFTER DELETE ON sentences BEGIN
        INSERT INTO meta (key, value) VALUES ('store_generation', '1')
        ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT);
    END;
    """,
    # lang: an article edited in place (its title, body or language) is indexed again: its old
    # lexemes out, its new ones in (PostgreSQL's generated search column follows by itself).
    """
    CREATE TRIGGER articles_au AFTER UPDATE OF title, body, language ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, lexemes)
        VALUES ('delete', old.id, briefbot_lexemes(old.language, old.title, old.body));
        INSERT INTO articles_fts (rowid, lexemes)
        VALUES (new.id, briefbot_lexemes(new.language, new.title, new.body));
    END;
    """,
)
