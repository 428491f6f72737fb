"""Chat-platform adapters: translate platform events into core commands and briefs into messages."""
