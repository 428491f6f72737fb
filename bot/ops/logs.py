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
from typing import TextIO

SECRET_ENV_NAMES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DISCORD_TOKEN")
LOG_FORMATS = ("text", "json")
REDACTED = "[REDACTED]"
NO_REQUEST = "-"

# Slack bot/user/app tokens, and Discord bot tokens (base64 id . timestamp . HMAC).
_TOKEN_SHAPES = re.compile(
    r"xox[abeoprs]-[A-Za-z0-9-]{6,}"
    r"|xapp-[A-Za-z0-9-]{6,}"
    r"|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"
)
# Environment values shorter than this are not secrets worth matching (and would over-match).
_MIN_SECRET_CHARS = 8

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


class Redactor:
    """Replaces secret values and token-shaped strings with ``[REDACTED]``."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        values = sorted(
            {v for v in secret_values if len(v) >= _MIN_SECRET_CHARS}, key=len, reverse=True
        )
        self._values = tuple(values)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Redactor:
        """A redactor for the secrets set in this environment."""
        return cls(env[name] for name in SECRET_ENV_NAMES if env.get(name))

    def __call__(self, text: str) -> str:
        """``text`` with every secret replaced."""
        for value in self._values:
            text = text.replace(value, REDACTED)
        return _TOKEN_SHAPES.sub(REDACTED, text)


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
    redactor = Redactor.from_env(env)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redactor) if chosen == "json" else TextFormatter(redactor))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
