"""Getting articles in: files, saved pages, links and feeds, prepared here or in workers."""
