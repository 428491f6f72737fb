"""Making a brief: rank, select, build, render, and the brief cache (stages 5-7)."""
