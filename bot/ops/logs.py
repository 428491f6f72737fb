"""Logging: text or JSON lines, a request id on every line of a request, secrets scrubbed.

Redaction happens in the formatter, on the final message and the exception text, so records
from any library that logs through the root handler are scrubbed too.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import secrets
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

LOG_FORMATS = ("text", "json")
REDACTED = "[REDACTED]"
NO_REQUEST = "-"

# Environment values shorter than this are not secrets worth matching (and would over-match).
_MIN_SECRET_CHARS = 8
CORE_SECRET_NAMES = ("BRIEFBOT_DATABASE_URL",)
_URL_PASSWORD = r"(?<=://)[^:/@\s]+:[^@\s/]+(?=@)"  # user:password in a connection URL

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)


def new_request_id() -> str:
    """A short random id naming one handled command in the logs and in error replies."""
    return secrets.token_hex(6)


@contextmanager
def request_context(rid: str | None = None) -> Iterator[str]:
    """Tag every log line inside the block (and threads started from it) with a request id."""
    token = request_id.set(rid or new_request_id())
    try:
        yield request_id.get()
    finally:
        request_id.reset(token)


@dataclass(frozen=True)
class Secrets:
    """What counts as a secret: the variables holding one, and the shapes of known tokens (both
    declared by the chat platforms)."""

    names: tuple[str, ...] = ()
    shapes: tuple[str, ...] = ()  # regular expressions


class Redactor:
    """Replaces secret values and token-shaped strings with ``[REDACTED]``."""

    def __init__(self, secret_values: Iterable[str] = (), shapes: Iterable[str] = ()) -> None:
        values = sorted(
            {v for v in secret_values if len(v) >= _MIN_SECRET_CHARS}, key=len, reverse=True
        )
        self._values = tuple(values)
        patterns = tuple(shapes)
        self._shapes = re.compile("|".join(patterns)) if patterns else None

    @classmethod
    def from_env(cls, env: Mapping[str, str], secrets: Secrets) -> Redactor:
        """A redactor for the secrets set in this environment (the platforms' and the core's:
        the database URL, and any URL's password)."""
        names = (*secrets.names, *CORE_SECRET_NAMES)
        return cls((env[name] for name in names if env.get(name)), (*secrets.shapes, _URL_PASSWORD))

    def __call__(self, text: str) -> str:
        """``text`` with every secret replaced."""
        for value in self._values:
            text = text.replace(value, REDACTED)
        return text if self._shapes is None else self._shapes.sub(REDACTED, text)


class TextFormatter(logging.Formatter):
    """``LEVEL logger [request]: message``, redacted."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("%(levelname)s %(name)s [%(request_id)s]: %(message)s")
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        """The redacted line, exception text included."""
        # Formatting runs in the thread that logged, so the context variable is that request's.
        record.request_id = request_id.get()
        return self._redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, request id, message, exception."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        """The record as a redacted JSON line."""
        data: dict[str, str] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id.get(),
            "message": self._redact(record.getMessage()),
        }
        if record.exc_info:
            data["exception"] = self._redact(self.formatException(record.exc_info))
        if record.stack_info:
            data["stack"] = self._redact(self.formatStack(record.stack_info))
        return json.dumps(data, ensure_ascii=False)


def configure_logging(
    env: Mapping[str, str],
    secrets: Secrets,
    log_format: str | None = None,
    level: int = logging.WARNING,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send all logging to one redacting handler on ``stream`` (stderr by default).

    ``log_format`` falls back to ``BRIEFBOT_LOG_FORMAT``, then "text".
    """
    chosen = log_format or env.get("BRIEFBOT_LOG_FORMAT") or "text"
    if chosen not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {chosen!r}")
    redactor = Redactor.from_env(env, secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redactor) if chosen == "json" else TextFormatter(redactor))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
