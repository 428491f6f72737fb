"""The chat command language every platform shares, its replies, and rate limits."""
