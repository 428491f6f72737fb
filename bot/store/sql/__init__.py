"""SQL shared by every engine: each query written once, in SQLite's ``?`` placeholder style.

An engine runs it through its ``Statements`` (``bot.store.<engine>.connection``), which
translates the placeholders and keeps the genuinely engine-specific parts (how a new row's id
comes back). Upserts, full-text search and migrations stay in the engine folders.
"""
