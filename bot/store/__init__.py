"""Storage behind protocols; one package per engine (stage 4)."""
