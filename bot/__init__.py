"""briefbot's platform-free core: load, clean, split, store, rank, select and render briefs."""
