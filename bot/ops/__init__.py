"""Operations: logging, process lifecycle, health checks, backups."""
