"""Article text: cleaning site furniture, sentences and words, LexRank terms (stages 2-3)."""
