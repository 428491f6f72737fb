"""The SQLite store: the zero-config default, one file in WAL mode."""
